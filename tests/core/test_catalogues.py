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
