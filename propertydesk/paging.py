"""Paging for the desk's big queues (issue 14): count only up to a cap, and join after
the limit.

A queue of a million complaints must not COUNT them on every view, nor join five tables
to every row before the LIMIT. ``CappedPaginator`` counts at most ``QUEUE_COUNT_CAP``
rows (a LIMITed subquery), so the page says "1000+" beyond that and its page numbers
stop at the cap: deep pages are never deeper than the cap, and the desk narrows the
filters to reach the rest. A page is read in two statements: the page's ids from the
cheap ordered query (which an index of the queue's sort order answers without sorting),
then the full rows, with their joins and prefetches, for just those ids.

``capped_counts`` counts several filtered querysets up to the cap in one statement,
for the status tabs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def count_cap() -> int:
    return settings.QUEUE_COUNT_CAP


class IdsFirstPaginator(Paginator):
    """A Paginator whose pages fetch ids first (the ordered query alone), then the rows
    with their joins for just those ids. ``count``: the number of rows, when the page
    knows it already (from its own totals), else counted as Django does."""

    capped = False

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.count = count  # the cached_property's value, set ahead

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.capped and top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top]) if top > bottom else []
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class CappedPaginator(IdsFirstPaginator):
    """An IdsFirstPaginator whose ``count`` stops at ``cap`` (``capped`` tells whether
    there are more)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap if cap is not None else count_cap()

    @cached_property
    def _seen(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._seen, self.cap)

    @property
    def capped(self) -> bool:
        """More rows match than were counted."""
        return self._seen > self.cap


def capped_counts(querysets: dict[str, QuerySet], *, cap: int | None = None) -> dict[str, int]:
    """``{key: min(rows of the queryset, cap + 1)}`` in one statement: a count above
    ``cap`` means "more than cap" (shown as "cap+" by the ``capped`` filter)."""
    if not querysets:
        return {}
    cap = cap if cap is not None else count_cap()
    parts, params = [], []
    db = next(iter(querysets.values())).db
    for qs in querysets.values():
        sql, sub_params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params.extend(sub_params)
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        values = cursor.fetchone()
    return dict(zip(querysets, values, strict=True))
