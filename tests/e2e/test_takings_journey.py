"""The takings and a refused item in the browser: the night shift's clerk counts the takings
handed over (cash by hand), a short count needs its reason, and the handover then says who
received them and when; the supervisor reassigns one refused item and closes another with a
note. Both languages."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from desk import services
from desk.models import HandoverItem, ItemStatus
from tests.e2e.conftest import log_in
from tests.e2e.test_handover_journey import estate  # noqa: F401 (the fixture)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_the_night_shift_receives_the_takings_short_and_the_supervisor_settles_refused_items(
    page_for, screenshot, estate  # noqa: F811
):
    # given: the day clerk handed over ¥50.00 in cash and two open entries
    day = User.objects.get(username="day")
    now = timezone.now()
    locker = services.entry_add(estate=estate, author=day, text="快递柜3号柜门故障，厂家明早来修。", now=now)
    call = services.entry_add(estate=estate, author=day, text="3-1-1203 业主来电厨房漏水，答应今晚回电。",
                              priority="high", now=now)
    handover = services.handover_create(estate=estate, actor=day, now=now, notes="备用钥匙在服务台左侧抽屉。")

    # when: the night clerk sees the takings waiting on the today page and counts them
    night = page_for(locale="zh-CN")
    log_in(night, "night", PASSWORD)
    night.goto(night.base_url + "/desk/")
    expect(night.locator(f"[data-takings='{handover.pk}']")).to_be_visible()
    night.goto(night.base_url + f"/shift-log/handovers/{handover.pk}/")
    expect(night.locator("#takings-form input[name=counted_cash]")).to_have_value("")
    night.fill("input[name=counted_cash]", "45.00")
    night.click("#receive-takings")
    night.wait_for_load_state("networkidle")
    expect(night.locator("input[name=reason_cash]")).to_have_class(re.compile("is-invalid"))
    night.fill("input[name=reason_cash]", "找零多找了5元，已记入客服日志。")
    night.click("#receive-takings")
    night.wait_for_load_state("networkidle")
    # and refuses both items
    for entry in (locker, call):
        item = HandoverItem.objects.get(entry=entry)
        night.fill(f"#reason-{item.pk}", "厂家电话不在交接资料里。" if entry == locker else "没有业主电话，无法回电。")
        night.click(f"[data-refuse='{item.pk}']")
        night.wait_for_load_state("networkidle")

    # then: the handover says who received the takings, when, and the difference with its reason
    expect(night.locator("#takings-received")).to_contain_text("王芳")
    expect(night.locator("[data-difference='cash']")).to_contain_text("-5.00")
    expect(night.locator("[data-takings-status]")).to_contain_text("已签收（金额不符）")
    screenshot(night, "handover-takings-received-zh")

    # when: the supervisor sees the difference and the refusals, and settles both items
    boss = page_for(locale="zh-CN")
    log_in(boss, "boss", PASSWORD)
    boss.goto(boss.base_url + "/inbox/")
    expect(boss.locator("body")).to_contain_text("交班款项不符")
    boss.goto(boss.base_url + f"/shift-log/handovers/{handover.pk}/")
    locker_item, call_item = (HandoverItem.objects.get(entry=e) for e in (locker, call))
    expect(boss.locator(f"[data-settle='{call_item.pk}']")).to_be_visible()
    screenshot(boss, "refused-item-settle-zh")
    boss.select_option(f"#person-{call_item.pk}", label="王芳")
    boss.fill(f"#rnote-{call_item.pk}", "业主电话已补录，请今晚回电。")
    boss.click(f"[data-reassign='{call_item.pk}']")
    boss.wait_for_load_state("networkidle")
    expect(boss.locator(f"[data-assigned='{call_item.pk}']")).to_contain_text("夜班")
    expect(boss.locator(f"[data-assigned='{call_item.pk}']")).to_contain_text("王芳")
    expect(boss.locator(f"[data-acknowledge='{call_item.pk}']")).to_have_count(0)  # 王芳's to sign, not the boss's
    screenshot(boss, "refused-item-reassigned-zh")
    night.goto(night.base_url + "/desk/")
    expect(night.locator(f"[data-handover-item='{call_item.pk}']")).to_be_visible()

    # and in English: the takings received, the other refused item closed with a note
    boss_en = page_for(locale="en-US")
    log_in(boss_en, "boss", PASSWORD)
    boss_en.goto(boss_en.base_url + f"/shift-log/handovers/{handover.pk}/")
    expect(boss_en.locator("#takings-received")).to_contain_text("Received by")
    expect(boss_en.locator(f"[data-settle='{locker_item.pk}']")).to_contain_text("Reassign")
    screenshot(boss_en, "handover-takings-received-en")
    boss_en.fill(f"#cnote-{locker_item.pk}", "The maker's number is on the locker; engineering follows it up.")
    boss_en.click(f"[data-settle-close='{locker_item.pk}']")
    boss_en.wait_for_load_state("networkidle")
    expect(boss_en.locator(f"[data-item='{locker_item.pk}']")).to_contain_text("closed by the supervisor")
    screenshot(boss_en, "refused-item-settled-en")
    locker_item.refresh_from_db()
    call_item.refresh_from_db()
    assert (locker_item.status, call_item.status) == (ItemStatus.CLOSED, ItemStatus.PENDING)
    assert handover.takings.get(method="cash").counted == Decimal("45.00")
