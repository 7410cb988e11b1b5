"""Acceptance with the customer's signature, materials, damage, the owner's cancel,
complaint → work order, the price list."""

import base64
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from PIL import Image, ImageDraw

from complaints import services as complaints
from complaints.models import ComplaintEvent
from propertydesk.models import Notification
from repairs import selectors, services
from repairs.models import Acceptance, DamageIncident, MaterialDraw, PriceItem, SignedOn, Status, WorkOrder
from repairs.signature import signature_from_data_url
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.repairs.conftest import T0, at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def png_data_url(*, ink: bool = True, size=(300, 120)) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line([(20, 80), (80, 30), (140, 90), (260, 40)], fill=(20, 20, 20, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def completed(shop, **kwargs) -> WorkOrder:
    fields = dict(unit=shop["unit"], owner=shop["owner"], kind="minor_repair", trade="plumbing",
                  description="卫生间地漏堵塞", source="phone", actor=shop["desk"], now=T0)
    fields.update(kwargs)
    order = services.work_order_register(**fields)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(5))
    services.work_order_take(order=order, worker=shop["plumber"], now=at(6))
    services.work_order_arrive(order=order, worker=shop["plumber"], now=at(30))
    return services.work_order_complete(order=order, worker=shop["plumber"], now=at(50))


# ---- the signature pad ---------------------------------------------------------


def test_a_drawn_signature_is_accepted_and_stored_as_png():
    stored = signature_from_data_url(png_data_url())
    assert stored.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("data_url, words", [
    ("", "not signed"),
    (png_data_url(ink=False), "empty"),
    ("data:image/png;base64,bm90IGEgcG5n", "could not be read"),
    ("data:image/png;base64,%%%", "could not be read"),
])
def test_an_empty_or_broken_signature_is_refused_with_a_message(data_url, words):
    with pytest.raises(ValidationError) as caught:
        signature_from_data_url(data_url)
    assert words in caught.value.messages[0]


# ---- acceptance ------------------------------------------------------------------


def test_the_customer_signs_on_the_phone_and_the_order_is_signed_off(shop):
    order = completed(shop)
    services.work_order_customer_verdict(
        order=order, satisfied=True, rating=5, comment="师傅很仔细", now=at(55), actor=shop["plumber"].user,
        signature_png=signature_from_data_url(png_data_url()),
    )
    acceptance = Acceptance.objects.get(work_order=order)
    assert WorkOrder.objects.get(pk=order.pk).status == Status.SIGNED_OFF
    assert acceptance.signed_on == SignedOn.PAD and bytes(acceptance.signature_png).startswith(b"\x89PNG")
    assert (acceptance.rating, acceptance.signer_name) == (5, "李娜")


def test_signing_off_needs_a_signature_and_a_rating_and_nothing_is_written_without(shop):
    order = completed(shop)
    with pytest.raises(ValidationError) as caught:
        services.work_order_customer_verdict(order=order, satisfied=True, rating=7, now=at(55))
    assert set(caught.value.message_dict) == {"rating", "signature"}
    assert WorkOrder.objects.get(pk=order.pk).status == Status.COMPLETED
    assert not Acceptance.objects.exists()


def test_the_desk_records_a_paper_signature(shop):
    order = completed(shop)
    services.work_order_customer_verdict(order=order, satisfied=True, rating=4, signed_on_paper=True,
                                         actor=shop["desk"], now=at(120))
    assert Acceptance.objects.get().signed_on == SignedOn.PAPER


def test_another_worker_cannot_record_the_customers_verdict(shop):
    order = completed(shop)
    with pytest.raises(PermissionDenied):
        services.work_order_customer_verdict(order=order, satisfied=True, rating=5, signed_on_paper=True,
                                             actor=shop["plumber2"].user, now=at(55))


def test_an_unhappy_verdict_is_kept_beside_the_later_happy_one(shop):
    order = completed(shop)
    services.work_order_customer_verdict(order=order, satisfied=False, rating=2, comment="还是慢",
                                         actor=shop["plumber"].user, now=at(55))
    services.work_order_complete(order=order, worker=shop["plumber"], now=at(80))
    services.work_order_customer_verdict(order=order, satisfied=True, rating=4, signed_on_paper=True,
                                         actor=shop["plumber"].user, now=at(85))
    assert list(Acceptance.objects.values_list("satisfied", "rating")) == [(False, 2), (True, 4)]


# ---- materials and tools ---------------------------------------------------------


def test_materials_and_tools_drawn_are_recorded_and_a_tool_is_returned_once(shop):
    order = completed(shop)
    services.work_order_customer_verdict(order=order, satisfied=False, rating=2, comment="还在堵",
                                         actor=shop["plumber"].user, now=at(55))
    tape = services.work_order_draw(order=order, kind="material", name="生料带", quantity=Decimal("2"),
                                    unit_label="卷", actor=shop["plumber"].user, now=at(56))
    snake = services.work_order_draw(order=order, kind="tool", name="管道疏通机", quantity=Decimal("1"),
                                     actor=shop["plumber"].user, now=at(56))
    assert snake.is_out and not tape.is_out
    services.work_order_return_tool(draw=snake, actor=shop["plumber"].user, now=at(90))
    with pytest.raises(ValidationError):
        services.work_order_return_tool(draw=snake, actor=shop["plumber"].user, now=at(91))
    with pytest.raises(ValidationError):
        services.work_order_return_tool(draw=tape, actor=shop["plumber"].user, now=at(91))
    assert MaterialDraw.objects.get(pk=snake.pk).returned_at == at(90)


def test_a_draw_names_its_bad_fields(shop):
    order = completed(shop)
    with pytest.raises(ValidationError) as caught:
        services.work_order_draw(order=order, kind="gold", name=" ", quantity=Decimal("0"), now=at(56))
    assert set(caught.value.message_dict) == {"kind", "name", "quantity"}


# ---- damage --------------------------------------------------------------------------


def test_damage_is_reported_to_the_supervisor_and_only_a_supervisor_agrees_compensation(shop):
    order = completed(shop)
    incident = services.damage_report(order=order, description="搬动时刮花了木地板", actor=shop["plumber"].user,
                                      now=at(51))
    assert Notification.objects.filter(kind="workorder.damage", recipient=shop["boss"]).count() == 1
    with pytest.raises(PermissionDenied):
        services.damage_settle(incident=incident, compensation=Decimal("300"), agreement="赔300元",
                               actor=shop["desk"], now=at(200))
    with pytest.raises(ValidationError) as caught:
        services.damage_settle(incident=incident, compensation=Decimal("-1"), agreement="", actor=shop["boss"],
                               now=at(200))
    assert set(caught.value.message_dict) == {"compensation", "agreement"}
    settled = services.damage_settle(incident=incident, compensation=Decimal("300.005"),
                                     agreement="与业主协商，赔偿地板修复费", actor=shop["boss"], now=at(200))
    assert (settled.status, settled.compensation) == ("settled", Decimal("300.01"))
    with pytest.raises(ValidationError):
        services.damage_settle(incident=incident, compensation=Decimal("1"), agreement="再议", actor=shop["boss"],
                               now=at(201))
    assert DamageIncident.objects.get().compensation == Decimal("300.01")


# ---- the owner ---------------------------------------------------------------------


def test_the_owner_cancels_before_dispatch_but_not_after(shop):
    owner = shop["owner"]
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    first = services.work_order_register(unit=shop["unit"], owner=owner, kind="minor_repair", trade="plumbing",
                                         description="水管异响", source="portal", now=T0)
    voided = services.work_order_cancel_by_owner(order=first, owner=owner, reason="", now=at(3))
    # no reason given: nothing of ours is stored in one language; the event says who cancelled
    event = voided.events.get(to_status=Status.VOIDED)
    assert voided.status == Status.VOIDED
    assert (voided.void_reason, event.note, event.data) == ("", "", {"by_owner": True})

    second = services.work_order_register(unit=shop["unit"], owner=owner, kind="minor_repair", trade="plumbing",
                                          description="水管异响", source="portal", now=T0)
    services.work_order_judge(order=second, accept=True, actor=shop["desk"], now=at(1))
    services.work_order_dispatch(order=second, worker=shop["plumber"], actor=shop["desk"], now=at(2))
    with pytest.raises(ValidationError) as caught:
        services.work_order_cancel_by_owner(order=second, owner=owner, reason="不用了", now=at(3))
    assert "call the service centre" in caught.value.messages[0]
    assert WorkOrder.objects.get(pk=second.pk).status == Status.DISPATCHED


def test_an_owner_cannot_cancel_or_see_a_neighbours_order(shop):
    neighbour = make_owner(name="王强", phone="13800001111")
    give_unit(neighbour, UnitFactory(number="3-1-1204", building=shop["unit"].building))
    order = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", description="水管异响", source="phone", now=T0)
    with pytest.raises(PermissionDenied):
        services.work_order_cancel_by_owner(order=order, owner=neighbour, reason="", now=at(1))
    assert list(selectors.owner_work_orders(owner=neighbour)) == []
    assert list(selectors.owner_work_orders(owner=shop["owner"])) == [order]


def test_the_owner_is_told_of_a_refusal_and_of_the_worker_assigned(shop, sms_gateway,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refused = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                               trade="plumbing", description="改造整个卫生间", source="phone", now=T0)
        services.work_order_judge(order=refused, accept=False, explanation="属于装修工程，请办理装修手续",
                                  actor=shop["desk"], now=at(1))
        order = completed(shop)
    notes = {n.kind: n for n in Notification.objects.filter(owner=shop["owner"])}
    assert set(notes) == {"workorder.refused", "workorder.assigned"}
    assert notes["workorder.refused"].render("en") == (
        f"We cannot take on work order {refused.number}", "属于装修工程，请办理装修手续")
    assert notes["workorder.assigned"].render("en") == (
        f"Work order {order.number}: a worker is assigned",
        f"{shop['plumber'].display_name} will come as soon as possible.")
    # by SMS too (the owner's preferred channel), once each, in the owner's language (the estate's: Chinese)
    texts = sorted(message["text"] for message in sms_gateway.messages().values())
    assert texts == sorted([
        f"派工单 {order.number}：已安排服务人员 {shop['plumber'].display_name} 将尽快上门。",
        f"很抱歉，派工单 {refused.number} 无法受理 属于装修工程，请办理装修手续",
    ])
    assert {message["to"] for message in sms_gateway.messages().values()} == {"13912345678"}


def test_an_owner_who_prefers_e_mail_is_told_by_e_mail(shop, sms_gateway, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    owner = shop["owner"]
    owner.email, owner.preferred_channel = "lina@example.com", "email"
    owner.save(update_fields=["email", "preferred_channel"])
    with django_capture_on_commit_callbacks(execute=True):
        order = services.work_order_register(unit=shop["unit"], owner=owner, kind="minor_repair", trade="plumbing",
                                             description="改造整个卫生间", source="phone", now=T0)
        services.work_order_judge(order=order, accept=False, explanation="属于装修工程，请办理装修手续",
                                  actor=shop["desk"], now=at(1))
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        (["lina@example.com"], f"很抱歉，派工单 {order.number} 无法受理", "属于装修工程，请办理装修手续")]
    assert sms_gateway.messages() == {}


def test_the_worker_assigned_is_told_in_the_language_of_whoever_reads_it(shop):
    # given: an appointment the next morning
    order = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", description="阳台地漏返水", source="phone", now=T0,
                                         appointment_at=T0.replace(day=3, hour=9, minute=30))
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))

    # when
    services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(2))

    # then: one stored message, read in English or in Chinese
    note = Notification.objects.get(owner=shop["owner"], kind="workorder.assigned")
    name = shop["plumber"].display_name
    assert note.render("en") == (f"Work order {order.number}: a worker is assigned",
                                 f"{name} will come on 2026-11-03 09:30.")
    assert note.render("zh-hans") == (f"派工单 {order.number}：已安排服务人员", f"{name} 将于 2026-11-03 09:30 上门。")
    assert "will come" not in str(note.params)  # parameters, not a sentence
    with translation.override("zh-hans"):
        assert note.subject == f"派工单 {order.number}：已安排服务人员"


