"""The complaint life cycle as the desk and the owner live it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from callbacks.models import Satisfaction
from complaints import messages, services
from complaints.models import Complaint, ComplaintPolicy, EventKind, Status
from propertydesk.messages import label, nested
from propertydesk.models import Notification
from propertydesk.outbox import idempotency_key
from tests.factories import UnitFactory, give_unit, make_owner, works_in

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def owner_unit(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    return owner, unit


def register(owner_unit, desk_user, **kwargs):
    owner, unit = owner_unit
    fields = dict(unit=unit, owner=owner, channel="phone", category="repair", urgency="normal",
                  description="卫生间天花板渗水", actor=desk_user, now=T0)
    fields.update(kwargs)
    return services.complaint_register(**fields)


@pytest.mark.parametrize("urgency, hours", [("emergency", 2), ("urgent", 24), ("normal", 72)])
def test_promise_follows_urgency(owner_unit, desk_user, urgency, hours):
    complaint = register(owner_unit, desk_user, urgency=urgency)
    assert complaint.promised_at == at(hours)


def test_promise_hours_are_the_estates_own(owner_unit, desk_user):
    _, unit = owner_unit
    ComplaintPolicy.objects.create(estate=unit.estate, emergency_hours=1, urgent_hours=12, normal_hours=48,
                                   repeat_threshold=3, repeat_window_days=90, cluster_threshold=3,
                                   cluster_window_days=30)
    assert register(owner_unit, desk_user, urgency="urgent").promised_at == at(12)


def test_earlier_promise_is_kept_and_a_later_one_needs_a_reason(owner_unit, desk_user):
    assert register(owner_unit, desk_user, promised_at=at(4)).promised_at == at(4)
    with pytest.raises(ValidationError) as caught:
        register(owner_unit, desk_user, promised_at=at(100))
    assert "promise_note" in caught.value.message_dict
    later = register(owner_unit, desk_user, promised_at=at(100), promise_note="业主下周才在家")
    assert later.promised_at == at(100)
    assert "业主下周才在家" in later.events.get(kind=EventKind.RECEIVED).note


def test_intake_names_missing_fields_and_saves_nothing(owner_unit, desk_user):
    with pytest.raises(ValidationError) as caught:
        register(owner_unit, desk_user, description=" ", category="weather", channel="pigeon")
    assert set(caught.value.message_dict) == {"description", "category", "channel"}
    assert Complaint.objects.count() == 0


def test_numbers_run_per_estate_and_year_without_gaps(owner_unit, desk_user):
    first = register(owner_unit, desk_user)
    with pytest.raises(ValidationError):
        register(owner_unit, desk_user, description="")
    second = register(owner_unit, desk_user)
    assert first.number.endswith("-TS2026-00001")
    assert second.number.endswith("-TS2026-00002")


def test_full_life_cycle_leaves_a_timeline_the_owner_can_follow(owner_unit, desk_user, engineer_user):
    # given
    complaint = register(owner_unit, desk_user)
    works_in(engineer_user, owner_unit[1].estate, "engineering")

    # when
    services.complaint_assign(complaint=complaint, department="engineering", assignee=engineer_user,
                              actor=desk_user, now=at(1))
    services.complaint_start(complaint=complaint, actor=engineer_user, now=at(2))
    services.complaint_add_progress(complaint=complaint, note="已上楼查看，楼上水管渗漏", actor=engineer_user, now=at(3))
    services.complaint_add_progress(complaint=complaint, note="楼上业主态度差", internal=True,
                                    actor=engineer_user, now=at(3.5))
    resolved = services.complaint_resolve(complaint=complaint, resolution="更换楼上水管接头", actor=engineer_user,
                                          now=at(30))

    # then
    assert resolved.status == Status.RESOLVED and resolved.late_by is None
    kinds = list(complaint.events.filter(public=True).values_list("kind", flat=True))
    assert kinds == ["received", "assigned", "started", "progress", "resolved"]
    assert complaint.events.get(public=False).note == "楼上业主态度差"
    owner_messages = Notification.objects.filter(owner=owner_unit[0]).values_list("kind", flat=True)
    assert set(owner_messages) == {"complaint.received", "complaint.progress", "complaint.resolved"}


@pytest.mark.parametrize("status_path, target", [
    ([], "start"), ([], "resolve"), (["assign"], "resolve"), (["assign", "start", "resolve"], "start"),
    (["assign", "start", "resolve"], "assign"), (["assign", "start"], "reopen"),
])
def test_illegal_moves_are_refused_with_a_message(owner_unit, desk_user, supervisor_user, status_path, target):
    complaint = register(owner_unit, desk_user)
    steps = {
        "assign": lambda c: services.complaint_assign(complaint=c, department="engineering", actor=desk_user, now=at(1)),
        "start": lambda c: services.complaint_start(complaint=c, actor=desk_user, now=at(2)),
        "resolve": lambda c: services.complaint_resolve(complaint=c, resolution="ok", actor=desk_user, now=at(3)),
        "reopen": lambda c: services.complaint_reopen(complaint=c, reason="not fixed", actor=desk_user, now=at(4)),
    }
    for step in status_path:
        steps[step](complaint)
    before = Complaint.objects.get(pk=complaint.pk).status
    with pytest.raises(ValidationError) as caught:
        steps[target](complaint)
    assert "cannot become" in caught.value.messages[0]
    assert Complaint.objects.get(pk=complaint.pk).status == before


def test_only_a_supervisor_reassigns(owner_unit, desk_user, supervisor_user, engineer_user):
    complaint = register(owner_unit, desk_user)
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    with pytest.raises(PermissionDenied):
        services.complaint_assign(complaint=complaint, department="security", actor=desk_user, now=at(2))
    services.complaint_assign(complaint=complaint, department="security", actor=supervisor_user, now=at(2))
    assert Complaint.objects.get(pk=complaint.pk).department == "security"
    assert complaint.events.filter(kind=EventKind.REASSIGNED).count() == 1


def test_a_closed_complaint_only_closes_through_its_callback(owner_unit, desk_user):
    complaint = register(owner_unit, desk_user)
    with pytest.raises(ValidationError):
        services.complaint_close_after_callback(complaint=complaint, callback_note="满意", now=at(1))
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    services.complaint_start(complaint=complaint, actor=desk_user, now=at(2))
    services.complaint_resolve(complaint=complaint, resolution="修好了", actor=desk_user, now=at(3))
    closed = services.complaint_close_after_callback(complaint=complaint, callback_note="回访：业主满意", now=at(50))
    assert closed.status == Status.CLOSED and closed.closed_at == at(50)
    with pytest.raises(ValidationError):
        services.complaint_reopen(complaint=complaint, reason="again", actor=desk_user, now=at(60))


def test_paused_time_is_added_to_the_promise(owner_unit, desk_user):
    # given: promised at +72 h
    complaint = register(owner_unit, desk_user)
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    services.complaint_start(complaint=complaint, actor=desk_user, now=at(2))

    # when: 20 hours waiting for parts
    services.complaint_pause(complaint=complaint, reason="parts", note="等待水泵配件", actor=desk_user, now=at(10))
    with pytest.raises(ValidationError):
        services.complaint_pause(complaint=complaint, reason="parts", actor=desk_user, now=at(11))
    resumed = services.complaint_resume(complaint=complaint, actor=desk_user, now=at(30))

    # then
    assert resumed.promised_at == at(92)
    assert [e.kind for e in complaint.events.filter(kind__in=["paused", "resumed"])] == ["paused", "resumed"]
    assert "等待水泵配件" in complaint.events.get(kind="paused").note


def test_resolving_while_paused_ends_the_pause_and_a_breach_records_how_late(owner_unit, desk_user):
    complaint = register(owner_unit, desk_user, urgency="emergency")  # promised at +2 h
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(0.5))
    services.complaint_start(complaint=complaint, actor=desk_user, now=at(0.6))
    services.complaint_pause(complaint=complaint, reason="third_party", note="等自来水公司", actor=desk_user, now=at(1))
    resolved = services.complaint_resolve(complaint=complaint, resolution="恢复供水", actor=desk_user, now=at(7))
    # promise 2 h + 6 h paused = 8 h: resolved at 7 h is on time
    assert resolved.promised_at == at(8) and resolved.late_by is None
    assert not resolved.pauses.filter(ended_at__isnull=True).exists()

    late = register(owner_unit, desk_user, urgency="emergency")
    services.complaint_assign(complaint=late, department="engineering", actor=desk_user, now=at(0.5))
    services.complaint_start(complaint=late, actor=desk_user, now=at(1))
    late = services.complaint_resolve(complaint=late, resolution="修复", actor=desk_user, now=at(5.5))
    assert late.late_by == dt.timedelta(hours=3.5)


def test_reopening_counts_and_gives_a_new_promise(owner_unit, desk_user):
    complaint = register(owner_unit, desk_user, urgency="urgent")
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    services.complaint_start(complaint=complaint, actor=desk_user, now=at(2))
    services.complaint_resolve(complaint=complaint, resolution="补胶", actor=desk_user, now=at(20))
    reopened = services.complaint_reopen(complaint=complaint, reason="回访时仍在渗水", actor=desk_user, now=at(80))
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.reopen_count == 1 and reopened.resolved_at is None
    assert reopened.promised_at == at(80 + 24)


def test_suggestion_answer_reaches_the_owner_and_only_a_supervisor_decides(owner_unit, desk_user, supervisor_user):
    owner, unit = owner_unit
    suggestion = services.suggestion_submit(estate=unit.estate, unit=unit, owner=owner, channel="portal",
                                            subject="增加快递柜", content="建议在3栋大堂增加快递柜", now=T0)
    with pytest.raises(ValidationError):  # not reviewed yet
        services.suggestion_decide(suggestion=suggestion, adopt=True, reply="谢谢", actor=supervisor_user, now=at(1))
    services.suggestion_start_review(suggestion=suggestion, actor=desk_user, now=at(1))
    with pytest.raises(PermissionDenied):
        services.suggestion_decide(suggestion=suggestion, adopt=True, reply="谢谢", actor=desk_user, now=at(2))
    with pytest.raises(ValidationError) as caught:
        services.suggestion_decide(suggestion=suggestion, adopt=True, reply=" ", actor=supervisor_user, now=at(2))
    assert "reply" in caught.value.message_dict
    decided = services.suggestion_decide(suggestion=suggestion, adopt=True, reply="感谢建议，下月安装。",
                                         actor=supervisor_user, now=at(3))
    assert decided.status == "adopted"
    note = Notification.objects.get(owner=owner, kind="suggestion.decided")
    assert note.body == "感谢建议，下月安装。"


def test_each_suggestion_move_leaves_one_event_with_who_and_when(owner_unit, desk_user, supervisor_user):
    # given
    owner, unit = owner_unit
    suggestion = services.suggestion_submit(estate=unit.estate, unit=unit, owner=owner, channel="portal",
                                            subject="增加快递柜", content="建议在3栋大堂增加快递柜", now=T0)

    # when: reviewed, then declined; a second decision is refused
    services.suggestion_start_review(suggestion=suggestion, actor=desk_user, now=at(1))
    services.suggestion_decide(suggestion=suggestion, adopt=False, reply="大堂空间不足，暂不安装。",
                               actor=supervisor_user, now=at(3))
    with pytest.raises(ValidationError) as caught:
        services.suggestion_decide(suggestion=suggestion, adopt=True, reply="改为采纳", actor=supervisor_user,
                                   now=at(4))

    # then
    assert caught.value.messages == ["A suggestion that is Declined cannot become Adopted."]
    assert list(suggestion.events.values_list("at", "actor", "from_status", "to_status", "note")) == [
        (at(1), desk_user.pk, "received", "under_review", ""),
        (at(3), supervisor_user.pk, "under_review", "declined", "大堂空间不足，暂不安装。"),
    ]


def test_the_timeline_speaks_the_readers_language_whatever_the_clerk_used(owner_unit, desk_user):
    # given: an English-speaking clerk assigns the complaint
    complaint = register(owner_unit, desk_user)
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    event = complaint.events.get(kind=EventKind.ASSIGNED)

    # then: each reader gets the sentence in their own language
    with translation.override("en"):
        assert event.message == "Assigned to Engineering."
    with translation.override("zh-hans"):
        assert "工程部" in event.message and "Assigned" not in event.message


def test_messages_to_the_owner_store_no_sentence_and_read_in_the_readers_language(owner_unit, desk_user):
    # given: the clerk's screen is in English (autouse fixture)
    complaint = register(owner_unit, desk_user)

    # when
    note = Notification.objects.get(owner=owner_unit[0], kind="complaint.received")

    # then: the row holds the number and the moment; each reader gets their own sentence
    assert note.params == {"number": complaint.number, "time": {"$at": at(72).isoformat()}}
    assert note.render("en") == (f"Complaint {complaint.number} received",
                                 "We will handle it by 2026-11-05 09:00 and keep you informed.")
    assert note.render("zh-hans") == (f"您的投诉 {complaint.number} 已受理",
                                      "我们将于 2026-11-05 09:00 前为您处理，并及时向您反馈处理进度。")


def reads(owner, language: str, settings) -> None:
    """``owner`` reads ``language``: their own choice where the registry keeps one, else the
    house language they fall back on."""
    settings.LANGUAGE_CODE = language
    if any(field.name == "language" for field in type(owner)._meta.get_fields()):
        owner.language = language
        owner.save(update_fields=["language"])


@pytest.mark.parametrize("language, progress, opened", [
    ("en", "Progress on complaint %s", "Work order WO-7 opened for this repair."),
    ("zh-hans", "您的投诉 %s 有新的处理进度", "已为此报修开具派工单 WO-7。"),
])
def test_a_system_note_reads_the_same_in_the_owners_inbox_sms_and_timeline(
    db, desk_user, sms_gateway, django_capture_on_commit_callbacks, settings, language, progress, opened,
):
    # given: an owner who is told by SMS and reads ``language``
    owner = make_owner(name="Lin Hua", phone="13912340007", preferred_channel="sms")
    unit = UnitFactory(number="6-2-602")
    give_unit(owner, unit)
    reads(owner, language, settings)

    # when: the desk takes the complaint and a work order is opened for it (the system's note)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.complaint_register(unit=unit, owner=owner, channel="phone", category="repair",
                                                description="阳台地漏返水", actor=desk_user, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_add_progress(complaint=complaint, now=at(1),
                                        note_message=nested(messages.WORK_ORDER_OPENED, {"number": "WO-7"}))

    # then: the inbox, the SMS and the timeline say the same, in the owner's language
    note = Notification.objects.get(owner=owner, kind=messages.PROGRESS)
    assert note.params == {"number": complaint.number, "note": nested(messages.WORK_ORDER_OPENED, {"number": "WO-7"})}
    assert note.render(language) == (progress % complaint.number, opened)
    sms = sms_gateway.messages()[idempotency_key(note.pk, "sms")]
    assert sms == {"to": "13912340007", "text": f"{progress % complaint.number} {opened}"}
    event = complaint.events.get(kind=EventKind.PROGRESS)
    assert event.note == "" and event.public
    with translation.override(language):
        assert event.message == opened
    assert len(sms_gateway.messages()) == 2  # received, progress: nothing else, nothing twice


def test_a_callback_result_closes_the_timeline_in_the_readers_language(owner_unit, desk_user):
    # given: a resolved complaint
    complaint = register(owner_unit, desk_user)
    services.complaint_assign(complaint=complaint, department="engineering", actor=desk_user, now=at(1))
    services.complaint_start(complaint=complaint, actor=desk_user, now=at(2))
    services.complaint_resolve(complaint=complaint, resolution="修好了", actor=desk_user, now=at(3))

    # when: its callback found the owner satisfied (the callbacks app passes the result as a message)
    services.complaint_close_after_callback(
        complaint=complaint, now=at(50),
        note_message=nested(messages.CALLBACK_RESULT, {"satisfaction": label(Satisfaction.VERY_SATISFIED)}),
    )

    # then
    closed = complaint.events.get(kind=EventKind.CLOSED)
    assert closed.note == ""
    with translation.override("en"):
        assert closed.message == "Callback result: Very satisfied."
    with translation.override("zh-hans"):
        assert closed.message == "回访结果：非常满意。"


def test_a_progress_note_needs_words_or_a_system_message(owner_unit, desk_user):
    complaint = register(owner_unit, desk_user)
    with pytest.raises(ValidationError) as caught:
        services.complaint_add_progress(complaint=complaint, note=" ", actor=desk_user, now=at(1))
    assert "note" in caught.value.message_dict
    assert not complaint.events.filter(kind=EventKind.PROGRESS).exists()
