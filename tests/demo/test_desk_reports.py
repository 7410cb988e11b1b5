"""The desk's daily and weekly reports in the demo estate (demo.dashboard.seed_desk_reports,
the last step of seed_demo), read from the estate tests/conftest.py loads once per run."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from pages import desk_reports
from pages.models import DeskReport


def test_the_demos_last_days_and_fridays_have_their_reports(seeded, db, as_of):
    today = timezone.localdate(as_of)
    last = desk_reports.last_due("day", as_of=as_of)

    days = list(DeskReport.objects.filter(period="day").order_by("last_day").values_list("last_day", flat=True))
    weeks = list(DeskReport.objects.filter(period="week").values_list("last_day", flat=True))

    # then: every day of the last two weeks up to the latest 16:30, once; the Fridays
    assert days == [last - timedelta(days=i) for i in range(len(days) - 1, -1, -1)]
    assert len(days) >= 14 and days[-1] >= today - timedelta(days=1)
    assert weeks and all(day.isoweekday() == 5 for day in weeks)


def test_a_demo_days_complaints_are_those_received_in_its_window(seeded, db, as_of):
    report = DeskReport.objects.filter(period="day").order_by("-last_day").first()

    received = Complaint.objects.filter(received_at__gte=report.starts_at, received_at__lt=report.ends_at).count()

    assert report.data["all"]["complaints"]["received"] == received


def test_the_desk_opens_the_demos_latest_report(seeded, db, as_of, client):
    from django.contrib.auth import get_user_model

    report = DeskReport.objects.filter(period="day").order_by("-last_day").first()
    client.force_login(get_user_model().objects.filter(groups__name="front_desk").order_by("pk").first())

    response = client.get(reverse("desk_report", args=["day", f"{report.last_day:%Y-%m-%d}"]))

    assert response.status_code == 200
    assert desk_reports.window_text(report) in response.content.decode()
