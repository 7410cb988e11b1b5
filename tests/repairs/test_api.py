import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image, ImageDraw
from rest_framework.authtoken.models import Token

from fees.models import BankCollectionCharge, Receipt
from repairs import services
from repairs.models import DamageIncident, PriceItem, Status, Worker, WorkOrder
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.repairs.conftest import T0

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def token_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **JSON, **extra)


def register(shop, *, now=None, **fields) -> WorkOrder:
    fields = {"kind": "minor_repair", "trade": "plumbing", "source": "phone", "description": "厨房水龙头漏水",
              "owner": shop["owner"], **fields}
    return services.work_order_register(unit=fields.pop("unit", shop["unit"]), now=now or timezone.now(), **fields)


def dispatched(shop, worker="plumber", **fields) -> WorkOrder:
    order = register(shop, **fields)
    services.work_order_judge(order=order, accept=True, now=timezone.now(), actor=shop["desk"])
    return services.work_order_dispatch(order=order, worker=shop[worker], now=timezone.now(), actor=shop["desk"])


def owner_user(shop):
    owner = shop["owner"]
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    return owner.user


@pytest.fixture
def neighbour(shop):
    """Another owner in the same estate."""
    owner = make_owner(name="邻居", phone="13700001111")
    unit = UnitFactory(number="3-1-1204", building=shop["unit"].building)
    give_unit(owner, unit)
    return owner, unit


def signature_data_url() -> str:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 100), (150, 20), (280, 90)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_work_orders_need_a_login_and_a_role(client, shop):
    # given
    order = register(shop)

    # when / then
    assert client.get("/api/v1/work-orders/").status_code in (401, 403)
    assert client.get("/api/v1/price-items/").status_code in (401, 403)
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/api/v1/work-orders/").status_code == 403
    assert client.get(f"/api/v1/work-orders/{order.pk}/").status_code == 403


@time_machine.travel(T0, tick=True)  # an hour earlier must be the same year: numbers run per year
def test_staff_list_filters_by_status_kind_late_and_number(client, shop):
    # given: one order dispatched an hour after it came in, one just registered, one paid service
    late = register(shop, now=timezone.now() - timedelta(hours=1), description="一小时前报的")
    services.work_order_judge(order=late, accept=True, now=timezone.now(), actor=shop["desk"])
    services.work_order_dispatch(order=late, worker=shop["plumber"], now=timezone.now(), actor=shop["desk"])
    fresh = register(shop, trade="electrical", description="插座没电")
    paid = register(shop, kind="special_service", price_item=shop["unblock"], description="疏通")
    client.force_login(shop["desk"])

    def numbers(**params):
        resp = client.get("/api/v1/work-orders/", params)
        assert resp.status_code == 200
        return {o["number"] for o in resp.json()["results"]}

    # when / then
    assert numbers() == {late.number, fresh.number, paid.number}
    assert numbers(status="registered") == {fresh.number, paid.number}
    assert numbers(kind="special_service") == {paid.number}
    assert numbers(trade="electrical") == {fresh.number}
    assert numbers(late="true") == {late.number}
    assert numbers(worker=shop["plumber"].pk) == {late.number}
    assert numbers(q=fresh.number[-5:]) == {fresh.number}
    assert numbers(registered_before=(timezone.now() - timedelta(minutes=30)).isoformat()) == {late.number}
    assert client.get("/api/v1/work-orders/", {"status": "lost"}).status_code == 400
    late_row = next(o for o in client.get("/api/v1/work-orders/").json()["results"] if o["id"] == late.pk)
    assert late_row["dispatch_late_by"] >= 45 * 60 and late_row["is_late_for_dispatch"] is True
    assert (late_row["worker"], late_row["worker_name"]) == (shop["plumber"].pk, "plumber")
    assert (late_row["unit"], late_row["unit_number"]) == (shop["unit"].pk, "3-1-1203")


