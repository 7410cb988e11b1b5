"""The queues' search box at a million rows (issue 14).

The complaint and work-order queues take one search term: a document number, a room
number or a name. An OR of "the number contains", "the unit's room number starts with"
and "the name starts with" over a join is answered by no index: PostgreSQL walks the
queue in its order and tests every row, seconds at a million rows when few match. Each
part here is a condition on the queue's own table that a btree index answers, so the
planner ORs their bitmaps (few matches) or walks the queue's order index (many):

- ``number_matches``: the number's start (the full number, or the estate and year,
  ``CUIHU-TS2026``) or its end (the sequence, ``00039`` or ``TS2026-00039``), either
  case: an index on ``UPPER(number)`` and one on ``REVERSE(UPPER(number))``, both with
  pattern ops. A fragment from the middle of a number (``TS2026`` alone) no longer
  matches: a trigram index would find it, but costs tens of milliseconds for a full
  number at a million rows, whose trigrams (``TS2``, ``202``, ``000``) every number has.
- ``unit_in``: the units matched first (the unit's own prefix index), then the rows by
  ``unit_id``. Up to ``UNIT_IDS_INLINE`` units go in as a list, which the planner counts
  and an index on ``unit_id`` answers; more than that is a common prefix (``3-``), which
  matches many rows, so the condition stays a subquery that the walk of the queue's
  order tests by a hash.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Reverse, Upper
from django.db.models.lookups import StartsWith

# Units matched by a room-number prefix that are listed in the statement (one more
# statement, to read them); above it, a subquery.
UNIT_IDS_INLINE = 1000


def number_matches(query: str, *, field: str = "number") -> Q:
    """Rows whose ``field`` (a document number) starts or ends with ``query``, either case."""
    return Q(**{f"{field}__istartswith": query}) | Q(StartsWith(Reverse(Upper(field)), query.upper()[::-1]))


def unit_in(units: QuerySet, *, field: str = "unit_id") -> Q:
    """Rows whose unit is one of ``units``: a list when there are few, a subquery when many."""
    units = units.order_by()
    ids = list(units.values_list("pk", flat=True)[: UNIT_IDS_INLINE + 1])
    if len(ids) <= UNIT_IDS_INLINE:
        return Q(**{f"{field}__in": ids})
    return Q(**{f"{field}__in": units.values("pk")})
