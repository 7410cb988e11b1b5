"""The demo in English: every demo login switches to English with the language switcher
and walks the pages it can reach by following links, and no page shows a Chinese system
sentence. A system sentence is one of our own translations (the msgstr texts of the
Chinese catalogue): each is cut at its placeholders and every piece of four or more
Chinese characters must be absent from the page's visible text. What people typed in
Chinese (names, addresses, notes, complaints: in the demo, the texts of demo/data) is
not ours to translate and may stay: it is taken out of the page's text first, so an
owner's "对处理结果满意" does not count as our "处理结果" (How it was resolved)."""

import json
import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel.messages.pofile import read_po

from demo.context import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

BASE_DIR = Path(__file__).resolve().parents[2]
CATALOGUE = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
DEMO_TEXTS = BASE_DIR / "demo" / "data"
PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Each demo login and the page it starts from.
LOGINS = ["desk", "supervisor", "finance", "engineer", "owner"]
PAGES_PER_LOGIN = 90
SKIPPED = ("/accounts/logout", "/admin/", "/api/", "/static/", "/media/", "/i18n/")
# The page's visible text, without the parts that say they are in another language (a
# receipt printed in its payer's language: <main lang="zh-hans">): they are that reader's.
ENGLISH_TEXT = """() => {
  document.querySelectorAll("body [lang]").forEach(e => { if (!e.lang.startsWith("en")) e.style.display = "none"; });
  return document.body.innerText;
}"""


def system_fragments() -> dict[str, str]:
    """Each piece (>= 4 Chinese characters) of the Chinese catalogue's texts, with the
    msgid it comes from."""
    with CATALOGUE.open("rb") as po:
        catalog = read_po(po, locale="zh_Hans")
    fragments: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        for text in texts:
            for piece in PLACEHOLDER.split(text or ""):
                piece = piece.strip()
                if len(CJK.findall(piece)) >= 4:
                    fragments.setdefault(piece, msgid)
    return fragments


def user_texts() -> list[str]:
    """What the demo's people write (demo/data/*.json), cut at its {placeholders}: the
    pieces of four or more Chinese characters, longest first."""
    pieces: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            for piece in re.split(r"\{[^}]*\}", value):
                if len(CJK.findall(piece)) >= 4:
                    pieces.add(piece.strip())
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(DEMO_TEXTS.glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return sorted(pieces, key=len, reverse=True)


def without_user_texts(text: str, typed: list[str]) -> str:
    for piece in typed:
        if piece in text:
            text = text.replace(piece, "\n")
    return text


def page_kind(url: str) -> str:
    """Pages that differ only in a record's id, a page number or a search are one kind."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    query = sorted(
        (key, "" if re.search(r"\d", value) or key in {"q", "page", "next"} else value)
        for key, value in parse_qsl(parts.query)
    )
    return f"{path}?{query}"


def crawl(page, start: str, look=lambda page: page.evaluate(ENGLISH_TEXT)) -> list[tuple[str, object]]:
    """Visit the pages reachable from ``start`` by links, one of each kind, in breadth
    order: [(url, what ``look`` saw there: by default the visible text)]."""
    origin = page.base_url
    queue, seen, visited = deque([start]), {page_kind(start)}, []
    while queue and len(visited) < PAGES_PER_LOGIN:
        url = queue.popleft()
        try:
            response = page.goto(url)
        except Exception:  # noqa: BLE001  a download (CSV, PDF) is no page
            continue
        if response is None or response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append((url, look(page)))
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            href = href.split("#")[0]
            if not href.startswith(origin) or any(urlsplit(href).path.startswith(s) for s in SKIPPED):
                continue
            kind = page_kind(href)
            if kind not in seen:
                seen.add(kind)
                queue.append(href)
    return visited


def owner_pages(page, screenshot, language: str) -> None:
    """The portal owner's inbox and latest complaint, for the eye."""
    page.goto(page.base_url + "/inbox/")
    screenshot(page, f"crawl-portal-inbox-{language}")
    page.goto(page.base_url + "/complaints/portal/")
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    page.goto(next(h for h in hrefs if re.search(r"/complaints/portal/\d+/$", h)))
    screenshot(page, f"crawl-portal-complaint-{language}")


def test_no_chinese_system_sentence_on_any_english_page_of_the_demo(demo_page_for, screenshot):
    fragments, typed = system_fragments(), user_texts()
    assert "物业费" not in fragments and len(fragments) > 500  # pieces, not whole sentences
    found: dict[str, set[str]] = {}
    visited = 0
    for username in LOGINS:
        # given: the login chooses English with the switcher (a browser that asks for Chinese)
        page = demo_page_for(locale="zh-CN")
        log_in(page, username, DEMO_PASSWORD)
        if username == "owner":
            owner_pages(page, screenshot, "zh")
        page.locator("form[action$='/i18n/setlang/'] button[value=en]").first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == "en", username

        # when: it walks every kind of page it can reach
        pages = crawl(page, page.url)
        visited += len(pages)

        if username == "owner":
            owner_pages(page, screenshot, "en")

        # then: no piece of our Chinese sentences on any of them
        for url, text in pages:
            text = without_user_texts(text, typed)
            for fragment, msgid in fragments.items():
                if fragment in text:
                    found.setdefault(f"{fragment}  <- {msgid!r}", set()).add(f"{username} {urlsplit(url).path}")
        page.context.close()
    assert visited > 100
    report = "\n".join(f"{what}\n    on {', '.join(sorted(where)[:6])}" for what, where in sorted(found.items()))
    assert not found, f"Chinese system sentences on English pages ({visited} pages visited):\n{report}"


def test_the_pieces_are_cut_at_placeholders_and_keep_four_chinese_characters_or_more():
    text = "业主%(name)s的投诉已受理，%(time)s前处理完毕。收据"
    pieces = [p.strip() for p in PLACEHOLDER.split(text) if len(CJK.findall(p)) >= 4]
    assert pieces == ["的投诉已受理，", "前处理完毕。收据"]