def test_owner_token_reaches_only_their_own_orders(client, shop, neighbour):
    # given
    auth = token_auth(owner_user(shop))
    mine = register(shop)
    other_owner, other_unit = neighbour
    theirs = register(shop, unit=other_unit, owner=other_owner)

    # when
    listed = client.get("/api/v1/work-orders/", **auth)
    other = client.get(f"/api/v1/work-orders/{theirs.pk}/", **auth)
    cancel_other = post(client, f"/api/v1/work-orders/{theirs.pk}/cancel/", **auth)
    filtered_to_theirs = client.get("/api/v1/work-orders/", {"unit": other_unit.pk}, **auth)

    # then
    assert [o["number"] for o in listed.json()["results"]] == [mine.number]
    assert (other.status_code, cancel_other.status_code) == (404, 404)
    assert filtered_to_theirs.json()["results"] == []
    assert client.get(f"/api/v1/work-orders/{mine.pk}/", **auth).status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == Status.REGISTERED


def test_the_requesters_phone_is_only_ever_masked(client, shop):
    # given
    order = register(shop, requester_phone="13812345678", requester_name="租户王先生", owner=None)
    client.force_login(shop["desk"])

    # when
    listed = client.get("/api/v1/work-orders/")
    detail = client.get(f"/api/v1/work-orders/{order.pk}/")

    # then
    for resp in (listed, detail):
        assert resp.status_code == 200
        assert "13812345678" not in resp.content.decode()
    assert detail.json()["requester_phone_masked"] == "138****5678"
    assert "requester_phone" not in detail.json()


def test_registration_errors_name_the_fields_and_save_nothing(client, shop, neighbour):
    # given
    client.force_login(shop["desk"])
    other_owner, _ = neighbour
    good = {"unit": shop["unit"].pk, "kind": "minor_repair", "trade": "plumbing", "source": "desk",
            "requester_name": "李娜", "description": "马桶堵了"}

    # when
    blank = post(client, "/api/v1/work-orders/", {**good, "description": " "})
    bad_kind = post(client, "/api/v1/work-orders/", {**good, "kind": "miracle"})
    no_source = post(client, "/api/v1/work-orders/", {k: v for k, v in good.items() if k != "source"})
    bad_phone = post(client, "/api/v1/work-orders/", {**good, "requester_phone": "12"})
    not_their_unit = post(client, "/api/v1/work-orders/", {**good, "owner": other_owner.pk})
    paid_without_item = post(client, "/api/v1/work-orders/", {**good, "kind": "special_service"})
    past = post(client, "/api/v1/work-orders/", {
        **good, "appointment_at": (timezone.now() - timedelta(hours=2)).isoformat()})

    # then
    assert (blank.status_code, set(blank.json())) == (400, {"description"})
    assert (bad_kind.status_code, set(bad_kind.json())) == (400, {"kind"})
    assert (no_source.status_code, set(no_source.json())) == (400, {"source"})
    assert (bad_phone.status_code, set(bad_phone.json())) == (400, {"requester_phone"})
    assert (not_their_unit.status_code, set(not_their_unit.json())) == (400, {"owner"})
    assert (paid_without_item.status_code, set(paid_without_item.json())) == (400, {"price_item"})
    assert (past.status_code, set(past.json())) == (400, {"appointment_at"})
    assert WorkOrder.objects.count() == 0


