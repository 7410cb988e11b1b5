import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from complaints import selectors, services
from complaints.models import ComplaintEvent
from propertydesk.models import Delivery, Notification
from tests.factories import BuildingFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    return {
        "desk": UserFactory(username="desk", role="front_desk"),
        "boss": UserFactory(username="boss", role="supervisor"),
        "eng": UserFactory(username="eng", role="engineering"),
    }


def complaint(staff, *, urgency="emergency", number="3-1-1203", owner=None, category="repair", now=T0):
    unit = UnitFactory(number=number)
    if owner is not None:
        give_unit(owner, unit)
    return services.complaint_register(unit=unit, owner=owner, contact_name="住户" if owner is None else "",
                                       channel="phone", category=category, urgency=urgency,
                                       description="漏水", actor=staff["desk"], now=now)


def test_overdue_sweep_run_twice_tells_the_supervisor_once(staff):
    # given: an emergency promised by 11:00, and a paused one also past its promise
    late = complaint(staff)
    paused = complaint(staff, number="3-1-1204")
    services.complaint_assign(complaint=paused, department="engineering", actor=staff["desk"], now=T0)
    services.complaint_pause(complaint=paused, reason="owner_away", actor=staff["desk"], now=T0)

    # when: at 10:45 nothing is late; at 11:15 and again at 11:30
    call_command("runjob", "complaints.overdue_sweep", "--as-of", "2026-11-02T10:45")
    assert Notification.objects.filter(kind="complaint.overdue").count() == 0
    call_command("runjob", "complaints.overdue_sweep", "--as-of", "2026-11-02T11:15")
    call_command("runjob", "complaints.overdue_sweep", "--as-of", "2026-11-02T11:30")

    # then: one message to the supervisor, one internal timeline entry, none for the paused one
    notes = Notification.objects.filter(kind="complaint.overdue")
    assert [(n.recipient.username, late.number in n.subject) for n in notes] == [("boss", True)]
    assert ComplaintEvent.objects.filter(kind="overdue", complaint=late, public=False).count() == 1
    assert not ComplaintEvent.objects.filter(kind="overdue", complaint=paused).exists()


def test_a_reopened_complaint_that_breaches_again_is_reported_again(staff):
    c = complaint(staff)
    services.complaint_flag_overdue(complaint_id=c.pk, as_of=T0 + dt.timedelta(hours=3))
    services.complaint_assign(complaint=c, department="engineering", actor=staff["desk"], now=T0 + dt.timedelta(hours=3))
    services.complaint_start(complaint=c, actor=staff["eng"], now=T0 + dt.timedelta(hours=3))
    services.complaint_resolve(complaint=c, resolution="修好", actor=staff["eng"], now=T0 + dt.timedelta(hours=4))
    services.complaint_reopen(complaint=c, reason="还漏", actor=staff["desk"], now=T0 + dt.timedelta(hours=5))
    assert services.complaint_flag_overdue(complaint_id=c.pk, as_of=T0 + dt.timedelta(hours=8)) is True
    assert Notification.objects.filter(kind="complaint.overdue").count() == 2


@override_settings(LANGUAGE_CODE="en")
def test_daily_followup_digest_once_per_person_per_day(staff):
    # given: an overdue engineering complaint and an open cleaning one
    eng = complaint(staff)
    services.complaint_assign(complaint=eng, department="engineering", actor=staff["desk"], now=T0)
    clean = complaint(staff, number="5-1-501", urgency="normal", category="sanitation")
    services.complaint_assign(complaint=clean, department="cleaning", actor=staff["desk"], now=T0)

    # when
    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-02T15:30")
    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-02T15:45")

    # then: the desk sees both, engineering only its own; nothing twice
    desk = Notification.objects.get(kind="complaint.digest", recipient=staff["desk"])
    engineering = Notification.objects.get(kind="complaint.digest", recipient=staff["eng"])
    assert eng.number in desk.body and clean.number in desk.body
    assert eng.number in engineering.body and clean.number not in engineering.body
    assert desk.body.splitlines()[0].startswith("!")  # the overdue one comes first, marked
    assert desk.subject == "Open complaints on 2026-11-02: 2, 1 past their promise"
    assert desk.body.splitlines() == [
        f"! {eng.number} 3-1-1203 Repair in the home — Assigned, promised by 2026-11-02 11:00, Engineering",
        f"· {clean.number} 5-1-501 Cleaning and rubbish — Assigned, promised by 2026-11-05 09:00, Cleaning",
    ]

    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-03T15:30")
    assert Notification.objects.filter(kind="complaint.digest", recipient=staff["desk"]).count() == 2


