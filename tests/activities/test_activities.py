"""Community activities: planned, households recorded, held (one callback per household that
came, due a month later at the rule's 70 %) or cancelled (no callback; the households that
signed up are told), and the dashboard's participation figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from activities import services
from activities.models import Activity, ActivityStatus
from callbacks import jobs as callback_jobs
from callbacks import selectors as callback_selectors
from callbacks import services as callback_services
from callbacks.models import Callback, Kind
from callbacks.rules import rule_for
from pages import figures
from pages import services as pages_services
from pages.models import MonthFacts
from propertydesk.models import Notification
from tests.activities.conftest import plan, sh


def _came(town, activity, unit, at, **extra):
    return services.participation_record(activity=activity, unit=town["u"][unit], now=at, actor=town["desk"],
                                         **extra)


def test_marking_held_makes_one_callback_per_household_that_came_due_a_month_later_at_70(town):
    # given: the Mid-Autumn party of 31 January (a month later is 28 February), three
    # households signed up; 1-1-101 came with her family, 王强's mother came for 1-1-102,
    # 1-1-103 did not come
    activity = plan(town, starts=sh(2027, 1, 31, 18, 30))
    _came(town, activity, 1, sh(2027, 1, 31, 18, 40), owner=town["li"], people=3)
    _came(town, activity, 2, sh(2027, 1, 31, 18, 45), resident=town["mother"])
    _came(town, activity, 3, sh(2027, 1, 20, 10, 0), owner=town["chen"], attended=False)

    # when
    held = services.activity_hold(activity=activity, now=sh(2027, 1, 31, 21, 10), actor=town["desk"])

    # then: two callbacks, one per household that came, due on 28 February, kind activity
    callbacks = list(Callback.objects.filter(activity=activity).order_by("unit__number"))
    assert [(c.unit.number, c.owner.name, c.contact_name) for c in callbacks] == [
        ("1-1-101", "李娜", "李娜"), ("1-1-102", "王强", "张兰")]
    assert {(c.kind, c.due_on, c.status) for c in callbacks} == {(Kind.ACTIVITY, dt.date(2027, 2, 28), "due")}
    assert rule_for(estate=town["estate"], kind=Kind.ACTIVITY, at=held.finished_at).required_rate == Decimal("70")
    assert held.status == ActivityStatus.HELD
    assert [(e.from_status, e.to_status) for e in held.events.order_by("at", "pk")] == [
        ("", "planned"), ("planned", "held")]


def test_marking_held_twice_is_refused_and_makes_nothing_more(town):
    # given
    activity = plan(town)
    _came(town, activity, 1, sh(2026, 9, 25, 19, 5))
    services.activity_hold(activity=activity, now=sh(2026, 9, 25, 21, 0), actor=town["desk"])

    # when / then
    with pytest.raises(ValidationError) as refused:
        services.activity_hold(activity=activity, now=sh(2026, 9, 26, 9, 0), actor=town["desk"])
    assert refused.value.code == "illegal_transition"
    assert refused.value.messages == ["活动当前为“已举办”，不能改为“已举办”。"]
    assert Callback.objects.filter(activity=activity).count() == 1
    assert activity.events.filter(to_status="held").count() == 1
    # and a held activity's households are not changed any more
    with pytest.raises(ValidationError):
        _came(town, activity, 3, sh(2026, 9, 26, 9, 0))


def test_an_activity_is_not_held_before_it_starts(town):
    activity = plan(town)
    with pytest.raises(ValidationError):
        services.activity_hold(activity=activity, now=sh(2026, 9, 25, 18, 0), actor=town["desk"])
    assert Activity.objects.get(pk=activity.pk).status == ActivityStatus.PLANNED


def test_a_cancelled_activity_makes_no_callbacks_and_its_households_are_told(town, off):
    # given: two households signed up for the open-air film
    activity = plan(town, title="周末露天电影")
    _came(town, activity, 1, sh(2026, 9, 20, 10, 0), owner=town["li"], attended=False)
    _came(town, activity, 2, sh(2026, 9, 20, 10, 5), attended=False)

    # when: it rains
    services.activity_cancel(activity=activity, reason="当晚有大雨", now=sh(2026, 9, 25, 15, 0), actor=town["desk"])

    # then: no callback, now or from the hourly job; each household's owner told once, in their language
    callback_jobs.hourly(as_of=sh(2026, 9, 25, 16, 20))
    assert not Callback.objects.filter(activity=activity).exists()
    told = Notification.objects.filter(kind="activities.cancelled").order_by("owner__name")
    assert [n.owner.name for n in told] == ["李娜", "王强"]
    assert told.get(owner=town["wang"]).render("en")[0] == "Activity cancelled: 周末露天电影"
    with pytest.raises(ValidationError):
        services.activity_hold(activity=activity, now=sh(2026, 9, 25, 21, 0), actor=town["desk"])
    with pytest.raises(ValidationError) as no_reason:
        services.activity_cancel(activity=plan(town), reason=" ", now=sh(2026, 9, 1, 9, 0), actor=town["desk"])
    assert "reason" in no_reason.value.message_dict


def test_recording_refuses_what_does_not_fit_and_names_the_field(town):
    activity = plan(town, capacity=4)
    cases = [
        ({"unit": town["other"]}, "unit"),                          # another estate's unit
        ({"unit": town["u"][1], "owner": town["wang"]}, "owner"),   # 王强 does not own 1-1-101
        ({"unit": town["u"][1], "resident": town["mother"]}, "resident"),  # she lives in 1-1-102
        ({"unit": town["u"][1], "people": 5}, "people"),            # 4 places
        ({"unit": town["u"][1], "people": 0}, "people"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.participation_record(activity=activity, now=sh(2026, 9, 1, 9, 0), actor=town["desk"], **given)
        assert field in refused.value.message_dict, given
    assert not activity.participations.exists()
    # a household recorded again is corrected, not doubled; the places left count the others
    _came(town, activity, 1, sh(2026, 9, 1, 9, 0), people=2, attended=False)
    _came(town, activity, 1, sh(2026, 9, 1, 9, 5), people=3, attended=False)
    assert list(activity.participations.values_list("people", flat=True)) == [3]
    with pytest.raises(ValidationError) as full:
        _came(town, activity, 2, sh(2026, 9, 1, 9, 10), people=2)
    assert full.value.message_dict["people"] == ["活动共 4 个名额，还剩 1 个。"]
    services.participation_remove(activity=activity, unit=town["u"][1], now=sh(2026, 9, 1, 9, 15),
                                  actor=town["desk"])
    assert not activity.participations.exists()
    with pytest.raises(ValidationError) as planning:
        services.activity_plan(estate=town["estate"], title="", starts_at=sh(2026, 9, 25, 19, 0),
                               ends_at=sh(2026, 9, 25, 18, 0), now=sh(2026, 9, 1, 9, 0), actor=town["desk"])
    assert set(planning.value.message_dict) == {"title", "ends_at"}


def test_a_lost_event_is_repaired_by_the_hourly_job_once(town):
    # given: a held activity whose callbacks were lost
    activity = plan(town)
    _came(town, activity, 1, sh(2026, 9, 25, 19, 5))
    _came(town, activity, 3, sh(2026, 9, 25, 19, 6))
    services.activity_hold(activity=activity, now=sh(2026, 9, 25, 21, 0), actor=town["desk"])
    Callback.objects.filter(activity=activity, unit=town["u"][3]).delete()

    # when: the job runs twice
    callback_jobs.hourly(as_of=sh(2026, 9, 25, 22, 20))
    callback_jobs.hourly(as_of=sh(2026, 9, 25, 23, 20))

    # then
    assert sorted(Callback.objects.filter(activity=activity).values_list("unit__number", flat=True)) == [
        "1-1-101", "1-1-103"]


def test_the_callback_rate_per_kind_shows_activities_against_70(town):
    # given: ten households came in October; seven are called back by the 10th of December
    activity = plan(town, starts=sh(2026, 10, 3, 19, 0), capacity=None)
    from tests.factories import UnitFactory, give_unit, make_owner

    building = town["u"][1].building
    units = [town["u"][n] for n in (1, 2, 3, 4)]
    for i in range(6):
        unit = UnitFactory(building=building, number=f"1-2-20{i}")
        give_unit(make_owner(name=f"业主{i}"), unit)
        units.append(unit)
    for unit in units:
        services.participation_record(activity=activity, unit=unit, now=sh(2026, 10, 3, 19, 5), actor=town["desk"])
    services.activity_hold(activity=activity, now=sh(2026, 10, 3, 21, 0), actor=town["desk"])
    for callback in Callback.objects.filter(activity=activity).order_by("pk")[:7]:
        callback_services.callback_perform(callback=callback, method="phone", satisfaction="satisfied",
                                           now=sh(2026, 10, 20, 10, 0), actor=town["desk"], owner_words="挺热闹的")

    # when
    rows = [r for r in callback_selectors.month_rates(month=dt.date(2026, 10, 1), as_of=sh(2026, 12, 10, 23, 30))
            if r.kind == Kind.ACTIVITY]
    period = figures.live_period(months=[dt.date(2026, 10, 1)], as_of=sh(2026, 12, 10, 23, 30))

    # then: 7 of 10 = 70 %, just at the requirement
    assert [(r.done, r.owed, r.required_rate) for r in rows] == [(7, 10, Decimal("70"))]
    rate = period.callback_rates["activity"]
    assert (rate.done, rate.owed, rate.rate, rate.required, rate.below_target) == (
        7, 10, Decimal("70.0"), Decimal("70"), False)


def test_participation_is_households_that_came_over_households_and_the_kept_facts_equal_it(town):
    # given in November at 翠湖苑 (4 households: 1-1-105 has no owner): the party (1-1-101 and
    # 1-1-102 came, 1-1-103 only signed up), the talk (1-1-101 again, and 1-1-104); a film
    # cancelled after 1-1-103 signed up; October's activity does not count in November
    party = plan(town, starts=sh(2026, 11, 7, 19, 0))
    talk = plan(town, title="用电安全讲座", kind="talk", starts=sh(2026, 11, 21, 19, 0))
    film = plan(town, title="周末露天电影", starts=sh(2026, 11, 28, 19, 0))
    october = plan(town, title="重阳节茶话会", starts=sh(2026, 10, 29, 15, 0))
    for activity, unit, came in ((party, 1, True), (party, 2, True), (party, 3, False), (talk, 1, True),
                                 (talk, 4, True), (film, 3, True), (october, 3, True)):
        _came(town, activity, unit, activity.starts_at, attended=came)
    for activity in (party, talk, october):
        services.activity_hold(activity=activity, now=activity.starts_at + dt.timedelta(hours=2),
                               actor=town["desk"])
    services.activity_cancel(activity=film, reason="下雨", now=sh(2026, 11, 28, 12, 0), actor=town["desk"])
    as_of = sh(2026, 12, 15, 12, 0)

    # when
    live = figures.live_period(months=[dt.date(2026, 11, 1)], as_of=as_of, estate=town["estate"])
    pages_services.month_facts_refresh(as_of=as_of, now=as_of, months=3)
    kept = figures.add_up([figures.tagged(row.figures, estate_id=row.estate_id, month=row.month)
                           for row in MonthFacts.objects.filter(estate=town["estate"], month=dt.date(2026, 11, 1))])

    # then: 1-1-101, 1-1-102 and 1-1-104 of 4 households = 75 %
    value = live.values["participation"]
    assert (value.numerator, value.denominator, value.value) == (Decimal(3), Decimal(4), Decimal("75.0"))
    assert (kept.values["participation"].numerator, kept.values["participation"].denominator) == (3, 4)
    # an estate that held nothing has nothing to count ("—"), and the quarter adds its months
    far = figures.live_period(months=[dt.date(2026, 11, 1)], as_of=as_of, estate=town["far"])
    assert far.values["participation"].value is None
    quarter = figures.live_period(months=[dt.date(2026, 10, 1), dt.date(2026, 11, 1)], as_of=as_of,
                                  estate=town["estate"])
    assert (quarter.values["participation"].numerator, quarter.values["participation"].denominator) == (4, 8)


def test_announcing_a_planned_activity_writes_a_draft_notice_to_the_estate(town):
    # given
    activity = plan(town, title="亲子趣味运动会", place="中心花园草坪", description="两人三足、拔河、亲子接力。")

    # when
    notice = services.activity_announce(activity=activity, now=sh(2026, 9, 10, 10, 0), actor=town["desk"])

    # then: a draft to the whole estate, its window and place filled from the activity; nothing sent
    assert (notice.status, notice.audience, notice.estate, notice.title) == ("draft", "estate", town["estate"],
                                                                              "亲子趣味运动会")
    assert "两人三足" in notice.shown_body and "2026-09-25 19:00" in notice.shown_body
    assert "中心花园草坪" in notice.shown_body
    assert not Notification.objects.exists()
    services.activity_cancel(activity=activity, reason="改期", now=sh(2026, 9, 11, 9, 0), actor=town["desk"])
    with pytest.raises(ValidationError):
        services.activity_announce(activity=activity, now=sh(2026, 9, 11, 10, 0), actor=town["desk"])


def test_an_owner_signs_their_household_up_in_the_portal_before_it_starts(town, client):
    # given: the party of 25 September, three places
    activity = plan(town, capacity=3)

    # when: 李娜 signs 1-1-101 up for two
    services.participation_sign_up(activity=activity, owner=town["li"], unit=town["u"][1], people=2,
                                   now=sh(2026, 9, 20, 10, 0))

    # then: her household is on the desk's list, signed up (not come)
    row = activity.participations.get()
    assert (row.unit, row.owner, row.people, row.attended) == (town["u"][1], town["li"], 2, False)
    # not for a unit she does not own, not beyond the places, not once it has started
    for unit, people, at, field in ((town["u"][2], 1, sh(2026, 9, 20, 10, 5), "owner"),
                                    (town["u"][1], 4, sh(2026, 9, 20, 10, 5), "people")):
        with pytest.raises(ValidationError) as refused:
            services.participation_sign_up(activity=activity, owner=town["li"], unit=unit, people=people, now=at)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.participation_sign_up(activity=activity, owner=town["li"], unit=town["u"][1],
                                       now=sh(2026, 9, 25, 19, 30))
    # and 周杰, of another estate, cannot sign up through the portal at all (404)
    client.force_login(town["zhou"].user)
    response = client.post(f"/activities/portal/{activity.pk}/sign-up/", {"unit": town["other"].pk, "people": 1})
    assert response.status_code == 404