def test_a_paid_service_goes_from_registration_to_sign_off_over_the_api(client, shop):
    # given
    desk, plumber = shop["desk"], shop["plumber"]
    client.force_login(desk)

    # when: the desk registers the owner's call, judges it and dispatches the plumber
    created = post(client, "/api/v1/work-orders/", {
        "unit": shop["unit"].pk, "owner": shop["owner"].pk, "kind": "special_service", "trade": "plumbing",
        "source": "phone", "description": "厨房下水道堵塞", "price_item": shop["unblock"].pk,
        "appointment_at": (timezone.now() + timedelta(hours=3)).isoformat(),
    })
    assert created.status_code == 201
    order = created.json()
    url = f"/api/v1/work-orders/{order['id']}"
    judged = post(client, f"{url}/judge/", {"accept": True})
    sent = post(client, f"{url}/dispatch/", {"worker": plumber.pk})
    # the plumber does the job on his phone, with a token
    auth = token_auth(plumber.user)
    client.logout()
    taken = post(client, f"{url}/take/", **auth)
    arrived = post(client, f"{url}/arrive/", **auth)
    priced = post(client, f"{url}/confirm-price/", {"price": "80.00"}, **auth)
    drawn = post(client, f"{url}/draw/", {"kind": "tool", "name": "疏通机", "quantity": "1", "unit_label": "台"},
                 **auth)
    done = post(client, f"{url}/complete/", {"note": "已疏通"}, **auth)
    signed = post(client, f"{url}/verdict/", {
        "satisfied": True, "rating": 5, "comment": "很快", "signature": signature_data_url()}, **auth)
    paid = post(client, f"{url}/collect-payment/", {"method": "cash"}, **auth)

    # then
    assert (order["status"], order["owner"], order["source"]) == ("registered", shop["owner"].pk, "phone")
    assert order["requester_phone_masked"] == "139****5678"
    steps = (judged, sent, taken, arrived, priced, drawn, done, signed)
    assert [r.status_code for r in steps] == [200] * len(steps)
    assert [r.json()["status"] for r in steps] == [
        "accepted", "dispatched", "taken", "on_site", "on_site", "on_site", "completed", "signed_off"]
    final = signed.json()
    assert final["agreed_price"] == "80.00" and final["worker_name"] == "plumber"
    assert all(final[f] for f in ("judged_at", "dispatched_at", "taken_at", "arrived_at", "price_confirmed_at",
                                  "completed_at", "signed_off_at"))
    assert [(d["kind"], d["name"]) for d in final["draws"]] == [("tool", "疏通机")]
    assert [(a["satisfied"], a["rating"], a["signed_on"]) for a in final["acceptances"]] == [(True, 5, "pad")]
    assert "signature_png" not in final["acceptances"][0]
    assert paid.status_code == 200
    receipt = Receipt.objects.get(source=f"workorder:{order['id']}")
    assert paid.json() == {"payment_method": "cash", "amount": "80.00", "receipt_number": receipt.number,
                           "charge": None}


def test_an_illegal_step_is_refused_with_the_services_message(client, shop):
    # given
    order = register(shop)
    client.force_login(shop["desk"])

    # when
    dispatch = post(client, f"/api/v1/work-orders/{order.pk}/dispatch/", {"worker": shop["plumber"].pk}, **EN)
    refuse_unexplained = post(client, f"/api/v1/work-orders/{order.pk}/judge/", {"accept": False}, **EN)
    services.work_order_judge(order=order, accept=False, explanation="不属于物业维修范围", now=timezone.now(),
                              actor=shop["desk"])
    judge_again = post(client, f"/api/v1/work-orders/{order.pk}/judge/", {"accept": True}, **EN)

    # then
    assert dispatch.status_code == 400
    assert dispatch.json()["non_field_errors"][0] == "Judge the order before dispatching it."
    assert (refuse_unexplained.status_code, set(refuse_unexplained.json())) == (400, {"explanation"})
    assert judge_again.status_code == 400
    assert judge_again.json()["non_field_errors"][0] == "A work order that is Refused cannot become Accepted."
    order.refresh_from_db()
    assert order.status == Status.REFUSED and order.worker is None


