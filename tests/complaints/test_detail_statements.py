"""The complaint's page reads a fixed number of statements, however long its history
(the timeline, the clock's pauses, its actors) and however many complaints the owner has."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner, works_in

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def _complaint(*, unit, owner, desk_user, at, steps):
    """A complaint taken by the desk at ``at``, worked on by engineering with ``steps``
    pause/resume/progress rounds, each by a different engineer, paused at the end."""
    complaint = services.complaint_register(unit=unit, owner=owner, channel="phone", category="repair",
                                            description="厨房漏水", now=at, actor=desk_user)
    engineer = works_in(UserFactory(role="engineering"), unit.estate, "engineering")
    services.complaint_assign(complaint=complaint, department="engineering", assignee=engineer,
                              actor=desk_user, now=at)
    services.complaint_start(complaint=complaint, actor=engineer, now=at)
    for n in range(steps):
        worker = UserFactory(role="engineering")
        moment = at + dt.timedelta(minutes=10 * n + 1)
        services.complaint_add_progress(complaint=complaint, note=f"第{n}次进展", actor=worker, now=moment)
        services.complaint_pause(complaint=complaint, reason="parts", note=f"等配件{n}", actor=worker,
                                 now=moment)
        services.complaint_resume(complaint=complaint, actor=worker, now=moment + dt.timedelta(minutes=5))
    services.complaint_pause(complaint=complaint, reason="parts", note="等配件到货", actor=engineer,
                             now=at + dt.timedelta(hours=9))
    return complaint


def _statements(client, complaint):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.fixture
def short_and_long(db, desk_user):
    """One owner's complaint with a short history, another's with a long one who has
    complained 20 times besides."""
    quiet, busy = make_owner(name="李娜", phone="13912345678"), make_owner(name="王强", phone="13700001111")
    unit_a, unit_b = UnitFactory(number="3-1-1203"), UnitFactory(number="3-1-1204")
    give_unit(quiet, unit_a)
    give_unit(busy, unit_b)
    short = _complaint(unit=unit_a, owner=quiet, desk_user=desk_user, at=T0, steps=1)
    for n in range(20):
        services.complaint_register(unit=unit_b, owner=busy, channel="phone", category="noise",
                                    description=f"噪音{n}", now=T0 - dt.timedelta(days=n + 1), actor=desk_user)
    long = _complaint(unit=unit_b, owner=busy, desk_user=desk_user, at=T0, steps=10)
    return short, long


def test_the_complaint_page_reads_as_many_statements_for_a_long_history_as_for_a_short_one(
    client, desk_user, short_and_long, time_machine
):
    time_machine.move_to(T0 + dt.timedelta(hours=10), tick=False)
    short, long = short_and_long
    client.force_login(desk_user)
    _statements(client, short)  # the first request of a session reads its own rows once
    few, short_page = _statements(client, short)
    many, long_page = _statements(client, long)
    assert short.events.count() < 8 < 30 < long.events.count()
    assert many == few
    # What the page shows is all there: every step of the timeline, the pause under way,
    # and the repeat-complainer flag for the owner with 21 complaints in 90 days only.
    assert "第9次进展" in long_page and "等配件到货" in long_page
    assert "pd-repeat-badge" in long_page and "pd-repeat-badge" not in short_page
