"""The desk's callback pages: the queue, performing, correcting, cancelling, spot checks,
rates, the week, the rules, and the chain on the complaint and work-order pages."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from PIL import Image, ImageDraw

from callbacks import rules, services
from callbacks.models import Callback, CallbackResult, CallbackRule, SpotCheck, Status
from complaints.models import Status as ComplaintStatus
from repairs.models import WorkOrder
from tests.callbacks.conftest import complete_order, resolve_complaint, sh

NOW = sh(2026, 5, 13, 10, 0)  # a Wednesday
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def data_url_signature() -> str:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (120, 20), (280, 100)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def complaint_callback(estate, *, due_on: dt.date | None = None) -> Callback:
    complaint = resolve_complaint(estate, received=sh(2026, 5, 11, 9, 0), resolved=sh(2026, 5, 11, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    if due_on is not None:
        Callback.objects.filter(pk=callback.pk).update(due_on=due_on)
        callback.refresh_from_db()
    return callback


def perform_url(callback, name="perform"):
    return reverse("callbacks:action", args=[callback.pk, name])


# ---- the queue ---------------------------------------------------------------------------


def test_queue_buckets_split_due_today_overdue_and_this_week(client, estate):
    today = complaint_callback(estate, due_on=dt.date(2026, 5, 13))
    overdue = complaint_callback(estate, due_on=dt.date(2026, 5, 10))
    this_week = complaint_callback(estate, due_on=dt.date(2026, 5, 18))
    later = complaint_callback(estate, due_on=dt.date(2026, 5, 30))
    client.force_login(estate["desk"])

    def listed(bucket):
        page = client.get(reverse("callbacks:queue"), {"bucket": bucket} if bucket else {}, **EN).content.decode()
        return {c for c in (today, overdue, this_week, later) if c.complaint.number in page}

    assert listed("today") == {today}
    assert listed("overdue") == {overdue}
    assert listed("week") == {today, overdue, this_week}
    assert listed("") == {today, overdue, this_week, later}
    page = client.get(reverse("callbacks:queue"), {"bucket": "overdue"}, **EN).content.decode()
    assert "Overdue" in page and "Due today" in page and "This week" in page and "All due" in page


def test_queue_filters_by_kind_and_by_assignee(client, estate):
    complaint = complaint_callback(estate)
    order = complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 12, 15, 0))
    repair = Callback.objects.get(work_order=order)
    services.callback_assign(callback=repair, assignee=None, now=NOW, actor=estate["desk"])
    client.force_login(estate["desk"])
    url = reverse("callbacks:queue")

    by_kind = client.get(url, {"kind": "minor_repair"}).content.decode()
    assert order.number in by_kind and complaint.complaint.number not in by_kind

    mine = client.get(url, {"assignee": "mine"}).content.decode()
    assert complaint.complaint.number in mine and order.number not in mine
    nobody = client.get(url, {"assignee": "none"}).content.decode()
    assert order.number in nobody and complaint.complaint.number not in nobody
    by_id = client.get(url, {"assignee": str(estate["desk"].pk)}).content.decode()
    assert complaint.complaint.number in by_id and order.number not in by_id


def test_queue_shows_done_ones_only_with_the_status_filter_and_masks_the_phone(client, estate):
    callback = complaint_callback(estate)
    services.callback_perform(callback=callback, method="phone", satisfaction="satisfied", owner_words="好",
                              now=NOW, actor=estate["desk"])
    client.force_login(estate["desk"])
    assert callback.complaint.number not in client.get(reverse("callbacks:queue")).content.decode()
    done = client.get(reverse("callbacks:queue"), {"status": "done"}).content.decode()
    assert callback.complaint.number in done
    assert "139****5678" in done and "13912345678" not in done


# ---- performing ---------------------------------------------------------------------------


def test_phone_callback_without_the_owners_words_is_refused_on_that_field(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback), {"method": "phone", "satisfaction": "satisfied",
                                                   "owner_words": "  "}, **EN)
    assert response.status_code == 400
    assert "owner_words" in response.context["forms"]["perform"].errors
    assert "write down the owner&#x27;s own words" in response.content.decode()
    assert not CallbackResult.objects.exists()
    assert Callback.objects.get(pk=callback.pk).status == Status.DUE


def test_face_to_face_without_a_signature_is_refused_on_the_signature(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback), {"method": "face_to_face", "satisfaction": "satisfied"})
    assert response.status_code == 400
    assert "signature" in response.context["forms"]["perform"].errors
    assert not CallbackResult.objects.exists()


def test_face_to_face_with_a_drawn_signature_is_done_and_the_signature_is_shown_to_staff(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback), {
        "method": "face_to_face", "satisfaction": "very_satisfied", "quality": "很好", "signature": data_url_signature(),
        "signer_name": "李娜",
    })
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.status == Status.DONE
    assert callback.complaint.status == ComplaintStatus.CLOSED
    result = CallbackResult.objects.get(callback=callback)
    png = client.get(reverse("callbacks:signature", args=[result.pk]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and bytes(png.content[:4]) == b"\x89PNG"
    page = client.get(reverse("callbacks:detail", args=[callback.pk])).content.decode()
    assert reverse("callbacks:signature", args=[result.pk]) in page

    # the signature is for staff only
    client.force_login(estate["owner"].user)
    assert client.get(reverse("callbacks:signature", args=[result.pk])).status_code == 403


def test_unsatisfied_owner_sends_the_complaint_back_in_progress_and_the_page_says_so(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback), {
        "method": "phone", "satisfaction": "unsatisfied", "owner_words": "还是漏水", "shortcomings": "雨后仍渗水",
    }, follow=True, **EN)
    assert response.status_code == 200
    callback.refresh_from_db()
    assert callback.complaint.status == ComplaintStatus.IN_PROGRESS
    page = response.content.decode()
    assert "back in progress" in page and "sent back for rectification" in page
    assert "雨后仍渗水" in page


# ---- corrections, cancelling, spot checks -------------------------------------------------


def test_a_correction_is_a_second_entry_and_the_original_text_stays_on_the_page(client, estate):
    callback = complaint_callback(estate)
    services.callback_perform(callback=callback, method="phone", satisfaction="satisfied", owner_words="挺好的",
                              now=NOW, actor=estate["desk"])
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback, "correct"), {
        "reason": "记错了原话", "owner_words": "挺好的，师傅很细心", "quality": "", "effect": "", "shortcomings": "",
        "suggestions": "",
    }, follow=True, **EN)
    assert response.status_code == 200
    original, correction = CallbackResult.objects.filter(callback=callback).order_by("pk")
    assert correction.corrects == original and original.owner_words == "挺好的"
    page = response.content.decode()
    assert "挺好的，师傅很细心" in page and "记错了原话" in page
    assert "<p class=\"pd-prewrap mb-0\">挺好的</p>" in page
    assert "cannot be corrected" in page


def test_a_correction_without_a_reason_is_refused_on_the_reason(client, estate):
    callback = complaint_callback(estate)
    services.callback_perform(callback=callback, method="phone", satisfaction="neutral", owner_words="一般",
                              now=NOW, actor=estate["desk"])
    client.force_login(estate["desk"])
    response = client.post(perform_url(callback, "correct"), {"reason": "", "owner_words": "x"})
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["correct"].errors
    assert CallbackResult.objects.count() == 1


def test_the_desk_cannot_cancel_a_supervisor_can_with_a_reason(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["desk"])
    assert client.post(perform_url(callback, "cancel"), {"reason": "业主已搬走"}).status_code == 403
    assert Callback.objects.get(pk=callback.pk).status == Status.DUE

    client.force_login(estate["boss"])
    assert client.post(perform_url(callback, "cancel"), {"reason": ""}).status_code == 400
    response = client.post(perform_url(callback, "cancel"), {"reason": "业主已搬走"}, follow=True)
    callback.refresh_from_db()
    assert callback.status == Status.CANCELLED and callback.cancel_reason == "业主已搬走"
    assert "业主已搬走" in response.content.decode()


def test_a_supervisor_spot_checks_a_done_callback_and_the_desk_cannot(client, estate):
    callback = complaint_callback(estate)
    services.callback_perform(callback=callback, method="phone", satisfaction="satisfied", owner_words="好",
                              now=NOW, actor=estate["desk"])
    client.force_login(estate["desk"])
    assert client.post(perform_url(callback, "spot_check"), {"method": "phone", "agrees": "yes"}).status_code == 403
    assert client.get(reverse("callbacks:spot_checks")).status_code == 403

    client.force_login(estate["boss"])
    assert callback.complaint.number in client.get(reverse("callbacks:spot_checks")).content.decode()
    response = client.post(perform_url(callback, "spot_check"), {"method": "phone", "agrees": "no", "note": ""})
    assert response.status_code == 400 and "note" in response.context["forms"]["spot_check"].errors
    client.post(perform_url(callback, "spot_check"), {"method": "phone", "agrees": "yes", "note": ""})
    check = SpotCheck.objects.get(callback=callback)
    assert check.agrees and check.checked_by == estate["boss"]
    page = client.get(reverse("callbacks:rates"), **EN).content.decode()
    assert "Supervisor spot checks in 2026-05" in page


def test_assign_to_me_and_offer_online_to_an_owner_with_a_login(client, estate):
    callback = complaint_callback(estate)
    Callback.objects.filter(pk=callback.pk).update(assignee=None)
    client.force_login(estate["desk"])
    client.post(perform_url(callback, "assign"), {"assignee": "mine"})
    assert Callback.objects.get(pk=callback.pk).assignee == estate["desk"]
    client.post(perform_url(callback, "offer"))
    assert Callback.objects.get(pk=callback.pk).offered_online_at == NOW


# ---- rates, week, rules ---------------------------------------------------------------------


def test_rates_page_shows_the_rate_against_the_required_rate(client, estate):
    first = resolve_complaint(estate, received=sh(2026, 4, 6, 9, 0), resolved=sh(2026, 4, 6, 17, 0))
    resolve_complaint(estate, received=sh(2026, 4, 7, 9, 0), resolved=sh(2026, 4, 7, 17, 0))
    services.callback_perform(callback=Callback.objects.get(complaint=first), method="phone",
                              satisfaction="satisfied", owner_words="好", now=sh(2026, 4, 8, 9, 0),
                              actor=estate["desk"])
    client.force_login(estate["boss"])
    page = client.get(reverse("callbacks:rates"), {"month": "2026-04"}, **EN).content.decode()
    assert "Complaint resolved" in page
    assert "50.0%" in page and "100%" in page and "✗" in page


def test_week_page_lists_a_callback_on_its_day(client, estate):
    callback = complaint_callback(estate, due_on=dt.date(2026, 5, 15))
    client.force_login(estate["desk"])
    response = client.get(reverse("callbacks:week"), {"start": "2026-05-13"}, **EN)
    assert response.context["start"] == dt.date(2026, 5, 11)  # the Monday
    friday = dict(response.context["days"])[dt.date(2026, 5, 15)]
    assert [c.pk for c in friday] == [callback.pk]
    assert reverse("callbacks:detail", args=[callback.pk]) in response.content.decode()
    assert "?start=2026-05-18" in response.content.decode()


def test_a_supervisor_puts_a_new_rule_in_force_and_the_desk_cannot(client, estate):
    estate_obj = estate["unit"].estate
    data = {"estate": estate_obj.pk, "kind": "complaint", "days": 2, "months": 0, "by_day_of_next_month": "",
            "required_rate": "100", "required_rate_bank": ""}
    client.force_login(estate["desk"])
    assert client.get(reverse("callbacks:rules"), **EN).status_code == 200
    assert client.post(reverse("callbacks:rules"), data).status_code == 403
    assert not CallbackRule.objects.exists()

    client.force_login(estate["boss"])
    bad = client.post(reverse("callbacks:rules"), {**data, "days": 0})
    assert bad.status_code == 400 and "days" in bad.context["form"].errors
    response = client.post(reverse("callbacks:rules"), data, follow=True, **EN)
    rule = CallbackRule.objects.get()
    assert rule.days == 2 and rule.required_rate == Decimal("100") and rule.created_by == estate["boss"]
    assert "effective now, for new callbacks" in response.content.decode()
    assert rules.rule_for(estate=estate_obj, kind="complaint", at=NOW).days == 2


# ---- the chain on the source pages, and who may see what ---------------------------------------


def test_the_chain_appears_on_the_complaint_and_the_work_order_pages(client, estate):
    callback = complaint_callback(estate)
    services.callback_perform(callback=callback, method="phone", satisfaction="unsatisfied", owner_words="还漏",
                              shortcomings="仍渗水", now=NOW, actor=estate["desk"])
    resolve_complaint(estate, received=NOW, resolved=NOW + dt.timedelta(hours=2), complaint=callback.complaint)
    second = Callback.objects.get(complaint=callback.complaint, round=2)
    order = complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 12, 15, 0))
    client.force_login(estate["desk"])

    page = client.get(reverse("complaints:detail", args=[callback.complaint.pk]), **EN).content.decode()
    assert reverse("callbacks:detail", args=[callback.pk]) in page
    assert reverse("callbacks:detail", args=[second.pk]) in page and "2nd round" in page
    order_page = client.get(reverse("repairs:detail", args=[order.pk]), **EN).content.decode()
    assert reverse("callbacks:detail", args=[Callback.objects.get(work_order=order).pk]) in order_page
    detail = client.get(reverse("callbacks:detail", args=[second.pk]), **EN).content.decode()
    assert reverse("callbacks:detail", args=[callback.pk]) in detail and "The previous callback" in detail


def test_an_owner_gets_403_on_the_staff_pages(client, estate):
    callback = complaint_callback(estate)
    client.force_login(estate["owner"].user)
    for url in (reverse("callbacks:queue"), reverse("callbacks:week"), reverse("callbacks:rates"),
                reverse("callbacks:rules"), reverse("callbacks:spot_checks"),
                reverse("callbacks:detail", args=[callback.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(perform_url(callback), {"method": "phone", "satisfaction": "satisfied",
                                               "owner_words": "好"}).status_code == 403
    assert not CallbackResult.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_callback_page_renders_in_both_languages(client, estate, language):
    callback = complaint_callback(estate)
    client.force_login(estate["boss"])
    for url in (reverse("callbacks:queue"), reverse("callbacks:week"), reverse("callbacks:rates"),
                reverse("callbacks:rules"), reverse("callbacks:spot_checks"),
                reverse("callbacks:detail", args=[callback.pk])):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE=language).status_code == 200, url


def test_the_desk_registers_a_multi_day_service_with_its_planned_end(client, estate):
    client.force_login(estate["desk"])
    response = client.post(reverse("repairs:register"), {
        "estate": estate["unit"].estate_id, "unit_number": estate["unit"].number, "from_owner": "on",
        "kind": "special_service", "trade": "plumbing", "description": "全屋水管改造", "source": "phone",
        "price_item": estate["item"].pk, "appointment_at": "2026-05-14T09:00", "planned_end_at": "2026-05-17T18:00",
    })
    assert response.status_code == 302
    order = WorkOrder.objects.get(description="全屋水管改造")
    assert order.planned_end_at == sh(2026, 5, 17, 18, 0)


def _page_statements(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **EN)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_callback_page_reads_as_many_statements_after_many_rounds_as_after_one(client, estate):
    """The 1st of 2 rounds of one complaint, and the 4th of 6 rounds of another, both
    answered unsatisfied: the same statements, and the page still links the previous and
    the next round."""
    first = complaint_callback(estate)
    services.callback_perform(callback=first, method="phone", satisfaction="unsatisfied", owner_words="还漏",
                              shortcomings="仍渗水", now=NOW, actor=estate["desk"])
    resolve_complaint(estate, received=NOW, resolved=NOW + dt.timedelta(hours=1), complaint=first.complaint)
    chain = [complaint_callback(estate)]
    for n in range(5):
        services.callback_perform(callback=chain[-1], method="phone", satisfaction="unsatisfied",
                                  owner_words=f"还漏{n}", shortcomings=f"仍渗水{n}", now=NOW, actor=estate["desk"])
        resolve_complaint(estate, received=NOW, resolved=NOW + dt.timedelta(hours=n + 1),
                          complaint=chain[-1].complaint)
        chain.append(Callback.objects.get(complaint=chain[0].complaint, round=n + 2))
    middle = chain[3]
    client.force_login(estate["desk"])
    _page_statements(client, reverse("callbacks:detail", args=[first.pk]))  # the session's first read
    few, _ = _page_statements(client, reverse("callbacks:detail", args=[first.pk]))
    many, page = _page_statements(client, reverse("callbacks:detail", args=[middle.pk]))
    assert many == few
    assert reverse("callbacks:detail", args=[chain[2].pk]) in page and "The previous callback" in page
    assert reverse("callbacks:detail", args=[chain[4].pk]) in page and "The next callback" in page
    assert reverse("callbacks:detail", args=[chain[5].pk]) in page and "6th round" in page
