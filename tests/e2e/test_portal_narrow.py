"""Every page of the owner portal on a 390 px phone, in Chinese and in English: nothing
is wider than the screen (no sideways scrolling, no figures running into each other off
its edge). The owner walks every kind of page reachable by links from the portal's home."""

import pytest

from demo.context import DEMO_PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_english_crawl import crawl

pytestmark = pytest.mark.e2e

# What is wider than the viewport: the page itself, and the elements that stick out
# (the first few, to say where), leaving aside what scrolls inside its own box (a wide
# table in .table-responsive is meant to).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX; if (x === "auto" || x === "scroll" || x === "hidden") return true; }
    return false; };
  const out = [...document.body.querySelectorAll("*")].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && !inScroller(e);
  }).slice(0, 3).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} right=${Math.round(e.getBoundingClientRect().right)}`);
  return {page: document.documentElement.scrollWidth, width, out};
}"""


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_portal_page_is_wider_than_a_390_px_phone(demo_page_for, screenshot, language):
    page = demo_page_for(locale="zh-CN", width=390, height=844)
    log_in(page, "owner", DEMO_PASSWORD)
    if language == "en":   # the switcher is in the menu, folded behind its button on a phone
        page.locator(".navbar-toggler").first.click()
        page.locator("form[action$='/i18n/setlang/'] button[value=en]").first.click()
        page.wait_for_load_state("networkidle")
    home = page.url
    pages = crawl(page, home, look=lambda p: p.evaluate(OVERFLOW))
    screenshot(page, f"portal-390-last-{language}")
    assert len(pages) >= 10, [url for url, _ in pages]
    wide = {url: seen for url, seen in pages if seen["page"] > seen["width"] or seen["out"]}
    assert not wide, "\n".join(f"{url}: {seen}" for url, seen in wide.items())
    page.context.close()
