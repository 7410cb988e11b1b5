"""What the pages will read: one renovation with everything about it, in the same
statements whatever its size; the owner's view; two applications for one unit at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renovation import selectors, services
from renovation.models import ChargeKind, Renovation
from tests.concurrency import at_once
from tests.renovation.conftest import T0, apply, sh, started


def statements(user, renovation) -> int:
    with CaptureQueriesContext(connection) as queries:
        detail = selectors.renovation_detail(renovation_id=renovation.pk, user=user, as_of=sh(2026, 11, 12, 9))
        [(w.docs, w.live_pass) for w in detail.workers]
        [(d.refundable, d.refund) for d in detail.deposits]
        [(c.receipt.number, c.taken_by) for c in detail.charges]
        [list(b.photos.all()) for b in detail.breaches]
    return len(queries.captured_queries)


def test_a_renovations_page_reads_as_many_statements_with_one_worker_as_with_four(w):
    small = started(w)
    big = started(w, workers=4, unit=w.other_unit, owner=w.other)
    for renovation in (small, big):
        services.gate_check(code=renovation.passes.first().serial, now=sh(2026, 11, 10, 9), actor=w.desk)
        services.patrol_record(renovation=renovation, in_order=True, now=sh(2026, 11, 10, 10), actor=w.engineer)
        services.breach_propose(renovation=renovation, rule="r", evidence="e", penalty=Decimal("10"),
                                deposit_kind=ChargeKind.OWNER_DEPOSIT, now=sh(2026, 11, 10, 11), actor=w.engineer)
    for n in range(3):
        services.breach_propose(renovation=big, rule=f"r{n}", evidence="e", penalty=Decimal("10"),
                                deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=sh(2026, 11, 10, 11), actor=w.engineer)
    statements(w.boss, small)  # the reader's permissions, read once per request
    assert statements(w.boss, small) == statements(w.boss, big)


def test_the_owners_view_leaves_out_patrols_and_undecided_penalties(w):
    renovation = started(w)
    services.patrol_record(renovation=renovation, in_order=False, findings="楼道堆放建材", now=sh(2026, 11, 10, 10),
                           actor=w.engineer)
    services.breach_propose(renovation=renovation, rule="楼道堆放建材", evidence="照片", penalty=Decimal("100"),
                            deposit_kind=ChargeKind.OWNER_DEPOSIT, now=sh(2026, 11, 10, 10), actor=w.engineer)
    staff = selectors.renovation_detail(renovation_id=renovation.pk, user=w.desk, as_of=sh(2026, 11, 11))
    owner = selectors.renovation_detail(renovation_id=renovation.pk, user=w.owner.user, as_of=sh(2026, 11, 11))
    assert (len(staff.patrols), len(staff.breaches)) == (1, 1)
    assert (owner.for_owner, owner.patrols, owner.breaches, owner.gate_checks) == (True, [], [], [])
    assert {e.data.get("action") for e in staff.events} >= {"patrol", "breach_proposed"}
    assert not {e.data.get("action") for e in owner.events} & {"patrol", "breach_proposed"}
    assert owner.deposits[0].pending == Decimal("100.00")  # what may be deducted is said, not why


@pytest.mark.django_db(transaction=True)
def test_two_applications_for_one_unit_at_once_make_one_renovation(w):
    outcomes = at_once(lambda: apply(w), lambda: apply(w, now=T0 + dt.timedelta(seconds=1)))
    made = [o for o in outcomes if isinstance(o, Renovation)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(made), len(refused)) == (1, 1), outcomes
    assert list(refused[0].message_dict) == ["unit"]
    assert Renovation.objects.filter(unit=w.unit).count() == 1
    # the refused one gave its number back: the next application takes the next number
    assert made[0].number.endswith("-00001")
