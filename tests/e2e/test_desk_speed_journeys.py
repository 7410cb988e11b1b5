"""Two of the desk's everyday journeys, counted step by step (tests/e2e/steps.py): a
complaint taken on the phone and given to the right person, and a routine repair
registered and sent to a worker.

Counted on main before the one-step form and the department lists: the complaint 4 steps
(1 page + 3 submits: the login, the intake, the assignment), the repair 5 (1 page + 4
submits: the login, registering, judging, dispatching). The complaint's count stays 4:
its gain is that the list offers only the department's people, so the wrong one cannot
be chosen. The repair now takes 3."""

import re
import time

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from repairs.models import Status, Worker, WorkOrder
from tests.e2e.steps import Journey
from tests.e2e.test_renovation_journey import in_both_languages, switch_language
from tests.factories import EstateFactory, UnitFactory, UserFactory, give_unit, make_owner, works_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(transactional_db):
    EstateFactory(name="碧水湾", code="bsw")  # a second estate: the forms must start on the right one
    estate = EstateFactory(name="翠湖花园", code="chh")
    desk = works_in(UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈"),
                    estate, "customer_service")
    plumber = works_in(UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李"),
                       estate, "engineering")
    guard = works_in(UserFactory(username="guoqiang", role="front_desk", first_name="国强", last_name="刘"),
                     estate, "security")
    worker = Worker.objects.create(user=plumber, estate=estate, trades=["plumbing"])
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building__estate=estate)
    give_unit(owner, unit)
    return {"estate": estate, "unit": unit, "owner": owner, "worker": worker, "plumber": plumber, "guard": guard,
            "desk": desk}


def test_phone_complaint_and_assignment(page_for, screenshot, figure, people):
    started = time.perf_counter()
    journey = Journey("phone complaint and assignment")
    unit, guard, plumber = people["unit"], people["guard"], people["plumber"]

    desk = page_for(locale="zh-CN")
    desk.role = "desk"
    journey.arrive(desk, "/complaints/new/", "desk")
    desk.select_option("select[name=estate]", str(unit.estate_id))
    desk.fill("input[name=unit_number]", "3-1-12")
    desk.locator("#unit-suggestions .dropdown-item").first.click()
    expect(desk.locator("#owner-panel")).to_contain_text("李娜")
    desk.select_option("select[name=category]", "noise")
    desk.locator("label[for=urgency-normal]").click()
    desk.fill("textarea[name=description]", "楼下商铺每晚十一点后还在装卸货，很吵")
    journey.submit(desk, desk.locator("#intake-form button[type=submit]").last)
    complaint = Complaint.objects.get()
    expect(desk).to_have_url(re.compile(rf"/complaints/{complaint.pk}/$"))

    # the category's department is proposed, and only its people are offered
    assign = desk.locator("#action-assign form")
    department, assignee = assign.locator("select[name=department]"), assign.locator("select[name=assignee]")
    expect(department).to_have_value("security")
    expect(assignee.locator("option")).to_have_text(["请选择", "刘国强"])
    in_both_languages(desk, screenshot, "onestep-complaint-assign", end_in="zh-hans")
    # another department, another list (the page's script), and back
    department.select_option("engineering")
    expect(assignee.locator("option")).to_have_text(["请选择", "李建军"])
    department.select_option("security")
    assignee.select_option(str(guard.pk))
    journey.submit(desk, assign.locator("button[type=submit]"))
    expect(desk.locator(".alert-success")).to_contain_text(f"投诉 {complaint.number} 已派给保安部：刘国强。")

    complaint.refresh_from_db()
    assert complaint.status == "assigned" and complaint.department == "security" and complaint.assignee == guard
    assert plumber != complaint.assignee
    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 4, journey.figure(0)


def test_routine_repair_to_a_worker(page_for, screenshot, figure, people):
    started = time.perf_counter()
    journey = Journey("routine repair to a worker")
    unit, worker = people["unit"], people["worker"]

    desk = page_for(locale="zh-CN")
    desk.role = "desk"
    journey.arrive(desk, "/work-orders/new/", "desk")
    form = desk.locator("#intake-form")
    # the form starts on the clerk's own estate, ready to dispatch now
    expect(form.locator("select[name=estate]")).to_have_value(str(unit.estate_id))
    expect(form.locator("#next-step-dispatch")).to_be_checked()

    def fill():
        form.locator("input[name=unit_number]").fill("3-1-1203")
        form.locator("select[name=kind]").select_option("minor_repair")
        form.locator("select[name=trade]").select_option("plumbing")
        form.locator("textarea[name=description]").fill("厨房水龙头漏水")
        form.locator("select[name=worker]").select_option(str(worker.pk))

    for language, suffix in (("en", "en"), ("zh-hans", "zh")):
        switch_language(desk, language)
        desk.reload()
        fill()
        screenshot(desk, f"onestep-register-{suffix}")
    # register only hides the worker; back to dispatching now
    form.locator("label[for=next-step-register]").click()
    expect(desk.locator("#dispatch-fields")).to_be_hidden()
    expect(desk.locator("#register-submit")).to_have_text("登记派工单")
    form.locator("label[for=next-step-dispatch]").click()
    expect(desk.locator("#register-submit")).to_have_text("登记并派工")
    journey.submit(desk, desk.locator("#register-submit"))

    order = WorkOrder.objects.get()
    expect(desk).to_have_url(re.compile(rf"/work-orders/{order.pk}/$"))
    expect(desk.locator(".alert-success")).to_contain_text(f"派工单 {order.number} 已派给 李建军。")
    assert order.status == Status.DISPATCHED and order.worker == worker
    assert list(order.events.order_by("pk").values_list("to_status", flat=True)) == [
        Status.REGISTERED, Status.ACCEPTED, Status.DISPATCHED]
    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 3, journey.figure(0)


@pytest.mark.parametrize("locale, suffix, says", [("zh-CN", "zh", "请选择服务人员。"), ("en-US", "en", "Choose the worker.")])
def test_a_refused_dispatch_comes_back_on_the_form_with_nothing_registered(page_for, screenshot, people,
                                                                           locale, suffix, says):
    desk = page_for(locale=locale)
    desk.role = "desk"
    Journey().arrive(desk, "/work-orders/new/", "desk")
    form = desk.locator("#intake-form")
    form.locator("input[name=unit_number]").fill("3-1-1203")
    form.locator("select[name=kind]").select_option("minor_repair")
    form.locator("select[name=trade]").select_option("plumbing")
    form.locator("textarea[name=description]").fill("厨房水龙头漏水")
    desk.locator("#register-submit").click()  # dispatch now, but this estate's desk names the worker
    desk.wait_for_load_state("load")

    expect(desk.locator("#div_id_worker .invalid-feedback")).to_have_text(says)
    expect(form.locator("textarea[name=description]")).to_have_value("厨房水龙头漏水")
    assert WorkOrder.objects.count() == 0
    screenshot(desk, f"onestep-register-refused-{suffix}")