def test_dispatch_errors_name_the_worker_field(client, shop):
    # given
    order = register(shop)
    services.work_order_judge(order=order, accept=True, now=timezone.now(), actor=shop["desk"])
    stranger = Worker.objects.create(user=UserFactory(username="far", role="engineering"),
                                     estate=UnitFactory().estate, trades=["plumbing"])
    url = f"/api/v1/work-orders/{order.pk}/dispatch/"
    client.force_login(shop["desk"])

    # when
    nobody = post(client, url, {})
    other_estate = post(client, url, {"worker": stranger.pk})
    wrong_trade = post(client, url, {"worker": shop["electrician"].pk})
    with_reason = post(client, url, {"worker": shop["electrician"].pk, "trade_override": "水电一起修"})

    # then
    assert [(r.status_code, set(r.json())) for r in (nobody, other_estate, wrong_trade)] == [(400, {"worker"})] * 3
    assert with_reason.status_code == 200
    assert (with_reason.json()["worker"], with_reason.json()["trade_override"]) == (shop["electrician"].pk, "水电一起修")


def test_only_the_assigned_worker_carries_the_order_on(client, shop):
    # given: dispatched to the first plumber
    order = dispatched(shop)
    url = f"/api/v1/work-orders/{order.pk}"

    # when: the other plumber tries, then the desk (no worker record), then the right one
    client.force_login(shop["plumber2"].user)
    take_other = post(client, f"{url}/take/", **EN)
    client.force_login(shop["desk"])
    take_desk = post(client, f"{url}/take/")
    client.force_login(shop["plumber"].user)
    taken = post(client, f"{url}/take/")
    client.force_login(shop["plumber2"].user)
    arrive_other = post(client, f"{url}/arrive/")
    engineer_without_record = UserFactory(username="eng2", role="engineering")
    client.force_login(engineer_without_record)
    arrive_nobody = post(client, f"{url}/arrive/")

    # then: another worker's order is not his business, so not even confirmed to exist (404)
    assert take_other.status_code == 404
    assert take_desk.status_code == 403
    assert taken.status_code == 200
    assert (arrive_other.status_code, arrive_nobody.status_code) == (404, 404)
    order.refresh_from_db()
    assert (order.status, order.worker, order.arrived_at) == (Status.TAKEN, shop["plumber"], None)


def test_owner_requests_through_the_portal_for_their_own_units_only(client, shop, neighbour):
    # given
    auth = token_auth(owner_user(shop))
    _, other_unit = neighbour

    # when
    mine = post(client, "/api/v1/work-orders/", {
        "unit": shop["unit"].pk, "kind": "special_service", "trade": "plumbing", "description": "下水道堵了",
        "price_item": shop["unblock"].pk, "source": "desk", "requester_name": "别人",
    }, **auth)
    theirs = post(client, "/api/v1/work-orders/", {
        "unit": other_unit.pk, "kind": "minor_repair", "trade": "plumbing", "description": "邻居家漏水",
    }, **auth)
    judge = post(client, f"/api/v1/work-orders/{mine.json()['id']}/judge/", {"accept": True}, **auth)

    # then
    assert mine.status_code == 201
    order = mine.json()
    assert (order["source"], order["owner"], order["requester_name"]) == ("portal", shop["owner"].pk, "李娜")
    assert theirs.status_code == 400 and set(theirs.json()) == {"unit"}
    assert judge.status_code == 403
    assert WorkOrder.objects.filter(unit=other_unit).count() == 0
    assert WorkOrder.objects.get().status == Status.REGISTERED


def test_owner_cancels_until_a_worker_has_the_order(client, shop):
    # given
    auth = token_auth(owner_user(shop))
    waiting = register(shop)
    with_worker = dispatched(shop)

    # when
    cancelled = post(client, f"/api/v1/work-orders/{waiting.pk}/cancel/", {"reason": "自己修好了"}, **auth)
    too_late = post(client, f"/api/v1/work-orders/{with_worker.pk}/cancel/", **auth, **EN)
    client.force_login(shop["desk"])
    desk_cancel = post(client, f"/api/v1/work-orders/{with_worker.pk}/cancel/")

    # then
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["void_reason"]) == ("voided", "自己修好了")
    assert too_late.status_code == 400
    assert too_late.json()["non_field_errors"][0].startswith("A worker already has this order.")
    assert desk_cancel.status_code == 403
    with_worker.refresh_from_db()
    assert with_worker.status == Status.DISPATCHED and WorkOrder.objects.count() == 2


