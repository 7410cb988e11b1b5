"""The translation catalogues: each message is translated once. Two branches that each
add the same English text (merged side by side) would otherwise leave two entries, and
Babel keeps one of them silently: which translation a page shows would be an accident."""

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def _keys(po: Path) -> list[tuple[str | None, str]]:
    keys = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if msgid is None:
            continue
        text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        if text:
            keys.append((context.group(1) if context else None, text))
    return keys


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*/LC_MESSAGES/django.po")), ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_once(po):
    keys = _keys(po)
    twice = sorted({key for key in keys if keys.count(key) > 1}, key=str)
    assert twice == []
    assert len(keys) > 1000  # the catalogue was read


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*/LC_MESSAGES/django.po")), ids=lambda p: p.parent.parent.name)
def test_every_entry_has_its_msgid_and_msgstr_once(po):
    """Each entry is ``[msgctxt] msgid msgstr``, nothing missing, nothing twice. A line-wise
    merge of two branches that each appended entries can share one ``msgstr ""`` line
    between two of them, or leave one entry two msgstr: Babel reads such a file without a
    word, and the compiled catalogue then shows one text for another."""
    broken = []
    for number, block in enumerate(po.read_text(encoding="utf-8").split("\n\n")):
        keywords = re.findall(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ", block, re.M)
        if not keywords:
            continue
        plain = [k for k in keywords if k != "msgctxt"]
        if plain not in (["msgid", "msgstr"], ["msgid", "msgid_plural", "msgstr[0]"],
                         ["msgid", "msgid_plural", "msgstr[0]", "msgstr[1]"]) or keywords.count("msgctxt") > 1:
            broken.append(block.strip().splitlines()[0][:80] + f"  ({' '.join(keywords)})")
    assert broken == []