# ---- complaint → work order ---------------------------------------------------------


def test_a_repair_complaint_becomes_a_work_order_and_its_timeline_says_so(shop):
    complaint = complaints.complaint_register(unit=shop["unit"], owner=shop["owner"], channel="phone",
                                              category="repair", description="阳台地漏返水", now=T0,
                                              actor=shop["desk"])
    order = services.work_order_from_complaint(complaint=complaint, kind="minor_repair", trade="plumbing",
                                               actor=shop["desk"], now=at(5))
    assert (order.source, order.complaint, order.owner, order.description) == (
        "complaint", complaint, shop["owner"], "阳台地漏返水")
    opened = ComplaintEvent.objects.get(complaint=complaint, kind="progress")
    assert opened.public and opened.note == ""
    with translation.override("en"):
        assert opened.message == f"Work order {order.number} opened for this repair."
    with translation.override("zh-hans"):
        assert opened.message == f"已为此报修开具派工单 {order.number}。"


def test_a_noise_complaint_does_not_become_a_work_order(shop):
    complaint = complaints.complaint_register(unit=shop["unit"], owner=shop["owner"], channel="phone",
                                              category="noise", description="楼上装修太吵", now=T0,
                                              actor=shop["desk"])
    with pytest.raises(ValidationError):
        services.work_order_from_complaint(complaint=complaint, kind="minor_repair", trade="general",
                                           actor=shop["desk"], now=at(5))
    assert not WorkOrder.objects.exists()