def test_damage_is_reported_and_a_supervisor_agrees_the_compensation(client, shop):
    # given
    order = dispatched(shop)
    url = f"/api/v1/work-orders/{order.pk}"
    auth = token_auth(owner_user(shop))

    # when
    client.force_login(shop["plumber"].user)
    reported = post(client, f"{url}/report-damage/", {"description": "碰碎了洗手台边的花瓶"})
    damage = reported.json()["damages"][0]
    by_worker = post(client, f"{url}/settle-damage/", {"damage": damage["id"], "compensation": "200",
                                                       "agreement": "赔偿200元"})
    client.force_login(shop["boss"])
    no_agreement = post(client, f"{url}/settle-damage/", {"damage": damage["id"], "compensation": "200",
                                                          "agreement": ""})
    settled = post(client, f"{url}/settle-damage/", {"damage": damage["id"], "compensation": "200",
                                                     "agreement": "赔偿200元，业主同意"})
    client.logout()
    owner_view = client.get(f"{url}/", **auth).json()

    # then
    assert reported.status_code == 200 and damage["status"] == "reported"
    assert by_worker.status_code == 403
    assert (no_agreement.status_code, set(no_agreement.json())) == (400, {"agreement"})
    assert settled.status_code == 200
    assert [(d["status"], d["compensation"]) for d in settled.json()["damages"]] == [("settled", "200.00")]
    assert DamageIncident.objects.get().status == "settled"
    assert owner_view["damages"] == [] and owner_view["draws"] == []


def test_bank_collection_returns_the_charge(client, shop):
    # given: a paid service completed and signed on paper
    order = dispatched(shop, kind="special_service", price_item=shop["unblock"])
    now = timezone.now()
    worker = shop["plumber"]
    services.work_order_take(order=order, worker=worker, now=now)
    services.work_order_arrive(order=order, worker=worker, now=now)
    services.work_order_confirm_price(order=order, worker=worker, price=Decimal("80"), now=now)
    services.work_order_complete(order=order, worker=worker, now=now)
    client.force_login(shop["desk"])
    verdict = post(client, f"/api/v1/work-orders/{order.pk}/verdict/",
                   {"satisfied": True, "rating": 4, "signed_on_paper": True})

    # when
    charged = post(client, f"/api/v1/work-orders/{order.pk}/collect-payment/", {"method": "bank_collection"})
    again = post(client, f"/api/v1/work-orders/{order.pk}/collect-payment/", {"method": "cash"}, **EN)

    # then
    assert verdict.status_code == 200 and verdict.json()["acceptances"][0]["signed_on"] == "paper"
    assert charged.status_code == 200
    charge = BankCollectionCharge.objects.get()
    assert charged.json() == {"payment_method": "bank_collection", "amount": "80.00", "receipt_number": None,
                              "charge": charge.pk}
    assert again.status_code == 400 and again.json()["non_field_errors"][0] == "This order has been charged already."
    assert Receipt.objects.count() == 0


def test_a_bad_signature_is_an_error_on_the_signature_field(client, shop):
    # given
    order = dispatched(shop)
    now = timezone.now()
    for step in (services.work_order_take, services.work_order_arrive, services.work_order_complete):
        step(order=order, worker=shop["plumber"], now=now)
    client.force_login(shop["plumber"].user)

    # when
    resp = post(client, f"/api/v1/work-orders/{order.pk}/verdict/",
                {"satisfied": True, "rating": 5, "signature": "data:image/png;base64,bm90IGEgcG5n"})

    # then
    assert resp.status_code == 400 and set(resp.json()) == {"signature"}
    order.refresh_from_db()
    assert order.status == Status.COMPLETED and not order.acceptances.exists()


