"""The supervisor's dashboard page: what a supervisor sees for an estate and a period,
the lists its figures link to, and that its queries do not grow with the months."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pages import services
from tests.pages import dashboard_world
from tests.pages.dashboard_world import sh


@pytest.fixture
def world(db):
    return dashboard_world.build()


@pytest.fixture
def march(time_machine):
    time_machine.move_to(sh(2026, 3, 15, 12), tick=False)


def card(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">(.*?)</div>\s*</div>\s*</div>', html, re.S)
    assert match, key
    return match.group(1)


def figure_value(html: str, key: str) -> str:
    value = re.search(r'class="dashboard-value mb-1">(.*?)</p>', card(html, key), re.S).group(1)
    # as the reader sees it: the unit's <small> sits against the figure ("66.7%")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?small>", "", value))).strip()


def listed(html: str, prefix: str) -> set[str]:
    """The record numbers a list shows (a number is a link's or a cell's whole text)."""
    return set(re.findall(rf">\s*({prefix}\d+)\s*<", html))


def test_a_supervisor_sees_the_year_end_figures_marked_against_their_targets(client, world, march):
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=6)
    client.force_login(world["boss"])

    response = client.get(reverse("dashboard"), {"period": "custom", "from": "2025-12", "to": "2026-01"})

    assert response.status_code == 200
    html = response.content.decode()
    assert figure_value(html, "complaints_on_time").startswith("66.7%")
    assert 'dashboard-figure is-below" data-figure="complaints_on_time"' in html  # 66.7 % < 95 %
    assert 'dashboard-figure" data-figure="suggestions_adopted"' in html  # 50 % >= 30 %
    assert figure_value(html, "collection").startswith("61.5%")
    assert figure_value(html, "recovery").startswith("75.0%")
    assert figure_value(html, "rating").startswith("4.00 / 5")
    assert "400 / 650" in card(html, "collection")  # collected of receivable, in the house language
    # the figure links to its list, filtered to the period and the estate
    assert "resolved_from=2025-12-01&amp;resolved_to=2026-01-31" in card(html, "complaints_on_time")


def test_an_estate_and_an_empty_period_show_dashes_not_errors(client, world, march):
    client.force_login(world["boss"])

    response = client.get(reverse("dashboard"), {"estate": world["b"].pk, "period": "custom",
                                                 "from": "2025-10", "to": "2025-10"})

    html = response.content.decode()
    assert response.status_code == 200
    assert figure_value(html, "complaints_on_time") == "—"
    assert figure_value(html, "collection") == "—"
    assert "乙花园" in html
    # the job has not run: the month is said to be missing, not computed for the page
    assert re.search(r"以下月份尚未计算[^<]*2025-10", html)


def test_only_supervisors_open_the_dashboard(client, world):
    client.force_login(world["desk"])
    assert client.get(reverse("dashboard")).status_code == 403


def test_the_complaints_a_figure_links_to_are_those_resolved_in_the_period(client, world, march):
    client.force_login(world["boss"])

    late = client.get(reverse("complaints:queue"), {"resolved_from": "2025-12-01", "resolved_to": "2026-01-31",
                                                     "late": "1"}).content.decode()
    every = client.get(reverse("complaints:queue"), {"resolved_from": "2025-12-01",
                                                      "resolved_to": "2025-12-31"}).content.decode()

    assert listed(late, "C") == {"C2"}
    assert listed(every, "C") == {"C1"}


def test_the_work_orders_and_callbacks_a_figure_links_to(client, world, march):
    client.force_login(world["boss"])

    late = client.get(reverse("repairs:queue"), {"status": "all", "completed_from": "2025-12-01",
                                                 "completed_to": "2026-01-31", "completed_late": "1"})
    done = client.get(reverse("callbacks:queue"), {"status": "done", "done_from": "2026-01-01",
                                                   "done_to": "2026-01-31"})

    assert listed(late.content.decode(), "W") == {"W2"}
    assert done.status_code == 200
    assert done.context["page"].paginator.count == 2  # cb3 and cb4


def test_the_dashboards_queries_do_not_grow_with_the_months(client, world, march):
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=24)
    client.force_login(world["boss"])
    client.get(reverse("dashboard"))

    with CaptureQueriesContext(connection) as month:
        client.get(reverse("dashboard"), {"period": "month"})
    with CaptureQueriesContext(connection) as year:
        client.get(reverse("dashboard"), {"period": "last_year"})

    assert len(year) == len(month)


def test_the_page_reads_the_running_month_as_the_job_stored_it(client, world, time_machine):
    # given: the job ran at noon on 20 January; a complaint resolved after it
    services.month_facts_refresh(as_of=sh(2026, 1, 20, 12), now=sh(2026, 1, 20, 12), months=3)
    time_machine.move_to(sh(2026, 1, 20, 12, 10), tick=False)
    world["c3"].__class__.objects.filter(pk=world["c3"].pk).update(
        status="resolved", department="security", assigned_at=sh(2026, 1, 20, 12, 5),
        resolved_at=sh(2026, 1, 20, 12, 5))
    client.force_login(world["boss"])

    # when
    html = client.get(reverse("dashboard"), {"estate": world["a"].pk}).content.decode()

    # then: January as of noon (c2 resolved late: 0 of 1), c3 still open under a day,
    # and the page says when it was computed
    assert figure_value(html, "complaints_on_time").startswith("0.0%")
    assert "2026-01-20 12:00" in html
    assert re.search(r"不足1天 <span class=\"badge text-bg-light\">1</span>", html)
    assert re.search(r"逾期回访</a><span class=\"text-danger fw-semibold\">1</span>", html)
