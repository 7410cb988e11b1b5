"""Performing callbacks, the rectification chain, the hourly repair, overdue alerts,
cancelling, corrections, online answers, rates and spot checks."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation
from PIL import Image, ImageDraw

from callbacks import jobs, selectors, services
from callbacks.models import TRANSITIONS, Callback, CallbackEvent, CallbackResult, Kind, RateCheck, SpotCheck, Status
from callbacks.receivers import on_complaint_resolved
from complaints.models import Status as ComplaintStatus
from complaints.signals import complaint_resolved
from propertydesk import states
from propertydesk.models import Notification
from repairs.models import Status as OrderStatus
from repairs.signature import signature_from_data_url
from tests.callbacks.conftest import complete_order, resolve_complaint, sh


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def signature() -> bytes:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (120, 20), (280, 100)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return signature_from_data_url("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())


def by_phone(callback, estate, satisfaction, now, **extra):
    return services.callback_perform(callback=callback, method="phone", satisfaction=satisfaction, now=now,
                                     actor=estate["desk"], owner_words=extra.pop("words", "挺好的，谢谢"), **extra)


# ---- the chain --------------------------------------------------------------------------


def test_unsatisfied_then_rectified_then_a_new_callback_then_satisfied_closes_the_complaint(estate):
    from complaints import services as complaints

    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    first = Callback.objects.get(complaint=complaint)

    # when: the owner is unsatisfied at the callback
    with pytest.raises(ValidationError) as caught:
        by_phone(first, estate, "unsatisfied", sh(2026, 5, 6, 10, 0), words="还是漏")
    assert "shortcomings" in caught.value.message_dict
    by_phone(first, estate, "unsatisfied", sh(2026, 5, 6, 10, 0), words="还是漏，天花板又湿了",
             shortcomings="雨后仍渗水")

    # then: the complaint is back in progress, no new callback yet
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.IN_PROGRESS and complaint.reopen_count == 1
    assert Callback.objects.filter(complaint=complaint).count() == 1
    # the reopening keeps the owner's words, not a sentence of ours in one language
    assert complaint.events.get(kind="reopened").note == "雨后仍渗水"
    told = Notification.objects.get(kind="callback.unsatisfied", recipient=estate["boss"])
    assert told.render("en") == (f"Owner unsatisfied at callback: {complaint.number}", "雨后仍渗水")
    assert told.render("zh-hans") == (f"回访中业主不满意：{complaint.number}", "雨后仍渗水")

    # when: it is resolved again, a new callback follows the first
    resolve_complaint(estate, complaint=complaint, received=None, resolved=sh(2026, 5, 8, 15, 0))
    second = Callback.objects.get(complaint=complaint, round=2)
    assert second.previous == first and second.due_on == dt.date(2026, 5, 11)

    # and: satisfied this time, the complaint closes
    by_phone(second, estate, "satisfied", sh(2026, 5, 10, 10, 0))
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    chain = selectors.callbacks_for_source(complaint=complaint)
    assert [(c.round, c.latest_result.satisfaction) for c in chain] == [(1, "unsatisfied"), (2, "satisfied")]
    with pytest.raises(ValidationError):
        complaints.complaint_reopen(complaint=complaint, reason="x", now=sh(2026, 5, 11), actor=None)


def test_an_unsatisfied_owner_sends_the_work_order_to_rework_and_the_next_completion_is_called_back(estate):
    from repairs import services as repairs

    order = complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 4, 11, 0))
    repairs.work_order_customer_verdict(order=order, satisfied=True, rating=4, signed_on_paper=True,
                                        now=sh(2026, 5, 4, 11, 5))
    first = Callback.objects.get(work_order=order)
    by_phone(first, estate, "unsatisfied", sh(2026, 5, 6, 10, 0), shortcomings="龙头又开始滴水")
    order.refresh_from_db()
    assert order.status == OrderStatus.REWORK
    rework = order.events.get(to_status=OrderStatus.REWORK)
    assert (rework.note, rework.data) == ("龙头又开始滴水", {"rectification": True})
    told = Notification.objects.get(kind="callback.unsatisfied", recipient=estate["boss"])
    assert told.render("en") == (f"Owner unsatisfied at callback: {order.number}", "龙头又开始滴水")

    repairs.work_order_complete(order=order, worker=estate["plumber"], now=sh(2026, 5, 7, 16, 0))
    second = Callback.objects.get(work_order=order, round=2)
    assert second.previous == first and second.due_on == dt.date(2026, 5, 10)


def test_face_to_face_needs_the_owners_signature_and_phone_the_owners_words(estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    with pytest.raises(ValidationError) as caught:
        services.callback_perform(callback=callback, method="face_to_face", satisfaction="satisfied",
                                  now=sh(2026, 5, 5, 10, 0), actor=estate["desk"])
    assert "signature" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.callback_perform(callback=callback, method="phone", satisfaction="satisfied",
                                  now=sh(2026, 5, 5, 10, 0), actor=estate["desk"])
    assert "owner_words" in caught.value.message_dict
    assert not CallbackResult.objects.exists()
    result = services.callback_perform(callback=callback, method="face_to_face", satisfaction="very_satisfied",
                                       quality="防水层重做，无渗漏", now=sh(2026, 5, 5, 10, 0), actor=estate["desk"],
                                       signature_png=signature())
    assert bytes(result.signature_png).startswith(b"\x89PNG") and result.signer_name == "李娜"


def test_a_done_callback_is_never_edited_a_correction_is_a_new_linked_record(estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    original = by_phone(callback, estate, "neutral", sh(2026, 5, 5, 10, 0), suggestions="希望早点通知")
    with pytest.raises(ValidationError):
        by_phone(callback, estate, "satisfied", sh(2026, 5, 5, 11, 0))
    correction = services.callback_correct(callback=callback, reason="建议记错了", suggestions="希望维修前电话通知",
                                           now=sh(2026, 5, 5, 11, 0), actor=estate["desk"])
    original.refresh_from_db()
    assert original.suggestions == "希望早点通知" and correction.corrects == original
    assert correction.satisfaction == "neutral"  # the satisfaction is not correctable
    assert selectors.latest_result(callback=callback) == correction


def test_only_a_supervisor_cancels_and_with_a_reason(estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    with pytest.raises(PermissionDenied):
        services.callback_cancel(callback=callback, reason="业主已搬走", now=sh(2026, 5, 5), actor=estate["desk"])
    with pytest.raises(ValidationError):
        services.callback_cancel(callback=callback, reason=" ", now=sh(2026, 5, 5), actor=estate["boss"])
    services.callback_cancel(callback=callback, reason="业主已搬走，联系不上", now=sh(2026, 5, 5), actor=estate["boss"])
    callback.refresh_from_db()
    assert callback.status == Status.CANCELLED and callback.cancelled_by == estate["boss"]
    with pytest.raises(ValidationError):
        by_phone(callback, estate, "satisfied", sh(2026, 5, 6))


def test_performing_or_cancelling_writes_one_event_and_a_finished_callback_moves_no_more(estate):
    # given: a complaint's callback and a repair's
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    done = Callback.objects.get(complaint=complaint)
    cancelled = Callback.objects.get(work_order=complete_order(estate, kind="minor_repair",
                                                               completed=sh(2026, 5, 4, 11, 0)))

    # when: one is performed, the other cancelled
    by_phone(done, estate, "satisfied", sh(2026, 5, 5, 10, 0))
    services.callback_cancel(callback=cancelled, reason="业主已搬走", now=sh(2026, 5, 5, 11, 0), actor=estate["boss"])

    # then: one event each, with who, when, from and to
    assert list(CallbackEvent.objects.order_by("at").values_list(
        "callback", "at", "actor", "from_status", "to_status", "note")) == [
        (done.pk, sh(2026, 5, 5, 10, 0), estate["desk"].pk, "due", "done", ""),
        (cancelled.pk, sh(2026, 5, 5, 11, 0), estate["boss"].pk, "due", "cancelled", "业主已搬走"),
    ]
    # and neither moves again, through the services or the helper itself
    with pytest.raises(ValidationError):
        services.callback_cancel(callback=done, reason="弄错了", now=sh(2026, 5, 6), actor=estate["boss"])
    with pytest.raises(ValidationError):
        by_phone(cancelled, estate, "satisfied", sh(2026, 5, 6))
    done.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        states.move(done, Status.DUE, TRANSITIONS, at=sh(2026, 5, 6), actor=estate["boss"])
    assert caught.value.messages == ["A callback that is Done cannot become Due."]
    assert CallbackEvent.objects.count() == 2
    assert dict(Callback.objects.values_list("pk", "status")) == {done.pk: "done", cancelled.pk: "cancelled"}


def test_the_owner_answers_online_when_offered(estate, sms_gateway, django_capture_on_commit_callbacks):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    owner_user = estate["owner"].user
    with pytest.raises(PermissionDenied):  # not offered yet
        services.callback_perform(callback=callback, method="online", satisfaction="satisfied",
                                  now=sh(2026, 5, 5, 9, 0), actor=owner_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.callback_offer_online(callback=callback, now=sh(2026, 5, 5, 9, 0), actor=estate["desk"])
        services.callback_offer_online(callback=callback, now=sh(2026, 5, 5, 9, 5), actor=estate["desk"])
    note = Notification.objects.get(kind="callback.offered", owner=estate["owner"])
    assert note.url.endswith(f"/callbacks/portal/{callback.pk}/")
    assert note.render("en") == (f"How did we do? {complaint.number}",
                                 "Please tell us whether you are satisfied. It takes a minute.")
    # offered twice, told once: by SMS in the owner's language (the estate's: Chinese)
    sms = note.deliveries.get(channel="sms")
    assert sms.status == "sent" and sms_gateway.messages()[sms.idempotency_key] == {
        "to": "13912345678", "text": f"请评价我们的服务：{complaint.number} 请告诉我们您是否满意，只需一分钟。"}
    services.callback_perform(callback=callback, method="online", satisfaction="satisfied", now=sh(2026, 5, 5, 20, 0),
                              actor=owner_user, suggestions="师傅很负责")
    callback.refresh_from_db()
    complaint.refresh_from_db()
    assert callback.status == Status.DONE and complaint.status == ComplaintStatus.CLOSED
    # the timeline's closing line is the callback's result, in each reader's language
    closed = complaint.events.get(kind="closed")
    assert closed.note == ""
    with translation.override("en"):
        assert closed.message == "Callback result: Satisfied."
    with translation.override("zh-hans"):
        assert closed.message == "回访结果：满意。"


# ---- the hourly job -------------------------------------------------------------------------


def test_the_hourly_job_makes_a_missed_callback_and_run_twice_makes_no_second(estate):
    # given: the event is lost (the receiver is not listening)
    complaint_resolved.disconnect(dispatch_uid="callbacks.complaint_resolved")
    try:
        complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    finally:
        complaint_resolved.connect(on_complaint_resolved, dispatch_uid="callbacks.complaint_resolved")
    assert not Callback.objects.exists()

    # when
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-04T18:20")
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-04T18:20")
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-04T19:20")

    # then: one callback, due by the rule from the resolution, marked as repaired
    callback = Callback.objects.get()
    assert callback.complaint == complaint and callback.due_on == dt.date(2026, 5, 7) and callback.created_by_job


def test_the_hourly_job_leaves_sources_that_have_their_callback_alone(estate):
    resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 4, 16, 0))
    assert jobs.hourly(as_of=sh(2026, 5, 4, 18, 20)).startswith("0 missing callbacks made")
    assert Callback.objects.count() == 2


def test_an_overdue_callback_alerts_the_assignee_and_supervisor_once(estate):
    resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))  # due 7 May
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-07T23:20")
    assert not Notification.objects.filter(kind="callback.overdue").exists()
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-08T00:20")
    call_command("runjob", "callbacks.hourly", "--as-of", "2026-05-08T01:20")
    alerted = Notification.objects.filter(kind="callback.overdue").order_by("recipient__username")
    assert [n.recipient.username for n in alerted] == ["boss", "desk"]
    number = Callback.objects.get().complaint.number
    assert alerted[0].render("en") == (f"Callback overdue: {number} (due 2026-05-07)", "Complaint resolved")
    assert alerted[0].render("zh-hans") == (f"回访逾期：{number}（回访期限 2026-05-07）", "投诉回访")
    assert Callback.objects.get().is_overdue(dt.date(2026, 5, 8))


# ---- rates and spot checks -------------------------------------------------------------------


def test_rates_per_kind_split_special_services_by_payment(estate):
    for day in (3, 4, 5):
        resolve_complaint(estate, received=sh(2026, 4, day, 9, 0), resolved=sh(2026, 4, day, 17, 0))
    cash = complete_order(estate, kind="special_service", completed=sh(2026, 4, 10, 11, 0), payment="cash")
    bank = [complete_order(estate, kind="special_service", completed=sh(2026, 4, 12 + n, 11, 0),
                           payment="bank_collection") for n in range(5)]
    complaints_due = list(Callback.objects.filter(kind=Kind.COMPLAINT).order_by("pk"))
    for callback in complaints_due[:2]:
        by_phone(callback, estate, "satisfied", sh(2026, 4, 20, 10, 0))
    by_phone(Callback.objects.get(work_order=cash), estate, "satisfied", sh(2026, 4, 20, 10, 0))
    for order in bank[:4]:
        by_phone(Callback.objects.get(work_order=order), estate, "satisfied", sh(2026, 5, 9, 10, 0))

    # when: the 10th's job
    call_command("runjob", "callbacks.monthly_rates", "--as-of", "2026-05-10T23:30")
    call_command("runjob", "callbacks.monthly_rates", "--as-of", "2026-05-10T23:30")

    # then
    rows = {(r.kind, r.payment): r for r in RateCheck.objects.all()}
    assert len(rows) == 3 and all(r.month == dt.date(2026, 4, 1) for r in rows.values())
    complaint_rate = rows[(Kind.COMPLAINT, "")]
    assert (complaint_rate.done, complaint_rate.owed, complaint_rate.rate) == (2, 3, Decimal("66.7"))
    assert not complaint_rate.meets  # 100 % required
    assert rows[(Kind.SPECIAL_COMPLETION, "cash")].meets  # 1 of 1
    bank_rate = rows[(Kind.SPECIAL_COMPLETION, "bank_collection")]
    assert (bank_rate.done, bank_rate.owed, bank_rate.required_rate, bank_rate.meets) == (4, 5, Decimal("80"), True)
    below = Notification.objects.filter(kind="callback.rate_below")
    assert below.count() == 1 and below.get().recipient == estate["boss"]
    assert below.get().render("en") == ("Callback rate below the requirement: Complaint resolved, 2026-04",
                                        "2 of 3 done (66.7%), 100% required.")
    assert below.get().render("zh-hans")[0] == "回访率未达要求：投诉回访，2026-04"


def test_spot_checks_are_a_supervisors_and_counted_per_month(estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    with pytest.raises(ValidationError):  # not done yet
        services.spot_check_record(callback=callback, method="phone", agrees=True, now=sh(2026, 5, 5),
                                   actor=estate["boss"])
    by_phone(callback, estate, "satisfied", sh(2026, 5, 5, 10, 0))
    with pytest.raises(PermissionDenied):
        services.spot_check_record(callback=callback, method="phone", agrees=True, now=sh(2026, 5, 6),
                                   actor=estate["desk"])
    with pytest.raises(ValidationError) as caught:
        services.spot_check_record(callback=callback, method="phone", agrees=False, now=sh(2026, 5, 6),
                                   actor=estate["boss"])
    assert "note" in caught.value.message_dict
    services.spot_check_record(callback=callback, method="phone", agrees=True, now=sh(2026, 5, 6, 10, 0),
                               actor=estate["boss"])
    services.spot_check_record(callback=callback, method="face_to_face", agrees=False, note="业主说没人回访过",
                               now=sh(2026, 5, 31, 23, 0), actor=estate["boss"])
    assert selectors.spot_checks_in_month(month=dt.date(2026, 5, 1)) == 2
    assert selectors.spot_checks_in_month(month=dt.date(2026, 6, 1)) == 0
    assert SpotCheck.objects.filter(agrees=False).count() == 1


def test_a_rework_the_customer_asked_for_moves_the_callback_still_due(estate):
    from repairs import services as repairs

    order = complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 4, 11, 0))
    repairs.work_order_customer_verdict(order=order, satisfied=False, rating=2, comment="还在滴水",
                                        now=sh(2026, 5, 4, 11, 5))
    repairs.work_order_complete(order=order, worker=estate["plumber"], now=sh(2026, 5, 6, 15, 0))
    callback = Callback.objects.get(work_order=order)
    assert (callback.round, callback.event_at, callback.due_on) == (1, sh(2026, 5, 6, 15, 0), dt.date(2026, 5, 9))


def test_the_rate_check_counts_only_what_was_due_by_then(estate):
    complete_order(estate, kind="major_works", completed=sh(2026, 4, 28, 11, 0))  # due 28 May
    complete_order(estate, kind="major_works", completed=sh(2026, 4, 2, 11, 0))   # due 2 May
    rows = selectors.month_rates(month=dt.date(2026, 4, 1), as_of=sh(2026, 5, 10, 23, 30))
    assert [(r.kind, r.owed, r.done) for r in rows] == [(Kind.MAJOR_WORKS, 1, 0)]
