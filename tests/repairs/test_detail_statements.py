"""The desk's work-order page reads a fixed number of statements, however long the
order's history: its timeline, the materials drawn, the customer's verdicts, its callbacks."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from repairs import services
from tests.repairs.conftest import at


def _paid_order(shop, *, description):
    """A special service registered at the desk from the price list, judged, dispatched
    to the plumber, taken, the price agreed on site."""
    order = services.work_order_register(
        unit=shop["unit"], owner=shop["owner"], kind="special_service", trade="plumbing", description=description,
        source="phone", price_item=shop["unblock"], actor=shop["desk"], now=at(0))
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(2))
    return order


def _on_site(shop, order, minute):
    services.work_order_take(order=order, worker=shop["plumber"], now=at(minute))
    services.work_order_arrive(order=order, worker=shop["plumber"], now=at(minute + 1))
    services.work_order_confirm_price(order=order, worker=shop["plumber"], price=Decimal("80"), now=at(minute + 2))


def _verdict(shop, order, minute, *, satisfied, comment):
    services.work_order_complete(order=order, worker=shop["plumber"], now=at(minute))
    return services.work_order_customer_verdict(
        order=order, satisfied=satisfied, rating=5 if satisfied else 2, comment=comment, signed_on_paper=satisfied,
        actor=shop["desk"], now=at(minute + 1))


def _statements(client, order):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("repairs:detail", args=[order.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_work_order_page_reads_as_many_statements_for_a_long_history_as_for_a_short_one(
    client, shop, time_machine
):
    # given: an order done at the first visit, with one material and the customer's signature
    short = _paid_order(shop, description="厨房下水道堵塞")
    _on_site(shop, short, 3)
    services.work_order_draw(order=short, kind="material", name="密封胶", quantity=Decimal("1"),
                             actor=shop["desk"], now=at(5))
    _verdict(shop, short, 10, satisfied=True, comment="")
    # and one passed between workers, reworked twice, settled by a supervisor, sent back
    # by a callback and done again, with six materials and four verdicts
    long = _paid_order(shop, description="卫生间漏水")
    for minute, worker in ((3, "plumber2"), (4, "plumber"), (5, "plumber2"), (6, "plumber")):
        services.work_order_dispatch(order=long, worker=shop[worker], actor=shop["desk"], now=at(minute))
    _on_site(shop, long, 7)
    for n in range(6):
        services.work_order_draw(order=long, kind="material", name=f"第{n + 1}种材料", quantity=Decimal("2"),
                                 actor=shop["desk"], now=at(10 + n))
    _verdict(shop, long, 20, satisfied=False, comment="还在渗水")
    _verdict(shop, long, 30, satisfied=False, comment="第二次仍然渗水")
    services.work_order_settle(order=long, rework=True, note="再修一次", actor=shop["boss"], now=at(35))
    _verdict(shop, long, 40, satisfied=True, comment="这次好了")
    services.work_order_rectify(order=long, reason="回访时业主说又漏了", actor=shop["desk"], now=at(50))
    _verdict(shop, long, 60, satisfied=True, comment="终于修好")
    time_machine.move_to(at(90), tick=False)

    client.force_login(shop["desk"])
    _statements(client, short)  # the first request of a session reads its own rows once
    few, short_page = _statements(client, short)
    many, long_page = _statements(client, long)

    assert short.events.count() < 10 and long.events.count() >= 20
    assert many == few
    # What the page shows is all there: every material, every verdict, every step.
    assert all(f"第{n}种材料" in long_page for n in range(1, 7)) and "密封胶" not in long_page
    assert all(words in long_page for words in ("还在渗水", "第二次仍然渗水", "这次好了", "终于修好"))
    assert "回访时业主说又漏了" in long_page and "再修一次" in long_page and "疏通下水道" in long_page
    assert "密封胶" in short_page and "第1种材料" not in short_page
