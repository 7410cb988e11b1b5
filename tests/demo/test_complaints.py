"""Complaints and suggestions in the demo estate (demo.complaints, a step of seed_demo),
read from the estate tests/conftest.py loads once per run (``demo_seeded``)."""

import random
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone, translation

from complaints import selectors
from complaints.models import (
    CATEGORY_DEPARTMENT,
    OPEN_STATUSES,
    Complaint,
    ComplaintEvent,
    Department,
    EventKind,
    Status,
    Suggestion,
    SuggestionStatus,
)
from demo import complaints as complaints_demo
from demo import steps
from demo.context import DEFAULT_SEED, DemoContext
from owners.models import Building, Estate, Owner, Ownership, Resident, StaffMembership, Unit


def test_every_complaint_and_suggestion_status_occurs(seeded, db):
    # given the seeded demo

    # when
    complaints = dict(Complaint.objects.values_list("status").annotate(n=Count("id")))
    suggestions = dict(Suggestion.objects.values_list("status").annotate(n=Count("id")))

    # then
    assert 120 <= sum(complaints.values()) <= 180
    assert set(complaints) == set(Status.values)
    assert complaints[Status.CLOSED] > complaints[Status.RESOLVED]
    assert set(suggestions) == set(SuggestionStatus.values)
    assert 15 <= sum(suggestions.values()) <= 25
    assert "complaints in progress" in seeded[0] and "suggestions adopted" in seeded[0]


def test_all_of_it_happened_in_the_three_months_before_the_seed(seeded, db, as_of):
    # given
    complaints = Complaint.objects.all()

    # then: nothing after the demo's now, nothing from long before
    assert not complaints.filter(received_at__gte=as_of).exists()
    assert not ComplaintEvent.objects.filter(at__gte=as_of).exists()
    assert not Suggestion.objects.filter(received_at__gte=as_of).exists()
    oldest = complaints.order_by("received_at").first().received_at
    assert as_of - timedelta(days=100) <= oldest <= as_of - timedelta(days=80)
    assert complaints.filter(received_at__gte=as_of - timedelta(days=1)).exists()


def test_the_hard_cases_are_there(seeded, db, as_of):
    # given
    complaints = Complaint.objects.all()
    now = timezone.now()

    # when
    paused = complaints.filter(paused_since__isnull=False)
    reopened = complaints.filter(reopen_count=1)
    overdue_open = complaints.filter(
        status__in=OPEN_STATUSES, paused_since__isnull=True, promised_at__lt=now
    )
    late = complaints.filter(resolved_at__isnull=False, late_by__isnull=False)
    on_time, resolved = selectors.kpi_on_time_rate(start=as_of - timedelta(days=120), end=as_of)

    # then
    assert paused.filter(status=Status.IN_PROGRESS).count() >= 3
    assert {p.reason for c in paused for p in c.pauses.filter(ended_at__isnull=True)} >= {
        "parts", "owner_away", "third_party",
    }
    assert reopened.filter(status__in=OPEN_STATUSES).exists()
    assert reopened.filter(status__in=[Status.RESOLVED, Status.CLOSED]).exists()
    assert overdue_open.exists()
    assert overdue_open.filter(overdue_flagged_at__isnull=False).exists()  # the sweep saw them
    assert late.exists()
    assert 0 < on_time < resolved  # the on-time KPI is neither 0 nor 100 %
    assert 0.6 <= on_time / resolved <= 0.95


def test_timelines_are_what_the_services_write(seeded, db, as_of):
    # given
    complaints = list(Complaint.objects.prefetch_related("events"))

    # then: each complaint starts with its intake and moves forward in time
    for complaint in complaints:
        events = list(complaint.events.all())
        assert events[0].kind == EventKind.RECEIVED and events[0].at == complaint.received_at
        assert [e.at for e in events] == sorted(e.at for e in events), complaint.number
        if complaint.status == Status.CLOSED:
            with translation.override("zh-hans"):  # a clerk's note, or the callback's result as a message
                closing = events[-1].note or events[-1].message
            assert events[-1].kind == EventKind.CLOSED and closing.startswith("回访"), closing
            assert complaint.closed_at - complaint.resolved_at <= timedelta(days=3)
    assert ComplaintEvent.objects.filter(kind=EventKind.PROGRESS, public=True).count() >= 30
    assert ComplaintEvent.objects.filter(kind=EventKind.NOTE, public=False).exists()


def test_numbers_follow_the_order_complaints_came_in(seeded, db):
    # given
    for estate in Estate.objects.all():
        # when
        in_order = Complaint.objects.filter(estate=estate).order_by("received_at", "number")  # ties: either
        numbers = list(in_order.values_list("number", flat=True))

        # then
        assert numbers == sorted(numbers)
        assert numbers[0].startswith(f"{estate.code.upper()}-TS")


