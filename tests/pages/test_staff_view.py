"""The supervisors' staff view: each figure equals the count made by hand on a small fixed
data set (frozen on 10 January 2027, Shanghai), for this month, last month, an empty
period and a period across the year's end; each figure's link opens the list of exactly
the records it counts; the page reads as many statements for many people as for few."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from callbacks.models import Callback, CallbackResult
from complaints.models import Complaint
from pages.jobs import month_facts
from pages.models import MonthFacts, StaffMonthFacts
from repairs.models import Acceptance, Worker, WorkOrder, WorkOrderEvent
from tests.factories import EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 1, 10, 10, 0, tzinfo=SH)


def at(month_day: str, time: str = "10:00") -> dt.datetime:
    """A Shanghai moment: at("2026-12-20"), at("2027-01-01", "00:30")."""
    return dt.datetime.fromisoformat(f"{month_day}T{time}").replace(tzinfo=SH)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


_seq = iter(range(1, 10_000))


def complaint(unit, *, assignee, resolved_at=None, late_by=None, status="resolved"):
    n = next(_seq)
    received = (resolved_at or NOW) - dt.timedelta(hours=30)
    return Complaint.objects.create(
        number=f"T-{n:04d}", estate=unit.estate, unit=unit, contact_name="住户", channel="phone",
        category="noise", description=f"投诉{n}", status=status, department="engineering",
        assignee=assignee, received_at=received, promised_at=received + dt.timedelta(hours=72),
        assigned_at=received, resolved_at=resolved_at, late_by=late_by)


def callback(source, *, due_on, done_at=None, by=None):
    n = next(_seq)
    cb = Callback.objects.create(
        estate=source.estate, kind="complaint", source_key=f"complaint:{source.pk}:{n}", complaint=source,
        unit=source.unit, contact_name="住户", event_at=done_at or NOW, due_on=due_on,
        status="done" if done_at else "due", created_at=(done_at or NOW) - dt.timedelta(days=1), done_at=done_at)
    if done_at:
        CallbackResult.objects.create(callback=cb, method="phone", satisfaction="satisfied", owner_words="满意",
                                      at=done_at, recorded_by=by)
    return cb


def order(unit, *, worker, dispatcher, dispatched_at, late=False, taken_at=None, completed_at=None,
          status="taken"):
    n = next(_seq)
    registered = dispatched_at - dt.timedelta(minutes=20 if late else 5)
    wo = WorkOrder.objects.create(
        number=f"PG-{n:04d}", estate=unit.estate, unit=unit, requester_name="住户", kind="minor_repair",
        source="phone", trade="plumbing", description=f"维修{n}", status=status, registered_at=registered,
        dispatch_due_at=registered + dt.timedelta(minutes=15), dispatch_mode="desk", judged_at=registered,
        dispatched_at=dispatched_at, dispatch_late_by=dt.timedelta(minutes=5) if late else None,
        worker=worker, taken_at=taken_at, completed_at=completed_at)
    WorkOrderEvent.objects.create(work_order=wo, at=dispatched_at, actor=dispatcher, from_status="accepted",
                                  to_status="dispatched")
    return wo


def rate(wo, rating, when, satisfied=True):
    Acceptance.objects.create(work_order=wo, at=when, satisfied=satisfied, rating=rating,
                              signed_on="paper" if satisfied else "none")


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> dict:
    """Anna at the desk (complaints, callbacks, dispatch), Wang the plumber (work orders),
    an owner who answered a callback online, in two estates."""
    anna = UserFactory(username="anna", first_name="Anna", last_name="Li", role="front_desk")
    wang_user = UserFactory(username="wang", first_name="强", last_name="王", role="engineering")
    boss = UserFactory(username="boss", role="supervisor")
    one, two = EstateFactory(name="翠湖花园"), EstateFactory(name="锦绣华庭")
    unit, far_unit = UnitFactory(building__estate=one), UnitFactory(building__estate=two)
    wang = Worker.objects.create(user=wang_user, estate=one, trades=["plumbing"])
    owner = make_owner(name="陈丽华")
    give_unit(owner, unit)
    owner_login = UserFactory(username="owner")
    owner.user = owner_login
    owner.save(update_fields=["user"])

    c1 = complaint(unit, assignee=anna, resolved_at=at("2026-12-20"))
    # 00:30 on New Year's Day in Shanghai is still 31 December in UTC: January's.
    c2 = complaint(unit, assignee=anna, resolved_at=at("2027-01-01", "00:30"), late_by=dt.timedelta(hours=1))
    c3 = complaint(far_unit, assignee=anna, resolved_at=at("2027-01-05"))
    complaint(unit, assignee=anna, status="in_progress")  # not handled yet
    complaint(unit, assignee=None, resolved_at=at("2027-01-06"))  # a department's, nobody's

    # Done at 07:00 on 4 January in Shanghai (still the 3rd in UTC), due on the 3rd: late.
    callback(c1, due_on=dt.date(2027, 1, 3), done_at=at("2027-01-04", "07:00"), by=anna)
    cb2 = callback(c2, due_on=dt.date(2027, 1, 8), done_at=at("2027-01-07"), by=anna)
    callback(c3, due_on=dt.date(2026, 12, 28), done_at=at("2026-12-27"), by=anna)
    callback(c3, due_on=dt.date(2027, 1, 9), done_at=at("2027-01-06"), by=owner_login)  # online: nobody's work
    callback(c1, due_on=dt.date(2027, 1, 20))  # still due
    first = cb2.results.get()
    CallbackResult.objects.create(callback=cb2, corrects=first, correction_reason="错字", method="phone",
                                  satisfaction="satisfied", owner_words="满意", at=at("2027-01-09"),
                                  recorded_by=wang_user)  # a correction does not do it again

    o1 = order(unit, worker=wang, dispatcher=anna, dispatched_at=at("2026-12-30", "09:00"), late=True,
               taken_at=at("2026-12-30"), completed_at=at("2027-01-02"), status="signed_off")
    rate(o1, 5, at("2027-01-02", "12:00"))
    o2 = order(unit, worker=wang, dispatcher=anna, dispatched_at=at("2027-01-03", "09:00"),
               taken_at=at("2027-01-03"), completed_at=at("2027-01-06"), status="signed_off")
    rate(o2, 2, at("2027-01-04", "12:00"), satisfied=False)
    WorkOrderEvent.objects.create(work_order=o2, at=at("2027-01-04", "12:00"), from_status="completed",
                                  to_status="rework")
    rate(o2, 4, at("2027-01-06", "12:00"))
    o3 = order(unit, worker=wang, dispatcher=anna, dispatched_at=at("2027-01-07", "09:00"), late=True,
               taken_at=at("2027-01-07"))
    return {"anna": anna, "wang": wang_user, "boss": boss, "one": one, "two": two, "owner_login": owner_login,
            "complaints": [c1, c2, c3], "orders": [o1, o2, o3]}


def _figures(client, world, **query):
    client.force_login(world["boss"])
    response = client.get(reverse("staff"), query)
    assert response.status_code == 200
    rows = {row["user"].username: row["figures"] for row in response.context["rows"]}
    return response, rows


def _as_numbers(figures):
    return (figures.handled, figures.complaints_on_time, figures.callbacks_done, figures.callbacks_on_time,
            figures.taken, figures.completed, figures.reworked, figures.rating, figures.rated,
            figures.late_dispatch)


def test_this_month_counts_what_each_person_did_in_january(client, world):
    response, rows = _figures(client, world)

    assert set(rows) == {"anna", "wang"}  # the owner's online answer is nobody's work
    # handled (c2 late, c3), on time; callbacks done (late by Shanghai's day, on time); dispatched late (o3)
    assert _as_numbers(rows["anna"]) == (2, 1, 2, 1, 0, 0, 0, None, 0, 1)
    # taken o2, o3; completed o1, o2; o2 reworked; ratings 5, 2, 4
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 2, 2, 1, 3.7, 3, 0)
    assert _as_numbers(response.context["totals"]) == (2, 1, 2, 1, 2, 2, 1, 3.7, 3, 1)
    page = response.content.decode()
    assert "2027-01-01 to 2027-01-31" in page and "Anna Li" in page and "王强" in page


def test_last_month_and_one_estate(client, world):
    _response, rows = _figures(client, world, period="last_month")
    assert _as_numbers(rows["anna"]) == (1, 1, 1, 1, 0, 0, 0, None, 0, 1)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 1, 0, 0, None, 0, 0)

    _response, rows = _figures(client, world, estate=world["two"].pk)
    assert set(rows) == {"anna"}
    assert _as_numbers(rows["anna"]) == (1, 1, 0, 0, 0, 0, 0, None, 0, 0)


def test_a_period_across_the_year_end(client, world):
    response, rows = _figures(client, world, period="custom", **{"from": "2026-12-15", "to": "2027-01-15"})
    assert _as_numbers(rows["anna"]) == (3, 2, 3, 2, 0, 0, 0, None, 0, 2)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 3, 2, 1, 3.7, 3, 0)
    assert "2026-12-15 to 2027-01-15" in response.content.decode()


def test_kept_months_and_live_days_add_up_to_the_live_figures(client, world):
    # December is closed: read live before the month facts job has run, from the kept
    # StaffMonthFacts after; January runs (read live). The figures are the same.
    query = {"period": "custom", "from": "2026-12-01", "to": "2027-01-31"}
    client.force_login(world["boss"])
    url = reverse("staff") + "?period=custom&from=2026-12-01&to=2027-01-31"
    _response, rows = _figures(client, world, **query)
    assert _as_numbers(rows["anna"]) == (3, 2, 3, 2, 0, 0, 0, None, 0, 2)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 3, 2, 1, 3.7, 3, 0)
    _response, live_two = _figures(client, world, period="last_month", estate=world["two"].pk)
    live = _statements(client, url)

    assert "2026-12" in month_facts(as_of=NOW)
    assert StaffMonthFacts.objects.filter(month=dt.date(2026, 12, 1)).exists()
    assert _statements(client, url) < live  # December's rows instead of its records
    _response, rows = _figures(client, world, **query)
    assert _as_numbers(rows["anna"]) == (3, 2, 3, 2, 0, 0, 0, None, 0, 2)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 3, 2, 1, 3.7, 3, 0)
    # one estate's kept month reads as it did live; a whole past year as a hand count
    _response, rows = _figures(client, world, period="last_month", estate=world["two"].pk)
    assert {name: _as_numbers(f) for name, f in rows.items()} == {name: _as_numbers(f) for name, f in live_two.items()}
    assert _as_numbers(rows["anna"]) == (0, 0, 1, 1, 0, 0, 0, None, 0, 0)
    _response, rows = _figures(client, world, period="last_year")
    assert _as_numbers(rows["anna"]) == (1, 1, 1, 1, 0, 0, 0, None, 0, 1)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 1, 0, 0, None, 0, 0)


def test_the_job_keeps_each_persons_month_per_estate_and_a_second_run_changes_nothing(world):
    month_facts(as_of=NOW)
    rows = {(r.estate_id, r.person.username): r for r in StaffMonthFacts.objects.filter(month=dt.date(2026, 12, 1))
            .select_related("person")}
    first = sorted((k, r.handled, r.callbacks_done, r.late_dispatch) for k, r in rows.items())
    month_facts(as_of=NOW)
    again = sorted(((r.estate_id, r.person.username), r.handled, r.callbacks_done, r.late_dispatch)
                   for r in StaffMonthFacts.objects.filter(month=dt.date(2026, 12, 1)).select_related("person"))
    assert first == again and first
    # December in estate two: anna did one callback there, on time
    assert (rows[world["two"].pk, "anna"].callbacks_done, rows[world["two"].pk, "anna"].callbacks_on_time) == (1, 1)


def test_an_empty_period_shows_nobody_and_zero_totals(client, world):
    response, rows = _figures(client, world, period="custom", **{"from": "2026-06-01", "to": "2026-06-30"})
    assert rows == {}
    assert _as_numbers(response.context["totals"]) == (0, 0, 0, 0, 0, 0, 0, None, 0, 0)
    assert "Nobody handled a complaint" in response.content.decode()


def test_columns_sort_both_ways(client, world):
    _response, rows = _figures(client, world, sort="taken", dir="desc")
    assert list(rows) == ["wang", "anna"]
    _response, rows = _figures(client, world, sort="handled", dir="desc")
    assert list(rows) == ["anna", "wang"]
    _response, rows = _figures(client, world, sort="rating", dir="asc")
    assert list(rows) == ["wang", "anna"]  # nobody's rating sorts last either way


def test_each_figure_opens_the_list_of_exactly_what_it_counts(client, world):
    response, rows = _figures(client, world, period="custom", **{"from": "2026-12-15", "to": "2027-01-15"})
    c1, c2, c3 = (c.number for c in world["complaints"])
    o1, o2, o3 = (o.number for o in world["orders"])
    anna, wang = rows["anna"].links, rows["wang"].links

    def numbers(url, prefix):
        page = client.get(url).content.decode()
        assert "Anna Li" in page or "王强" in page  # the list says whose figure it shows
        return {n for n in (c1, c2, c3, o1, o2, o3) if n.startswith(prefix) and n in page}

    assert numbers(anna["handled"], "T-") == {c1, c2, c3}
    assert numbers(anna["complaints_on_time"], "T-") == {c1, c3}
    assert numbers(wang["taken"], "PG-") == {o1, o2, o3}
    assert numbers(wang["completed"], "PG-") == {o1, o2}
    assert numbers(wang["reworked"], "PG-") == {o2}
    assert numbers(wang["rating"], "PG-") == {o1, o2}
    assert numbers(anna["late_dispatch"], "PG-") == {o1, o3}
    # the callbacks list, by the complaints they follow: three done by Anna, two by their due day
    assert numbers(anna["callbacks_done"], "T-") == {c1, c2, c3}
    assert numbers(anna["callbacks_on_time"], "T-") == {c2, c3}
    assert "Callbacks done: Anna Li, 2026-12-15 to 2027-01-15." in client.get(anna["callbacks_done"]).content.decode()
    # the lists keep their own behaviour without the figure
    assert c1 not in client.get(reverse("complaints:queue") + "?status=open").content.decode()


def test_a_persons_page_shows_the_last_twelve_months(client, world):
    client.force_login(world["boss"])
    response = client.get(reverse("staff_person", args=[world["anna"].pk]))
    assert response.status_code == 200
    months = {row["month"]: row["figures"] for row in response.context["rows"]}
    assert list(months)[0] == dt.date(2026, 2, 1) and list(months)[-1] == dt.date(2027, 1, 1)
    assert _as_numbers(months[dt.date(2026, 12, 1)]) == (1, 1, 1, 1, 0, 0, 0, None, 0, 1)
    assert _as_numbers(months[dt.date(2027, 1, 1)]) == (2, 1, 2, 1, 0, 0, 0, None, 0, 1)
    assert _as_numbers(months[dt.date(2026, 6, 1)]) == (0,) * 7 + (None, 0, 0)
    assert _as_numbers(response.context["totals"]) == (3, 2, 3, 2, 0, 0, 0, None, 0, 2)


def test_an_owners_portal_login_has_no_page_of_figures(client, world):
    client.force_login(world["boss"])
    assert client.get(reverse("staff_person", args=[world["owner_login"].pk])).status_code == 404


def test_only_supervisors_see_it(client, world):
    client.force_login(world["anna"])
    assert client.get(reverse("staff")).status_code == 403
    assert client.get(reverse("staff_person", args=[world["wang"].pk])).status_code == 403


def _statements(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_reads_as_many_statements_for_many_people_as_for_two(client, world):
    client.force_login(world["boss"])
    url = reverse("staff") + "?period=custom&from=2026-12-15&to=2027-01-15"
    _statements(client, url)
    few = _statements(client, url)
    unit = world["complaints"][0].unit
    for n in range(6):
        person = UserFactory(username=f"clerk{n}", role="front_desk")
        worker = Worker.objects.create(user=UserFactory(username=f"fitter{n}", role="engineering"),
                                       estate=unit.estate, trades=["plumbing"])
        complaint(unit, assignee=person, resolved_at=at("2027-01-02"))
        wo = order(unit, worker=worker, dispatcher=person, dispatched_at=at("2027-01-02"), late=True,
                   taken_at=at("2027-01-02"), completed_at=at("2027-01-03"), status="completed")
        rate(wo, 3, at("2027-01-03"))
    assert _statements(client, url) == few
    month_facts(as_of=NOW)
    person_url = reverse("staff_person", args=[world["anna"].pk])
    person_few = _statements(client, person_url)
    UserFactory(username="clerk-late", role="front_desk")
    complaint(unit, assignee=person, resolved_at=at("2026-11-02"))
    month_facts(as_of=NOW)
    assert _statements(client, person_url) == person_few


def test_a_month_settled_before_the_staff_facts_were_kept_is_read_live_then_backfilled(client, world):
    month_facts(as_of=NOW)
    # as after an upgrade: December's facts are there, its staff counts are not
    StaffMonthFacts.objects.all().delete()
    MonthFacts.objects.filter(month__lt=dt.date(2027, 1, 1)).update(settled=True)
    for facts in MonthFacts.objects.filter(month__lt=dt.date(2027, 1, 1)):
        facts.figures.pop("staff_kept", None)
        facts.save(update_fields=["figures"])
    _response, rows = _figures(client, world, period="last_month")
    assert _as_numbers(rows["anna"]) == (1, 1, 1, 1, 0, 0, 0, None, 0, 1)  # read live, not zeros
    month_facts(as_of=NOW)  # one month backfilled a run, the newest first
    assert StaffMonthFacts.objects.filter(month=dt.date(2026, 12, 1)).exists()
    _response, rows = _figures(client, world, period="last_month")
    assert _as_numbers(rows["anna"]) == (1, 1, 1, 1, 0, 0, 0, None, 0, 1)
    assert _as_numbers(rows["wang"]) == (0, 0, 0, 0, 1, 0, 0, None, 0, 0)