def test_the_digest_is_stored_as_data_and_each_reader_gets_it_in_their_language(staff):
    # given: an overdue engineering complaint
    late = complaint(staff)
    services.complaint_assign(complaint=late, department="engineering", actor=staff["desk"], now=T0)

    # when
    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-02T15:30")

    # then: no sentence is stored, only the complaints as data
    digest = Notification.objects.get(kind="complaint.digest", recipient=staff["desk"])
    item = dict(digest.params["items"][0])
    assert dt.datetime.fromisoformat(item.pop("promised_at")["$at"]) == late.promised_at
    assert item == {
        "number": late.number, "unit": "3-1-1203", "category": {"$label": "complaints.models.Category", "v": "repair"},
        "status": {"$label": "complaints.models.Status", "v": "assigned"},
        "department": {"$label": "owners.models.Department", "v": "engineering"},
        "overdue": True, "paused": False,
    }
    assert digest.render("zh-hans") == (
        "2026-11-02 未完结投诉 1 件，其中 1 件已超承诺时限",
        f"! {late.number} 3-1-1203 户内维修 — 已分派，承诺 2026-11-02 11:00 前处理，工程部",
    )
    assert digest.render("en") == (
        "Open complaints on 2026-11-02: 1, 1 past their promise",
        f"! {late.number} 3-1-1203 Repair in the home — Assigned, promised by 2026-11-02 11:00, Engineering",
    )


def test_a_digest_of_nothing_says_so(staff):
    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-02T15:30")
    digest = Notification.objects.get(kind="complaint.digest", recipient=staff["desk"])
    assert digest.render("en") == ("Open complaints on 2026-11-02: 0, 0 past their promise", "No open complaints.")
    assert digest.render("zh-hans")[1] == "没有未完结的投诉。"


def test_repeat_complainer_from_the_third_complaint_in_ninety_days(staff):
    owner = make_owner(name="钱多")
    unit = UnitFactory(number="8-1-801")
    give_unit(owner, unit)
    for days_ago in (100, 60, 30):
        services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                   description="噪音", now=T0 - dt.timedelta(days=days_ago))
    assert not selectors.is_repeat_complainer(owner=owner, estate=unit.estate, as_of=T0)
    services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise", description="噪音", now=T0)
    assert selectors.is_repeat_complainer(owner=owner, estate=unit.estate, as_of=T0)


def test_same_category_in_same_building_three_times_in_thirty_days_is_a_cluster(staff):
    building = BuildingFactory(number="3")
    other = BuildingFactory(number="4", estate=building.estate)

    def lift(b, n, days_ago):
        unit = UnitFactory(building=b, number=f"{b.number}-1-{n}")
        services.complaint_register(unit=unit, contact_name="住户", channel="phone", category="facilities",
                                   description="电梯停运", now=T0 - dt.timedelta(days=days_ago))

    lift(building, 101, 40)
    lift(building, 102, 20)
    lift(building, 103, 10)
    lift(other, 101, 5)
    assert selectors.complaint_clusters(as_of=T0) == []
    lift(building, 104, 1)
    clusters = selectors.complaint_clusters(as_of=T0)
    assert [(c.building_id, c.category, c.count) for c in clusters] == [(building.pk, "facilities", 3)]


def test_a_rolled_back_complaint_sends_no_sms(staff, sms_gateway, django_capture_on_commit_callbacks):
    owner = make_owner(name="孙丽", phone="13700002222", preferred_channel="sms")
    unit = UnitFactory(number="9-1-901")
    give_unit(owner, unit)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                       description="噪音", now=T0)
            raise RuntimeError("the desk's browser crashed")
    assert sms_gateway.calls() == 0
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0


