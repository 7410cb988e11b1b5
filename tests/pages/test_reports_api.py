"""The reports in the REST API: the desk's daily and weekly reports (/api/v1/desk-reports/,
for the desk and the supervisors) and the stored fee month reports (/api/v1/month-reports/,
for the supervisors and finance): the lists by kind, estate and days, paged by cursor; one
report's sections (figures) as JSON; the link to its .xlsx, which downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from fees import services as fee_services
from pages.services import desk_report_store
from tests.factories import UserFactory
from tests.pages.test_daily_weekly_reports import AT_1630, build, sh


@pytest.fixture
def reports(db):
    world = build()
    for day in (2, 3, 4):
        desk_report_store(period="day", last_day=dt.date(2026, 12, day), as_of=sh(2026, 12, day, 16, 30),
                          now=sh(2026, 12, day, 16, 30))
    desk_report_store(period="week", last_day=dt.date(2026, 12, 4), as_of=AT_1630, now=AT_1630)
    fee_services.month_report_generate(month=dt.date(2026, 11, 1), as_of=sh(2026, 12, 2, 6))
    world["boss"] = UserFactory(username="rep-boss", role="supervisor")
    world["fin"] = UserFactory(username="rep-fin", role="finance")
    return world


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_desk_lists_its_reports_by_kind_and_days_newest_first(reports):
    api = login(reports["desk"])

    days = api.get("/api/v1/desk-reports/", {"kind": "day"}).json()["results"]
    weeks = api.get("/api/v1/desk-reports/", {"kind": "week"}).json()["results"]
    later = api.get("/api/v1/desk-reports/", {"kind": "day", "day_from": "2026-12-03"}).json()["results"]

    assert [r["last_day"] for r in days] == ["2026-12-04", "2026-12-03", "2026-12-02"]
    assert [(r["kind"], r["first_day"], r["last_day"]) for r in weeks] == [("week", "2026-11-28", "2026-12-04")]
    assert [r["last_day"] for r in later] == ["2026-12-04", "2026-12-03"]
    assert "sections" not in days[0]  # the list reads no report's figures
    assert days[0]["xlsx_url"].endswith("/desk/reports/day/2026-12-04.xlsx")


def test_the_list_pages_by_cursor_and_filters_by_estate(reports):
    api = login(reports["desk"])

    first = api.get("/api/v1/desk-reports/", {"kind": "day", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    nowhere = api.get("/api/v1/desk-reports/", {"estate": 999999}).json()["results"]
    counted = api.get("/api/v1/desk-reports/", {"estate": reports["a"].pk, "kind": "day"}).json()["results"]

    assert [r["last_day"] for r in first["results"]] == ["2026-12-04", "2026-12-03"]
    assert [r["last_day"] for r in second["results"]] == ["2026-12-02"] and second["next"] is None
    assert nowhere == [] and len(counted) == 3
    assert api.get("/api/v1/desk-reports/", {"cursor": "made-up"}).status_code == 404
    assert api.get("/api/v1/desk-reports/", {"kind": "month"}).status_code == 400


def test_a_desk_report_gives_its_sections_for_all_estates_and_the_one_asked_for(reports):
    api = login(reports["desk"])
    listed = api.get("/api/v1/desk-reports/", {"kind": "day"}).json()["results"][0]

    detail = api.get(f"/api/v1/desk-reports/{listed['id']}/", {"estate": reports["a"].pk}).json()

    assert [(c["estate"], c["name"]) for c in detail["columns"]][1:] == [(reports["a"].pk, "甲花园")]
    assert detail["columns"][0]["estate"] is None  # all estates together
    sections = {s["key"]: {line["key"]: line for line in s["lines"]} for s in detail["sections"]}
    assert sections["takings"]["total"]["values"] == ["180.50", "150.50"]
    assert sections["takings"]["total"]["money"] is True
    assert sections["complaints"]["received"]["values"] == [2, 1]
    download = api.get(detail["xlsx_url"])
    assert download.status_code == 200 and download["Content-Disposition"].endswith('2026-12-04.xlsx"')


def test_month_reports_by_estate_with_their_figures_for_supervisors_and_finance(reports):
    fin = login(reports["fin"])

    every = fin.get("/api/v1/month-reports/").json()["results"]
    mine = fin.get("/api/v1/month-reports/", {"estate": reports["a"].pk}).json()["results"]
    overall = fin.get("/api/v1/month-reports/", {"all_estates": "true"}).json()["results"]
    before = fin.get("/api/v1/month-reports/", {"month_to": "2026-10-01"}).json()["results"]

    assert {(r["estate_name"], r["month"]) for r in every} == {(None, "2026-11"), ("甲花园", "2026-11"),
                                                               ("乙花园", "2026-11")}
    assert [r["estate_name"] for r in mine] == ["甲花园"] and [r["estate"] for r in overall] == [None]
    assert before == []
    detail = fin.get(f"/api/v1/month-reports/{mine[0]['id']}/").json()
    assert isinstance(detail["figures"], dict) and detail["figures"]
    assert "figures" not in mine[0]
    download = fin.get(detail["xlsx_url"])
    assert download.status_code == 200 and "fee-report-2026-11.xlsx" in download["Content-Disposition"]
    assert login(reports["boss"]).get("/api/v1/month-reports/").status_code == 200


def test_each_reads_only_the_reports_its_pages_show(reports):
    assert login(reports["fin"]).get("/api/v1/desk-reports/").status_code == 403
    assert login(reports["desk"]).get("/api/v1/month-reports/").status_code == 403
    assert login(reports["boss"]).get("/api/v1/desk-reports/").status_code == 200
    assert Client().get("/api/v1/desk-reports/").status_code in (401, 403)
