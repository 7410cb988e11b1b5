"""The demo's texts, kept as data: the names and places, what owners say, what staff
write down, the price lists and replies, in Chinese as the estate's people would write
them. Each step reads its own file, ``demo/data/<step>.json``; the code decides only when
and how often each text is used."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def texts(name: str) -> dict:
    """The texts of one step (``registry``, ``people``, ``complaints``, …)."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
