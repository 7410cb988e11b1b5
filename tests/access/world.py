"""The fixture world of the access matrix: one estate, owner A with a unit and one of
everything the portal keeps about it, owner B next door, and one login per kind of user.

Owner A's complaint has a photo. Owner A's work orders: one dispatched to another worker (signed off, with the customer's
signature and a face-to-face callback signed too), one dispatched to the engineering user,
one in the shared pool of a trade the engineering user has. Fees: a bill, a part payment
with its receipt, the first dunning notice, an arrears case, an income statement."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from callbacks import services as callbacks
from callbacks.models import Callback, CallbackResult
from complaints import services as complaints
from complaints.models import ComplaintAttachment
from desk import services as desk_services
from desk.models import Handover, HandoverItem, LogEntry
from fees import services as fees
from fees.models import Bill, DunningNotice, FeeStandard, IncomeStatement, MonthReport
from gate import services as gate
from gate.models import CardApplication, ItemPass, ResidentLogin, Visit
from activities import services as activities
from activities.models import Activity
from notices import services as notices
from notices.models import Notice
from owners import services as owners
from owners.models import Owner, Ownership, Resident, Unit
from pages import services as page_services
from pages.models import DeskReport
from propertydesk.models import Delivery
from repairs import services as repairs
from repairs.models import Acceptance, DispatchRule, PriceItem, Worker, WorkOrder
from repairs.signature import signature_from_data_url
from renovation import services as renovation
from renovation.models import (
    PAPER_PARTIES,
    REQUIRED_DOCUMENTS,
    Party,
    Renovation,
    RenovationDocument,
    RenovationWorker,
    WorkerPass,
)
from tests import uploads
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner, resident_id

SH = ZoneInfo("Asia/Shanghai")
# The world's moment: the clock is held here while the matrix is requested.
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
USERS = ("anon", "owner_a", "owner_b", "desk", "supervisor", "engineering", "finance")


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def signature() -> bytes:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (120, 20), (280, 100)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return signature_from_data_url("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())


@dataclass
class World:
    users: dict
    estate: object
    unit_a: Unit
    unit_b: Unit
    owner_a: Owner
    owner_b: Owner
    ownership_a: Ownership
    resident_a: Resident
    complaint_a: object
    attachment_a: ComplaintAttachment
    suggestion_a: object
    order_other: WorkOrder   # owner A's, dispatched to another worker, signed off
    order_own: WorkOrder     # owner A's, dispatched to the engineering user
    order_pool: WorkOrder    # owner A's, in the shared pool of the engineering user's trade
    acceptance_other: Acceptance
    price_item: PriceItem
    callback_a: Callback
    callback_result_a: CallbackResult
    fee_standard: FeeStandard
    bill_a: Bill
    payment_a: object
    notice_a: DunningNotice
    statement: IncomeStatement
    delivery: Delivery | None
    renovation_a: Renovation      # owner A's, under way: permit issued, one worker with a pass
    renovation_worker_a: RenovationWorker
    pass_a: WorkerPass
    renovation_document_a: RenovationDocument
    announcement_a: Notice        # an emergency notice sent to owner A's unit alone
    visit_a: Visit                # a visitor to owner A's unit, still in
    item_pass_a: ItemPass         # owner A's tenant's pass for today, waiting for owner A
    card_a: CardApplication       # an access card for owner A's unit, applied for, not paid
    activity_a: Activity          # a tea party to come in owner A's estate, owner A's unit signed up
    entry_a: LogEntry | None = None          # a shift log entry about owner A's unit, handed over
    handover_a: Handover | None = None       # the day shift of the 20th, handed over by the supervisor
    item_a: HandoverItem | None = None       # entry_a in it, not signed for yet
    tenant_login_a: ResidentLogin | None = None  # resident_a's portal login (a tenant of unit A)
    desk_report_a: DeskReport | None = None   # the daily report of the 19th, counting owner A's estate
    month_report_a: MonthReport | None = None  # October's fee month report of owner A's estate


def build_world() -> World:
    users = {
        "desk": UserFactory(username="m_desk", role="front_desk", last_name="陈", first_name="丽华"),
        "supervisor": UserFactory(username="m_boss", role="supervisor"),
        "engineering": UserFactory(username="m_eng", role="engineering"),
        "finance": UserFactory(username="m_fin", role="finance"),
        "owner_a": UserFactory(username="m_owner_a"),
        "owner_b": UserFactory(username="m_owner_b"),
    }
    desk, boss = users["desk"], users["supervisor"]
    estate = EstateFactory(code="mx")
    building = BuildingFactory(estate=estate, number="3")
    unit_a = UnitFactory(building=building, number="3-1-1203", area=Decimal("100.00"))
    unit_b = UnitFactory(building=building, number="3-1-1204", area=Decimal("90.00"))
    owner_a = make_owner(name="甲业主", phone="13911112222")
    owner_b = make_owner(name="乙业主", phone="13933334444")
    ownership_a = give_unit(owner_a, unit_a)
    give_unit(owner_b, unit_b)
    for owner, user in ((owner_a, users["owner_a"]), (owner_b, users["owner_b"])):
        owner.user = user
        owner.save(update_fields=["user"])
    resident_a = owners.resident_add(unit=unit_a, name="甲租户", phone="13955556666", relation="tenant",
                                     move_in_date=dt.date(2026, 1, 1))

    complaint_a = complaints.complaint_register(
        unit=unit_a, owner=owner_a, channel="phone", category="noise", description="楼上夜间噪音",
        now=at(2), actor=desk, attachments=[uploads.upload("photo.jpg", uploads.jpeg_with_gps(), "image/jpeg")])
    suggestion_a = complaints.suggestion_submit(estate=estate, unit=unit_a, owner=owner_a, channel="phone",
                                                subject="增加绿化", content="希望多种树", now=at(2), actor=desk)

    other = Worker.objects.create(user=UserFactory(username="m_other", role="engineering"), estate=estate,
                                  trades=["plumbing"])
    mine = Worker.objects.create(user=users["engineering"], estate=estate, trades=["electrical"])
    price_item = PriceItem.objects.create(estate=estate, name="疏通下水道", trade="plumbing",
                                          price=Decimal("80.00"), unit_label="次")

    def order(worker, trade, kind="minor_repair", day=3):
        made = repairs.work_order_register(unit=unit_a, owner=owner_a, kind=kind, trade=trade,
                                           description="厨房下水道堵塞", source="phone", now=at(day), actor=desk)
        repairs.work_order_judge(order=made, accept=True, now=at(day, 9, 1), actor=desk)
        return repairs.work_order_dispatch(order=made, worker=worker, now=at(day, 9, 2), actor=desk)

    order_other = order(other, "plumbing")
    repairs.work_order_take(order=order_other, worker=other, now=at(3, 9, 5))
    repairs.work_order_arrive(order=order_other, worker=other, now=at(3, 10))
    repairs.work_order_complete(order=order_other, worker=other, now=at(3, 11))
    repairs.work_order_customer_verdict(order=order_other, satisfied=True, rating=5, signature_png=signature(),
                                        signer_name="甲业主", now=at(3, 11, 5), actor=other.user)
    order_own = order(mine, "electrical", day=4)
    DispatchRule.objects.create(estate=estate, kind="routine", mode="pool")
    order_pool = order(None, "electrical", kind="routine", day=5)

    callback_a = Callback.objects.get(work_order=order_other)
    callback_result_a = callbacks.callback_perform(
        callback=callback_a, method="face_to_face", satisfaction="satisfied", quality="好",
        signature_png=signature(), now=at(4), actor=desk)

    fee_standard = FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month",
                                              rate=Decimal("2.00"), effective_from=dt.date(2026, 1, 1))
    fees.fee_standard_publish(standard=fee_standard, now=at(1), actor=users["finance"])
    fees.bill_run(period=dt.date(2026, 11, 1), as_of=at(10, 0, 30))
    bill_a = Bill.objects.get(unit=unit_a)
    payment_a = fees.payment_take(unit=unit_a, amount=Decimal("50.00"), method="cash", payer_name="甲业主",
                                  now=at(12), actor=desk)
    fees.dunning_round(period=dt.date(2026, 11, 1), round_=1, as_of=at(16, 8))
    notice_a = DunningNotice.objects.get(unit=unit_a)
    fees.arrears_case_open(unit=unit_a, reason="dispute", note="对服务有异议", actor=boss, now=at(17))
    statement = fees.income_statement_save(
        estate=estate, title="2026年10月收支", period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
        lines=[{"kind": "income", "category": "物业服务费", "amount": Decimal("100.00")}], actor=users["finance"],
        now=at(18))
    renovation_a = _renovation(unit_a, owner_a, users)
    # October's month report, as the pages.month_report job makes it on the 2nd.
    page_services.month_report_store(month=dt.date(2026, 10, 1), as_of=at(2, 6), now=at(2, 6))
    announcement_a = notices.notice_publish(notice=notices.notice_create(
        estate=estate, kind="outage", emergency=True, audience="units", units=[unit_a.number], title="甲户停电通知",
        body="{place}电路抢修。", place="3号楼", starts_at=at(19, 9), ends_at=at(21, 18), now=at(19, 8), actor=desk),
        now=at(19, 8, 5), actor=desk)
    # The desk's daily report of the 19th and weekly report of Friday the 13th, as the jobs make them.
    page_services.desk_report_store(period="day", last_day=dt.date(2026, 11, 19), as_of=at(19, 16, 30),
                                    now=at(19, 16, 30))
    page_services.desk_report_store(period="week", last_day=dt.date(2026, 11, 13), as_of=at(13, 16, 30),
                                    now=at(13, 16, 30))
    visit_a = gate.visit_register(unit=unit_a, visitor_name="甲访客", id_number=resident_id(901), confirmed=True,
                                  confirmed_how="intercom", now=at(20, 9), actor=desk)
    item_pass_a = gate.item_pass_apply(unit=unit_a, day=dt.date(2026, 11, 20), via="portal", now=at(20, 8),
                                       lines=[gate.PassLine("旧沙发", 1)], applicant_resident=resident_a)
    card_a = gate.card_apply(unit=unit_a, kind="access_card", applicant=owner_a, holder_name="甲租户", now=at(20, 8),
                             actor=desk)

    activity_a = activities.activity_plan(estate=estate, title="重阳节茶话会", kind="cultural", place="会所",
                                          starts_at=at(28, 15), now=at(19, 9), actor=desk)
    activities.participation_record(activity=activity_a, unit=unit_a, owner=owner_a, attended=False, now=at(19, 10),
                                    actor=desk)
    entry_a = desk_services.entry_add(estate=estate, author=desk, text="甲户厨房漏水，明早回访", priority="high",
                                      unit=unit_a, complaint=complaint_a, now=at(20, 9))
    handover_a = desk_services.handover_create(estate=estate, actor=boss, now=at(20, 9, 30), notes="钥匙在保险柜")
    world = World(
        users=users, estate=estate, unit_a=unit_a, unit_b=unit_b, owner_a=owner_a, owner_b=owner_b,
        ownership_a=ownership_a, resident_a=resident_a, complaint_a=complaint_a,
        attachment_a=ComplaintAttachment.objects.get(complaint=complaint_a), suggestion_a=suggestion_a,
        order_other=order_other, order_own=order_own, order_pool=order_pool,
        acceptance_other=Acceptance.objects.get(work_order=order_other), price_item=price_item,
        callback_a=callback_a, callback_result_a=callback_result_a, fee_standard=fee_standard, bill_a=bill_a,
        payment_a=payment_a, notice_a=notice_a, statement=statement, delivery=Delivery.objects.first(),
        renovation_a=renovation_a, renovation_worker_a=renovation_a.workers.get(),
        pass_a=WorkerPass.objects.get(worker__renovation=renovation_a),
        renovation_document_a=renovation_a.documents.first(), announcement_a=announcement_a,
        visit_a=visit_a, item_pass_a=item_pass_a, card_a=card_a,
        activity_a=activity_a,
    )
    world.entry_a, world.handover_a, world.item_a = entry_a, handover_a, handover_a.items.get()
    # The tenants' table (matrix.TENANT_ROWS): owner A's tenant, who applied for item_pass_a,
    # and a tenant of owner B's unit.
    world.tenant_login_a = gate.resident_login_create(resident=resident_a, username="m_tenant_a",
                                                      password="x-Pass-123")
    resident_b = owners.resident_add(unit=unit_b, name="乙租户", phone="13977778888", relation="tenant",
                                     move_in_date=dt.date(2026, 1, 1))
    users["tenant_a"] = world.tenant_login_a.user
    users["tenant_b"] = gate.resident_login_create(resident=resident_b, username="m_tenant_b",
                                                   password="x-Pass-123").user
    world.desk_report_a = DeskReport.objects.get(period="day", last_day=dt.date(2026, 11, 19))
    # October's fee month report, as the fees.month_report job makes it on the report day.
    fees.month_report_generate(month=dt.date(2026, 10, 1), as_of=at(2, 6), estates=[estate])
    world.month_report_a = MonthReport.objects.get(estate=estate, month=dt.date(2026, 10, 1))
    return world


def _renovation(unit, owner, users) -> Renovation:
    """Owner A's renovation, applied for by the desk on the 18th, complete, paid and under
    way: the permit and one worker's pass issued."""
    desk = users["desk"]
    made = renovation.renovation_apply(
        unit=unit, owner=owner, scope="厨房翻新", planned_start=dt.date(2026, 11, 19), planned_end=dt.date(2026, 12, 31),
        contractor_name="锦华装饰工程有限公司", contractor_lead_name="赵建国", contractor_lead_phone="13700001111",
        contractor_lead_id_number=resident_id(900), now=at(18), actor=desk)
    for kind in REQUIRED_DOCUMENTS:
        renovation.renovation_document_add(renovation=made, kind=kind, uploads=[uploads.upload("p.png", uploads.png(),
                                                                                               "image/png")],
                                           now=at(18), actor=desk)
    renovation.worker_add(renovation=made, name="工人甲", id_number=resident_id(901, birth="19900101"), now=at(18), actor=desk,
                          id_copies=[uploads.upload("id.png", uploads.png(), "image/png")],
                          photos=[uploads.upload(f"w{n}.png", uploads.png(), "image/png") for n in (1, 2)])
    for paper, parties in PAPER_PARTIES.items():
        for party in parties:
            renovation.paper_sign(renovation=made, paper=paper, party=party, signature_png=signature(), now=at(18),
                                  actor=desk if party == Party.PROPERTY else owner.user)
    renovation.renovation_approve(renovation=made, now=at(18, 10), actor=desk)
    renovation.renovation_fees_take(renovation=made, method="cash", now=at(18, 11), actor=users["finance"])
    return renovation.permit_issue(renovation=made, now=at(18, 12), actor=desk)