def test_kpis_on_time_and_adoption_rates(staff):
    a, b = complaint(staff, number="1-1-101"), complaint(staff, number="1-1-102")
    for c, hours in ((a, 1), (b, 5)):  # promised within 2 h
        services.complaint_assign(complaint=c, department="engineering", actor=staff["desk"], now=T0)
        services.complaint_start(complaint=c, actor=staff["eng"], now=T0)
        services.complaint_resolve(complaint=c, resolution="ok", actor=staff["eng"], now=T0 + dt.timedelta(hours=hours))
    assert selectors.kpi_on_time_rate(start=T0, end=T0 + dt.timedelta(days=1)) == (1, 2)


def test_inbox_only_keeps_sms_from_leaving(staff, sms_gateway, django_capture_on_commit_callbacks):
    from propertydesk import notifications

    owner = make_owner(name="周敏", phone="13700003333", preferred_channel="sms")
    unit = UnitFactory(number="9-1-902")
    give_unit(owner, unit)
    with django_capture_on_commit_callbacks(execute=True), notifications.inbox_only():
        services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                   description="噪音", now=T0)
    assert sms_gateway.calls() == 0
    assert Notification.objects.filter(owner=owner).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                   description="又有噪音", now=T0)
    assert [m["to"] for m in sms_gateway.messages().values()] == ["13700003333"]


def test_suggestion_adoption_rate_counts_decided_ones_only(staff):
    unit = UnitFactory()
    decided = []
    for n, adopt in enumerate([True, False, True, None]):
        s = services.suggestion_submit(estate=unit.estate, unit=unit, channel="walk_in", subject=f"建议{n}",
                                       content="内容", now=T0)
        if adopt is not None:
            services.suggestion_start_review(suggestion=s, actor=staff["desk"], now=T0)
            services.suggestion_decide(suggestion=s, adopt=adopt, reply="谢谢您的建议", actor=staff["boss"], now=T0)
            decided.append(s)
    assert selectors.kpi_suggestion_adoption_rate(start=T0, end=T0 + dt.timedelta(days=1)) == (2, 3)


def test_open_complaints_by_age(staff):
    for days in (0.5, 2, 2.5, 10, 45):
        complaint(staff, number=f"2-1-{int(days * 10)}", urgency="normal", now=T0 - dt.timedelta(days=days))
    buckets = dict(selectors.open_by_age(as_of=T0))
    assert list(buckets.values()) == [1, 2, 0, 1, 1]


def test_an_owner_who_prefers_email_gets_one_after_commit(staff, mailoutbox, django_capture_on_commit_callbacks):
    owner = make_owner(name="Anna", phone="13700004444", preferred_channel="email", email="anna@example.com")
    unit = UnitFactory(number="9-1-903")
    give_unit(owner, unit)
    with django_capture_on_commit_callbacks(execute=True):
        c = services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                       description="噪音", now=T0)
    assert [m.to for m in mailoutbox] == [["anna@example.com"]]
    assert c.number in mailoutbox[0].subject
    note = Notification.objects.get(owner=owner)
    assert sorted(note.deliveries.values_list("channel", "status")) == [("email", "sent"), ("inbox", "sent")]


@override_settings(COMPLAINT_DIGEST_ITEMS=2)
def test_a_long_digest_lists_the_nearest_promises_and_counts_the_rest(staff):
    # given: four open complaints, one of them past its promise, and room for two in the list
    late = complaint(staff)
    for n, urgency in enumerate(("normal", "urgent", "normal")):
        complaint(staff, number=f"6-1-{n}", urgency=urgency, category="sanitation")

    # when
    call_command("runjob", "complaints.daily_followup", "--as-of", "2026-11-02T15:30")

    # then: the counts are of all four, the list the two nearest promises, then what is left
    digest = Notification.objects.get(kind="complaint.digest", recipient=staff["desk"])
    lines = digest.body.splitlines()
    assert digest.subject == "Open complaints on 2026-11-02: 4, 1 past their promise"
    assert len(lines) == 3 and lines[0].startswith(f"! {late.number}") and "6-1-1" in lines[1]
    assert lines[2] == "… and 2 more: see the open complaints queue."
    assert digest.render("zh-hans")[1].splitlines()[2] == "……另有 2 件，请到未完结投诉队列查看。"
