"""Two of the desk's everyday journeys, counted step by step (tests/e2e/steps.py): a
complaint taken on the phone and given to the right person, and a routine repair
registered and sent to a worker."""

import re
import time

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from repairs.models import Status, Worker, WorkOrder
from tests.e2e.conftest import log_in  # noqa: F401  (kept beside Journey for other journeys)
from tests.e2e.steps import Journey
from tests.factories import EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(transactional_db):
    estate = EstateFactory(name="翠湖花园", code="chh")
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    plumber = UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李")
    guard = UserFactory(username="guoqiang", role="front_desk", first_name="国强", last_name="刘")
    worker = Worker.objects.create(user=plumber, estate=estate, trades=["plumbing"])
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building__estate=estate)
    give_unit(owner, unit)
    return {"estate": estate, "unit": unit, "owner": owner, "worker": worker, "plumber": plumber, "guard": guard}


def test_phone_complaint_and_assignment(page_for, figure, people):
    started = time.perf_counter()
    journey = Journey("phone complaint and assignment")
    unit, guard = people["unit"], people["guard"]

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

    assign = desk.locator("#action-assign form")
    expect(assign.locator("select[name=department]")).to_have_value("security")
    assign.locator("select[name=assignee]").select_option(str(guard.pk))
    journey.submit(desk, assign.locator("button[type=submit]"))
    complaint.refresh_from_db()
    assert complaint.status == "assigned" and complaint.department == "security" and complaint.assignee == guard

    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 4, journey.figure(0)


def test_routine_repair_to_a_worker(page_for, figure, people):
    started = time.perf_counter()
    journey = Journey("routine repair to a worker")
    unit, worker = people["unit"], people["worker"]

    desk = page_for(locale="zh-CN")
    desk.role = "desk"
    journey.arrive(desk, "/work-orders/new/", "desk")
    form = desk.locator("#intake-form")
    form.locator("select[name=estate]").select_option(str(unit.estate_id))
    form.locator("input[name=unit_number]").fill("3-1-1203")
    form.locator("select[name=kind]").select_option("minor_repair")
    form.locator("select[name=trade]").select_option("plumbing")
    form.locator("textarea[name=description]").fill("厨房水龙头漏水")
    journey.submit(desk, form.locator("button[type=submit]"))
    order = WorkOrder.objects.get()
    expect(desk).to_have_url(re.compile(rf"/work-orders/{order.pk}/$"))

    judge = desk.locator("#action-judge form")
    judge.locator("input[name=decision][value=accept]").check()
    journey.submit(desk, judge.locator("button[type=submit]"))
    dispatch = desk.locator("#action-dispatch form")
    dispatch.locator("select[name=worker]").select_option(str(worker.pk))
    journey.submit(desk, dispatch.locator("button[type=submit]"))

    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.worker == worker
    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 5, journey.figure(0)
