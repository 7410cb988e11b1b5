"""The fee policy per estate: its calendar (bill day, pay-by day, both dunning days, the
report day) and thresholds (age buckets, long-term refusers). The jobs, reads and
pages follow each estate's own; an estate without one keeps the defaults."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from fees import jobs, reports, selectors, services
from fees.models import Bill, DunningNotice, FeePolicy, FeeStandard, MonthReport
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner
from tests.fees.conftest import sh

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOV = dt.date(2026, 11, 1)
DEFAULTS = dict(bill_day=10, pay_by_day=15, first_dunning_day=16, second_dunning_day=21, report_day=2,
                aging_buckets=[1, 3, 6, 12], refuser_months=12, refuser_months_after_lawyer=6)


@pytest.fixture
def jinxiu(estate):
    """锦绣华庭 beside the fixture's 翠湖花园 (on the defaults): one building, ¥3.00/m²
    a month, two units (100 m² each) owned by 赵敏."""
    other = EstateFactory(code="jinxiu", name="锦绣华庭")
    building = BuildingFactory(estate=other, number="1")
    FeeStandard.objects.create(estate=other, item="物业服务费", basis="per_m2_month", rate=Decimal("3.00"),
                               effective_from=dt.date(2026, 1, 1))
    zhao = make_owner(name="赵敏", phone="13700002222")
    units = [UnitFactory(building=building, number=f"1-1-{n}", area=Decimal("100.00")) for n in (501, 502)]
    for unit in units:
        give_unit(zhao, unit)
    return {"estate": other, "units": units, "owner": zhao}


def set_policy(estate, boss, **changes):
    return services.fee_policy_save(estate=estate, actor=boss, **{**DEFAULTS, **changes})


def notices(estate, round_):
    return sorted(DunningNotice.objects.filter(estate=estate, round=round_).values_list("unit__number", flat=True))


# ---- the jobs ---------------------------------------------------------------------------------


def test_dunning_follows_each_estates_own_days(estate, jinxiu):
    # given: 锦绣华庭 reminds on the 18th and the 25th; both estates billed for November
    set_policy(jinxiu["estate"], estate["boss"], first_dunning_day=18, second_dunning_day=25)
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))

    # when: the job of the 16th
    jobs.dunning(as_of=sh(2026, 11, 16, 9, 0))

    # then: round 1 for the estate on the defaults, nothing for 锦绣华庭
    assert notices(estate["estate"], 1) == ["1-1-101", "1-1-102", "2-1-201"]
    assert notices(jinxiu["estate"], 1) == []

    # when / then: the 17th adds nothing; the 18th brings 锦绣华庭 its round 1
    jobs.dunning(as_of=sh(2026, 11, 17, 9, 0))
    assert DunningNotice.objects.count() == 3
    jobs.dunning(as_of=sh(2026, 11, 18, 9, 0))
    assert notices(jinxiu["estate"], 1) == ["1-1-501", "1-1-502"]
    assert DunningNotice.objects.filter(estate=estate["estate"]).count() == 3

    # and: round 2 on the 21st for the defaults, on the 25th for 锦绣华庭
    jobs.dunning(as_of=sh(2026, 11, 21, 9, 0))
    assert len(notices(estate["estate"], 2)) == 3 and notices(jinxiu["estate"], 2) == []
    jobs.dunning(as_of=sh(2026, 11, 25, 9, 0))
    assert notices(jinxiu["estate"], 2) == ["1-1-501", "1-1-502"]


def test_dunning_catches_up_a_missed_day_and_says_when_it_starts(estate, jinxiu):
    # given: every estate reminds from the 18th at the earliest
    set_policy(estate["estate"], estate["boss"], first_dunning_day=18, second_dunning_day=25)
    set_policy(jinxiu["estate"], estate["boss"], first_dunning_day=19, second_dunning_day=25)
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))

    # when / then
    assert jobs.dunning(as_of=sh(2026, 11, 17, 9, 0)) == "nothing before the 18th"
    # beat was down from the 18th to the 19th: the 20th makes both estates' round 1
    assert jobs.dunning(as_of=sh(2026, 11, 20, 9, 0)).startswith("round 1: 5 new notices")
    assert not DunningNotice.objects.filter(round=2).exists()


def test_bill_run_follows_each_estates_bill_day_and_pay_by_day(estate, jinxiu):
    # given: 锦绣华庭 bills on the 12th, to be paid by the 17th
    set_policy(jinxiu["estate"], estate["boss"], bill_day=12, pay_by_day=17, first_dunning_day=18,
               second_dunning_day=25)

    # when / then: nothing before the 10th
    assert jobs.bill_run(as_of=sh(2026, 11, 9, 1, 0)) == "nothing before the 10th"
    assert not Bill.objects.exists()

    # when: the 10th
    jobs.bill_run(as_of=sh(2026, 11, 10, 1, 0))

    # then: the estate on the defaults is billed, to pay by the 15th; 锦绣华庭 is not
    assert set(Bill.objects.values_list("estate_id", "due_on")) == {(estate["estate"].pk, dt.date(2026, 11, 15))}

    # when: the 12th
    jobs.bill_run(as_of=sh(2026, 11, 12, 1, 0))

    # then: 锦绣华庭's units, to pay by the 17th, numbered from 1; nothing issued twice
    theirs = Bill.objects.filter(estate=jinxiu["estate"]).order_by("number")
    assert [(b.number, b.due_on, b.amount) for b in theirs] == [
        ("JINXIU-ZD202611-000001", dt.date(2026, 11, 17), Decimal("300.00")),
        ("JINXIU-ZD202611-000002", dt.date(2026, 11, 17), Decimal("300.00"))]
    assert Bill.objects.count() == 5


def test_arrears_start_after_the_estates_own_pay_by_day(estate, jinxiu):
    # given: 锦绣华庭's bills are to be paid by the 20th
    set_policy(jinxiu["estate"], estate["boss"], pay_by_day=20, first_dunning_day=21, second_dunning_day=25)
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))

    # when / then: on the 18th the other estate's units are in arrears, 锦绣华庭's not yet
    owing = {row.unit_number for row in selectors.arrears(as_of=dt.date(2026, 11, 18))}
    assert owing == {"1-1-101", "1-1-102", "2-1-201"}
    assert len(selectors.arrears(as_of=dt.date(2026, 11, 21))) == 5


def test_month_report_waits_for_each_estates_report_day(estate, jinxiu):
    # given: 锦绣华庭 reports on the 5th
    set_policy(jinxiu["estate"], estate["boss"], report_day=5)

    # when: the 2nd
    jobs.month_report(as_of=sh(2026, 12, 2, 2, 30))

    # then: only the report of the estate on the defaults; all estates wait for the 5th
    assert list(MonthReport.objects.values_list("estate_id", "month")) == [(estate["estate"].pk, NOV)]
    assert "made already" in jobs.month_report(as_of=sh(2026, 12, 3, 2, 30))

    # when: the 6th (the 5th was missed)
    jobs.month_report(as_of=sh(2026, 12, 6, 2, 30))

    # then: 锦绣华庭's and all estates' are made; the first one is left as it was made
    assert set(MonthReport.objects.values_list("estate_id", flat=True)) == {None, estate["estate"].pk,
                                                                             jinxiu["estate"].pk}
    assert MonthReport.objects.get(estate=estate["estate"]).generated_at == sh(2026, 12, 2, 2, 30)
    assert "made already" in jobs.month_report(as_of=sh(2026, 12, 7, 2, 30))


# ---- the thresholds ---------------------------------------------------------------------------


def owes_since(unit, period: dt.date):
    Bill.objects.create(number=f"OLD-{unit.pk}-{period:%Y%m}", estate=unit.estate, unit=unit, period=period,
                        amount=Decimal("100.00"), issued_at=sh(period.year, period.month, 10),
                        due_on=period.replace(day=15))


def test_age_buckets_and_long_term_refusers_follow_the_estates_policy(estate, jinxiu):
    # given: 锦绣华庭 buckets 1–2, 3–6, >6 months and calls a refuser of more than 3
    # months long-term; a unit in each estate refuses to pay since August (4 months)
    set_policy(jinxiu["estate"], estate["boss"], aging_buckets=[2, 6], refuser_months=3,
               refuser_months_after_lawyer=2)
    owes_since(estate["u1"], dt.date(2026, 8, 1))
    owes_since(jinxiu["units"][0], dt.date(2026, 8, 1))
    for unit in (estate["u1"], jinxiu["units"][0]):
        services.arrears_case_open(unit=unit, reason="refusal", actor=estate["boss"], now=sh(2026, 11, 1))

    # when
    rows = {row.unit_number: row for row in selectors.arrears(as_of=dt.date(2026, 11, 20))}
    refusers = reports.long_term_refusers(as_of=dt.date(2026, 11, 20))

    # then: the same 4 months fall in each estate's own bucket, and only 锦绣华庭 calls it long-term
    assert (rows["1-1-101"].bucket, rows["1-1-501"].bucket) == ("4-6", "3-6")
    assert [line.row.unit_number for line in refusers] == ["1-1-501"]
    assert [row["bucket"] for row in selectors.aging_summary(as_of=dt.date(2026, 11, 20),
                                                             estate=jinxiu["estate"])] == ["1-2", "3-6", "6+"]
    with translation.override("en"):
        assert [reports.bucket_label(key) for key in ("1", "2", "3-6", "6+")] == [
            "1 month", "2 months", "3–6 months", "More than 6 months"]


# ---- the policy itself ------------------------------------------------------------------------


def test_the_defaults_are_a_valid_policy_and_an_estate_without_a_row_has_them(estate):
    assert FeePolicy.with_defaults().errors() == {}
    policy = selectors.fee_policy(estate=estate["estate"])
    assert policy.pk is None and [getattr(policy, f) for f in DEFAULTS] == list(DEFAULTS.values())


@pytest.mark.parametrize(("changes", "field"), [
    ({"bill_day": 0}, "bill_day"),
    ({"report_day": 29}, "report_day"),
    ({"second_dunning_day": 31}, "second_dunning_day"),
    ({"pay_by_day": 10}, "pay_by_day"),
    ({"pay_by_day": 16}, "first_dunning_day"),
    ({"second_dunning_day": 16}, "second_dunning_day"),
    ({"aging_buckets": []}, "aging_buckets"),
    ({"aging_buckets": [1, 6, 3]}, "aging_buckets"),
    ({"aging_buckets": [0, 3]}, "aging_buckets"),
    ({"refuser_months": 0}, "refuser_months"),
    ({"refuser_months_after_lawyer": 13}, "refuser_months_after_lawyer"),
])
def test_a_policy_that_makes_no_calendar_is_refused_naming_the_field(estate, changes, field):
    with pytest.raises(ValidationError) as caught:
        set_policy(estate["estate"], estate["boss"], **changes)
    assert list(caught.value.message_dict) == [field]
    assert not FeePolicy.objects.exists()


def test_only_a_supervisor_sets_the_policy_and_a_change_replaces_the_row(estate):
    with pytest.raises(PermissionDenied):
        set_policy(estate["estate"], estate["desk"], bill_day=8)
    set_policy(estate["estate"], estate["boss"], bill_day=8)
    set_policy(estate["estate"], estate["boss"], bill_day=9)
    assert list(FeePolicy.objects.values_list("estate_id", "bill_day")) == [(estate["estate"].pk, 9)]


def test_the_policies_of_many_estates_take_two_queries(estate, jinxiu, django_assert_num_queries):
    set_policy(jinxiu["estate"], estate["boss"], bill_day=12, pay_by_day=17, first_dunning_day=18,
               second_dunning_day=25)
    EstateFactory.create_batch(5)
    with django_assert_num_queries(2):
        policies = selectors.fee_policies()
    assert len(policies) == 7 and policies[jinxiu["estate"].pk].bill_day == 12
    assert policies[estate["estate"].pk].bill_day == 10


def test_a_supervisor_sets_the_policy_in_the_admin_with_errors_by_field(client, estate):
    # given
    boss = UserFactory(username="chief", role="supervisor", is_staff=True)
    client.force_login(boss)
    url = reverse("admin:fees_feepolicy_add")
    assert client.get(url).context["adminform"].form.initial["bill_day"] == 10
    form = {"estate": estate["estate"].pk, **DEFAULTS, "aging_buckets": "1,3,6,12"}

    # when: the second reminder before the first
    bad = client.post(url, {**form, "second_dunning_day": 12}, **EN)

    # then: the form says so at the field, and nothing is saved
    assert bad.status_code == 200 and "The second reminder comes after the first." in bad.content.decode()
    assert bad.context["adminform"].form.errors.keys() == {"second_dunning_day"}
    assert not FeePolicy.objects.exists()

    # when / then: a good one is saved, and opens again for a change
    assert client.post(url, {**form, "bill_day": 8}, **EN).status_code == 302
    saved = FeePolicy.objects.get(estate=estate["estate"])
    assert saved.bill_day == 8
    assert client.get(reverse("admin:fees_feepolicy_change", args=[saved.pk])).status_code == 200


# ---- the pages --------------------------------------------------------------------------------


@time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False)
def test_the_pages_say_the_estates_own_days(client, estate, jinxiu):
    # given
    set_policy(jinxiu["estate"], estate["boss"], bill_day=12, pay_by_day=17, first_dunning_day=18,
               second_dunning_day=25)
    client.force_login(estate["boss"])

    # when / then: the fee desk of each estate
    theirs = client.get(reverse("fees:home"), {"estate": jinxiu["estate"].pk}, **EN).content.decode()
    assert ("Bills go out on the 12th, payment is due by the 17th, reminders follow on the 18th and the 25th."
            in theirs)
    ours = client.get(reverse("fees:home"), {"estate": estate["estate"].pk}, **EN).content.decode()
    assert "Bills go out on the 10th, payment is due by the 15th, reminders follow on the 16th and the 21st." in ours

    # and: the reminders of one estate, and of all estates with their different days
    one = client.get(reverse("fees:dunning"), {"period": "2026-11", "estate": jinxiu["estate"].pk}, **EN)
    assert "(the 18th)" in one.content.decode() and "(the 25th)" in one.content.decode()
    both = client.get(reverse("fees:dunning"), {"period": "2026-11"}, **EN).content.decode()
    assert "(the 16th, the 18th)" in both and "(the 21st, the 25th)" in both

    # and: the owner's portal says their estate's bill day
    portal_user = UserFactory(username="zhaomin")
    jinxiu["owner"].user = portal_user
    jinxiu["owner"].language = "en"
    jinxiu["owner"].save(update_fields=["user", "language"])
    client.force_login(portal_user)
    portal = client.get(reverse("fees:portal_home"), **EN).content.decode()
    assert "Bills are issued on the 12th of each month." in portal
