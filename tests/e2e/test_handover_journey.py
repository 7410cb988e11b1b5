"""The handover in the browser (交接班): the day shift's clerk writes in the shift log and
hands the shift over with its takings; the night shift's clerk signs for one item and
refuses the other with a reason; the supervisor has the refusal in the inbox and sees it
in the handover history. Every page in both languages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from desk.models import Handover, HandoverItem
from fees import services as fees
from fees.models import FeeStandard
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db, settings):
    """翠湖花园 with 3-1-1203 (李娜, who paid ¥50.00 in cash at the desk an hour ago), the
    day clerk 陈丽华, the night clerk 王芳 and the supervisor 刘强. The shifts are set round
    the real clock: the day shift ends in ten minutes, so the night shift may sign at once."""
    now = timezone.localtime()
    start, end = now - timedelta(hours=3), now + timedelta(minutes=10)
    settings.DESK_SHIFTS = f"day={start:%H:%M}-{end:%H:%M},night={end:%H:%M}-{start:%H:%M}"
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    unit = UnitFactory(building=BuildingFactory(estate=estate, number="3"), number="3-1-1203",
                       area=Decimal("100.00"))
    give_unit(make_owner(name="李娜", phone="13912345678"), unit)
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.00"),
                               effective_from=now.date().replace(day=1) - timedelta(days=40))
    fees.bill_run(period=now.date().replace(day=1), as_of=now - timedelta(hours=2))
    day = UserFactory(username="day", role="front_desk", last_name="陈", first_name="丽华")
    UserFactory(username="night", role="front_desk", last_name="王", first_name="芳")
    UserFactory(username="boss", role="supervisor", last_name="刘", first_name="强")
    fees.payment_take(unit=unit, amount=Decimal("50.00"), method="cash", payer_name="李娜",
                      now=now - timedelta(hours=1), actor=day)
    return estate


def test_the_night_shift_signs_for_one_item_and_refuses_another_which_the_supervisor_sees(
    page_for, screenshot, estate
):
    # when: the day clerk writes two entries in the shift log
    day = page_for(locale="zh-CN")
    log_in(day, "day", PASSWORD)
    day.goto(day.base_url + "/shift-log/")
    expect(day.locator("#current-shift")).to_contain_text("白班")
    day.fill("textarea[name=text]", "快递柜3号柜门故障，厂家明早来修。")
    day.click("#add-entry")
    day.wait_for_load_state("networkidle")
    day.fill("textarea[name=text]", "3-1-1203 业主来电厨房漏水，答应今晚回电。")
    day.select_option("select[name=priority]", "high")
    day.fill("input[name=unit]", "3-1-1203")
    day.click("#add-entry")
    day.wait_for_load_state("networkidle")
    expect(day.locator("#open-entries")).to_contain_text("3-1-1203 业主来电厨房漏水")
    screenshot(day, "desk-log-zh")

    # and hands the shift over: the takings by method, the two open items, a note
    day.click("#hand-over")
    day.wait_for_load_state("networkidle")
    expect(day.locator("#takings")).to_contain_text("现金")
    expect(day.locator("#takings-total")).to_contain_text("50.00")
    expect(day.locator("#carried li")).to_have_count(2)
    day.fill("textarea[name=notes]", "备用钥匙在服务台左侧抽屉。")
    screenshot(day, "desk-handover-new-zh")
    day.click("#confirm-handover")
    day.wait_for_load_state("networkidle")
    handover = Handover.objects.get()
    assert [t.total for t in handover.takings.all()] == [Decimal("50.00")]

    # then: both shifts see the items waiting on the desk's today page
    night = page_for(locale="zh-CN")
    log_in(night, "night", PASSWORD)
    night.goto(night.base_url + "/desk/")
    expect(night.locator("#today-handover [data-handover-item]")).to_have_count(2)
    day.goto(day.base_url + "/desk/")
    expect(day.locator("#today-handover [data-handover-item]")).to_have_count(2)

    # when: the night clerk signs for the parcel locker and refuses the call-back
    night.locator("#today-handover a").first.click()
    night.wait_for_load_state("networkidle")
    locker = HandoverItem.objects.get(entry__text__startswith="快递柜")
    call = HandoverItem.objects.get(entry__text__startswith="3-1-1203")
    night.click(f"[data-acknowledge='{locker.pk}']")
    night.wait_for_load_state("networkidle")
    night.click(f"[data-refuse='{call.pk}']")  # no reason: asked for one
    night.wait_for_load_state("networkidle")
    expect(night.locator(f"#reason-{call.pk}")).to_have_class(re.compile("is-invalid"))
    night.fill(f"#reason-{call.pk}", "没有业主电话，无法回电。")
    night.click(f"[data-refuse='{call.pk}']")
    night.wait_for_load_state("networkidle")
    expect(night.locator(f"[data-item='{locker.pk}']")).to_contain_text("已签收")
    expect(night.locator(f"[data-reason='{call.pk}']")).to_contain_text("没有业主电话，无法回电。")
    screenshot(night, "desk-handover-signed-zh")
    night.goto(night.base_url + "/desk/")
    expect(night.locator("#today-handover [data-handover-item]")).to_have_count(0)

    # then: the supervisor has the refusal in the inbox and in the handover history
    boss = page_for(locale="zh-CN")
    log_in(boss, "boss", PASSWORD)
    boss.goto(boss.base_url + "/inbox/")
    expect(boss.locator("body")).to_contain_text("交接事项被拒签")
    expect(boss.locator("body")).to_contain_text("没有业主电话，无法回电。")
    boss.goto(boss.base_url + "/shift-log/handovers/")
    expect(boss.locator(f"[data-handover='{handover.pk}'] [data-refused]")).to_contain_text("1")
    screenshot(boss, "desk-history-zh")
    boss.click(f"[data-handover='{handover.pk}'] a")
    boss.wait_for_load_state("networkidle")
    expect(boss.locator(f"[data-reason='{call.pk}']")).to_be_visible()

    # and in English: the log, the handover page, the handover and the history
    day_en = page_for(locale="en-US")
    log_in(day_en, "day", PASSWORD)
    day_en.goto(day_en.base_url + "/shift-log/")
    expect(day_en.locator("#current-shift")).to_contain_text("Day shift")
    screenshot(day_en, "desk-log-en")
    day_en.goto(day_en.base_url + "/shift-log/hand-over/")
    expect(day_en.locator("body")).to_contain_text("This shift has already been handed over.")
    screenshot(day_en, "desk-handover-new-en")
    boss_en = page_for(locale="en-US")
    log_in(boss_en, "boss", PASSWORD)
    boss_en.goto(boss_en.base_url + f"/shift-log/handovers/{handover.pk}/")
    expect(boss_en.locator(f"[data-item='{call.pk}']")).to_contain_text("refused")
    screenshot(boss_en, "desk-handover-en")
    boss_en.goto(boss_en.base_url + "/shift-log/handovers/")
    expect(boss_en.locator("#handover-list")).to_contain_text("1 refused")
    screenshot(boss_en, "desk-history-en")
    boss_en.goto(boss_en.base_url + "/inbox/")
    expect(boss_en.locator("body")).to_contain_text("Handover item refused")