def test_a_supervisor_keeps_the_price_list_and_the_desk_only_reads_it(client, shop):
    # given
    estate = shop["unit"].estate
    item = {"estate": estate.pk, "name": "更换水龙头", "trade": "plumbing", "price": "50", "unit_label": "个"}

    # when
    client.force_login(shop["desk"])
    by_desk = post(client, "/api/v1/price-items/", item)
    desk_reads = client.get("/api/v1/price-items/", {"trade": "plumbing"})
    client.force_login(shop["boss"])
    created = post(client, "/api/v1/price-items/", item)
    duplicate = post(client, "/api/v1/price-items/", item)
    item_id = created.json()["id"]
    changed = client.patch(f"/api/v1/price-items/{item_id}/", {"price": "60.00", "active": False}, **JSON)
    deleted = client.delete(f"/api/v1/price-items/{item_id}/")

    # then
    assert by_desk.status_code == 403
    assert [i["name"] for i in desk_reads.json()["results"]] == ["疏通下水道"]
    assert created.status_code == 201 and created.json()["price"] == "50.00"
    assert (duplicate.status_code, set(duplicate.json())) == (400, {"name"})
    assert changed.status_code == 200 and (changed.json()["price"], changed.json()["active"]) == ("60.00", False)
    assert deleted.status_code == 405
    saved = PriceItem.objects.get(pk=item_id)
    assert (saved.price, saved.active, saved.estate) == (Decimal("60.00"), False, estate)


def test_owner_sees_the_offered_items_of_their_own_estate_only(client, shop):
    # given
    estate = shop["unit"].estate
    PriceItem.objects.create(estate=estate, name="清洗油烟机", trade="cleaning", price=Decimal("120"),
                             unit_label="台", active=False)
    elsewhere = PriceItem.objects.create(estate=UnitFactory().estate, name="开锁", trade="locksmith",
                                         price=Decimal("60"), unit_label="次")
    auth = token_auth(owner_user(shop))

    # when
    listed = client.get("/api/v1/price-items/", **auth)
    other = client.get(f"/api/v1/price-items/{elsewhere.pk}/", **auth)
    create = post(client, "/api/v1/price-items/", {"estate": estate.pk, "name": "x", "trade": "general",
                                                   "price": "1", "unit_label": "次"}, **auth)

    # then
    assert [i["name"] for i in listed.json()["results"]] == ["疏通下水道"]
    assert other.status_code == 404
    assert create.status_code == 403


def test_the_schema_lists_the_work_order_and_price_list_endpoints(client, shop):
    # given
    client.force_login(shop["desk"])

    # when
    schema = client.get("/api/v1/schema/")

    # then
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/work-orders/", "/api/v1/work-orders/{id}/confirm-price/",
                 "/api/v1/work-orders/{id}/collect-payment/", "/api/v1/price-items/{id}/"):
        assert path in body


def test_list_and_detail_query_counts_do_not_grow_with_the_rows(client, shop):
    # given
    client.force_login(shop["desk"])

    def add_orders(n):
        for _ in range(n):
            order = dispatched(shop)
            services.work_order_draw(order=order, kind="material", name="生料带", quantity=Decimal("1"),
                                     now=timezone.now(), actor=shop["desk"])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def draw_tool(order):
        services.work_order_draw(order=order, kind="tool", name="管钳", quantity=Decimal("1"), now=timezone.now(),
                                 actor=shop["desk"])

    # when
    add_orders(2)
    few = queries("/api/v1/work-orders/")
    add_orders(5)
    many = queries("/api/v1/work-orders/")
    order = WorkOrder.objects.first()
    one_draw = queries(f"/api/v1/work-orders/{order.pk}/")
    for _ in range(3):
        draw_tool(order)
    four_draws = queries(f"/api/v1/work-orders/{order.pk}/")

    # then
    assert many == few
    assert four_draws == one_draw