# ---- the price list -----------------------------------------------------------------


def test_supervisors_keep_the_price_list_and_a_duplicate_name_is_refused(shop):
    estate = shop["unit"].estate
    with pytest.raises(PermissionDenied):
        services.price_item_save(estate=estate, name="清洗油烟机", trade="cleaning", price=Decimal("120"),
                                 unit_label="台", actor=shop["desk"])
    item = services.price_item_save(estate=estate, name="清洗油烟机", trade="cleaning", price=Decimal("120"),
                                    unit_label="台", actor=shop["boss"])
    with pytest.raises(ValidationError) as caught:
        services.price_item_save(estate=estate, name="疏通下水道", trade="plumbing", price=Decimal("-5"),
                                 unit_label="", actor=shop["boss"])
    assert set(caught.value.message_dict) == {"name", "price", "unit_label"}
    services.price_item_save(item=item, estate=estate, name="清洗油烟机", trade="cleaning", price=Decimal("150"),
                             unit_label="台", active=False, actor=shop["boss"])
    assert PriceItem.objects.get(pk=item.pk).price == Decimal("150.00")
    assert item not in selectors.price_list(estate=estate)


# ---- who may do what ------------------------------------------------------------------


def test_workers_of_another_estate_neither_get_nor_take_the_order(shop):
    from repairs.models import Worker
    from tests.factories import EstateFactory

    stranger = Worker.objects.create(user=UserFactory(username="far", role="engineering"),
                                     estate=EstateFactory(), trades=["plumbing"])
    order = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", description="水管异响", source="phone", now=T0)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    with pytest.raises(ValidationError) as caught:
        services.work_order_dispatch(order=order, worker=stranger, trade_override="急", actor=shop["desk"], now=at(2))
    assert "another estate" in caught.value.message_dict["worker"][0]
    services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(2))
    with pytest.raises(PermissionDenied):
        services.work_order_take(order=order, worker=stranger, now=at(3))


def test_a_worker_cannot_void_an_order(shop):
    order = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", description="水管异响", source="phone", now=T0)
    with pytest.raises(PermissionDenied):
        services.work_order_void(order=order, reason="不修了", actor=shop["plumber"].user, now=at(1))
    assert WorkOrder.objects.get(pk=order.pk).status == Status.REGISTERED