def test_complaints_go_to_the_department_that_owns_them(seeded, db):
    # given
    assigned = Complaint.objects.exclude(status=Status.RECEIVED).select_related("assignee")

    # then
    for complaint in assigned:
        assert complaint.department == CATEGORY_DEPARTMENT[complaint.category]
        if complaint.department == Department.ENGINEERING:
            assert complaint.assignee.username == "engineer"
        else:
            assert complaint.assignee.username in {"desk", "supervisor"}
    # and only to people of that department in that estate
    members = set(StaffMembership.objects.values_list("user_id", "estate_id", "department"))
    assert all((c.assignee_id, c.estate_id, c.department) in members for c in assigned if c.assignee_id)


def test_owners_and_tenants_complain(seeded, db):
    # given
    complaints = Complaint.objects.select_related("owner", "unit")

    # then: an owner complains about a unit they own now; a tenant leaves a name and phone
    from_owners = complaints.filter(owner__isnull=False)
    from_tenants = complaints.filter(owner__isnull=True)
    assert from_owners.count() > from_tenants.count() > 0
    for complaint in from_owners:
        assert Ownership.objects.filter(
            unit=complaint.unit, owner=complaint.owner, end_date__isnull=True
        ).exists()
    for complaint in from_tenants:
        assert complaint.contact_name and complaint.contact_phone
        assert Resident.objects.filter(
            unit=complaint.unit, name=complaint.contact_name, relation="tenant"
        ).exists()


def test_a_common_issue_and_a_repeat_complainer(seeded, db, as_of):
    # given

    # when
    clusters = selectors.complaint_clusters(as_of=as_of)
    frequent = Owner.objects.annotate(n=Count("complaints")).filter(n__gte=3)
    repeaters = [
        owner for owner in frequent
        if selectors.is_repeat_complainer(
            owner=owner, estate=owner.complaints.first().estate, as_of=as_of
        )
    ]

    # then
    lifts = [c for c in clusters if c.estate == "翠湖花园" and c.category == "facilities"]
    assert lifts and lifts[0].count >= 3
    assert len(repeaters) >= 1
    assert all(r.user_id is None for r in repeaters)  # not the portal owner


def test_the_portal_owner_has_a_history(seeded, db, as_of):
    # given
    owner = Owner.objects.get(user__username="owner")

    # when
    complaints = list(selectors.owner_complaints(owner=owner))
    suggestions = list(Suggestion.objects.filter(owner=owner))

    # then
    assert 2 <= len(complaints) <= 3
    assert len({c.status for c in complaints}) == len(complaints)
    done = [c for c in complaints if c.status in (Status.RESOLVED, Status.CLOSED)]
    assert done and all(c.late_by is None for c in done)
    public = ComplaintEvent.objects.filter(complaint__in=done, public=True, kind=EventKind.PROGRESS)
    assert public.exists()
    decided = (SuggestionStatus.ADOPTED, SuggestionStatus.DECLINED)
    assert any(s.status in decided and s.reply for s in suggestions)
    assert not selectors.is_repeat_complainer(owner=owner, estate=complaints[0].estate, as_of=as_of)


def test_suggestions_are_answered_with_thanks(seeded, db):
    # given
    decided = Suggestion.objects.filter(
        status__in=[SuggestionStatus.ADOPTED, SuggestionStatus.DECLINED]
    )

    # then
    assert decided.filter(status=SuggestionStatus.ADOPTED).exists()
    assert decided.filter(status=SuggestionStatus.DECLINED).exists()
    for suggestion in decided:
        assert "感谢" in suggestion.reply or "谢谢" in suggestion.reply
        assert suggestion.decided_by.username == "supervisor"
        assert suggestion.received_at < suggestion.review_started_at < suggestion.decided_at


def _rebuilt_context(today) -> DemoContext:
    """The context the complaints step got, rebuilt from the database: the registry's
    plan advances a fresh generator exactly as seeding did (seed_users draws nothing),
    and bulk_create gave the rows ascending keys in the order they were planned."""
    rng = random.Random(DEFAULT_SEED)
    steps.plan(rng=rng, today=today)
    ctx = DemoContext(rng=rng, today=today, people=None)
    ctx.estates = list(Estate.objects.order_by("pk"))
    ctx.buildings = list(Building.objects.select_related("estate").order_by("pk"))
    ctx.units = list(Unit.objects.select_related("estate", "building").order_by("pk"))
    ctx.ownerships = list(
        Ownership.objects.select_related("unit__estate", "unit__building", "owner").order_by("pk")
    )
    ctx.residents = list(Resident.objects.select_related("unit").order_by("pk"))
    ctx.demo_owner = Owner.objects.get(user__username="owner")
    return ctx


def test_the_same_seed_plans_the_same_complaints(seeded, demo_seeded, db):
    # given the complaints the command seeded with the default seed for its day
    today = demo_seeded[2]
    stored = list(
        Complaint.objects.order_by("received_at", "pk")
        .values_list("received_at", "unit__number", "category", "description")
    )

    # when the step plans them again from the same generator state, twice
    first = complaints_demo.plan_complaints(_rebuilt_context(today)).plans
    second = complaints_demo.plan_complaints(_rebuilt_context(today)).plans

    # then
    def fingerprint(plans):
        return [(p.received_at, p.unit.number, p.category, p.description)
                for p in sorted(plans, key=lambda p: p.received_at)]

    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first) == stored
