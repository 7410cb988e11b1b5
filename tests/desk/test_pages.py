"""The shift log's pages and API as the desk uses them: the log with its form, the
handover before and after it is confirmed, signing for and refusing, the supervisors'
history, the today page's block of items waiting."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from desk import services
from desk.models import Handover, HandoverItem, ItemStatus, LogEntry
from tests.desk.conftest import DAY, HANDOVER_AT, NIGHT


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_desk_writes_an_entry_tied_to_a_unit_and_sees_it_open(place, time_machine):
    time_machine.move_to(DAY, tick=False)
    desk = login(place["day"])

    answer = desk.post(reverse("desk:log"), {"estate": place["estate"].pk, "text": "1-1-101 门禁卡失效",
                                              "priority": "high", "unit": "1-1-101"})

    assert answer.status_code == 302
    entry = LogEntry.objects.get()
    assert (entry.unit, entry.priority, entry.author) == (place["u101"], "high", place["day"])
    page = desk.get(reverse("desk:log"), {"estate": place["estate"].pk}).content.decode()
    assert "1-1-101 门禁卡失效" in page and 'id="open-entries"' in page


def test_an_unknown_unit_is_named_on_its_field_and_nothing_is_written(place, time_machine):
    time_machine.move_to(DAY, tick=False)

    answer = login(place["day"]).post(reverse("desk:log"), {"estate": place["estate"].pk, "text": "某事",
                                                            "priority": "normal", "unit": "9-9-901"})

    assert answer.status_code == 400
    assert answer.context["form"].errors["unit"] == ["翠湖苑没有房号 9-9-901。"]
    assert not LogEntry.objects.exists()


def test_the_handover_page_shows_takings_and_items_then_hands_over_once(place, time_machine):
    services.entry_add(estate=place["estate"], author=place["day"], text="等工程部回电", now=DAY)
    time_machine.move_to(HANDOVER_AT, tick=False)
    desk = login(place["day"])

    before = desk.get(reverse("desk:handover_new"), {"estate": place["estate"].pk})
    assert before.status_code == 200
    assert "等工程部回电" in before.content.decode() and 'id="takings"' in before.content.decode()

    answer = desk.post(reverse("desk:handover_new"), {"estate": place["estate"].pk, "notes": "备用钥匙在抽屉"})
    handover = Handover.objects.get()
    assert answer.url == reverse("desk:handover", args=[handover.pk])
    again = desk.post(reverse("desk:handover_new"), {"estate": place["estate"].pk, "notes": ""}, follow=True)
    assert Handover.objects.count() == 1
    assert "白班已经交过班了。" in again.content.decode()


def test_the_next_shift_signs_one_item_and_refuses_another_which_the_supervisor_sees(place, time_machine):
    first = services.entry_add(estate=place["estate"], author=place["day"], text="快递柜故障已报修", now=DAY)
    second = services.entry_add(estate=place["estate"], author=place["day"], text="答应业主今晚回电", now=DAY)
    handover = services.handover_create(estate=place["estate"], actor=place["day"], now=HANDOVER_AT)
    time_machine.move_to(NIGHT, tick=False)
    night = login(place["night"])
    item_1, item_2 = (HandoverItem.objects.get(entry=e) for e in (first, second))

    # both shifts see the items waiting on the today page
    for user in (place["day"], place["night"]):
        today = login(user).get(reverse("desk")).content.decode()
        assert 'id="today-handover"' in today and "快递柜故障已报修" in today

    night.post(reverse("desk:item_acknowledge", args=[item_1.pk]))
    empty = night.post(reverse("desk:item_refuse", args=[item_2.pk]), {"reason": ""})
    assert empty.status_code == 400
    night.post(reverse("desk:item_refuse", args=[item_2.pk]), {"reason": "没有业主电话"})

    assert dict(HandoverItem.objects.values_list("entry__text", "status")) == {
        "快递柜故障已报修": ItemStatus.ACKNOWLEDGED, "答应业主今晚回电": ItemStatus.REFUSED}
    boss = login(place["boss"])
    history = boss.get(reverse("desk:history"), {"estate": place["estate"].pk, "from": "2026-11-24"})
    assert f'data-handover="{handover.pk}"' in history.content.decode()
    assert 'data-refused="1"' in history.content.decode()
    detail = boss.get(reverse("desk:handover", args=[handover.pk])).content.decode()
    assert "没有业主电话" in detail
    inbox = boss.get(reverse("inbox")).content.decode()
    assert "没有业主电话" in inbox
    # the desk has no history page
    assert login(place["day"]).get(reverse("desk:history")).status_code == 403


def test_the_history_filters_by_estate_and_days(place, time_machine):
    services.handover_create(estate=place["estate"], actor=place["day"], now=HANDOVER_AT)
    time_machine.move_to(NIGHT, tick=False)
    boss = login(place["boss"])

    later = boss.get(reverse("desk:history"), {"from": "2026-11-25"}).context["handovers"]
    other = boss.get(reverse("desk:history"), {"estate": place["other"].estate_id}).context["handovers"]
    that_day = boss.get(reverse("desk:history"), {"from": "2026-11-24", "to": "2026-11-24"}).context["handovers"]

    assert (len(later), len(other), len(that_day)) == (0, 0, 1)


def test_the_api_writes_through_the_services_and_names_bad_fields(place, time_machine):
    time_machine.move_to(DAY, tick=False)
    api = login(place["day"])

    bad = api.post("/api/v1/shift-log/", {"estate": place["estate"].pk, "text": "", "priority": "normal"},
                   content_type="application/json")
    assert bad.status_code == 400 and "text" in bad.json()
    wrong_unit = api.post("/api/v1/shift-log/", {"estate": place["estate"].pk, "text": "x",
                                                 "unit": place["other"].pk}, content_type="application/json")
    assert wrong_unit.status_code == 400 and "unit" in wrong_unit.json()
    made = api.post("/api/v1/shift-log/", {"estate": place["estate"].pk, "text": "电梯困人已解救",
                                           "priority": "urgent"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["shift_key"] == "day"

    time_machine.move_to(HANDOVER_AT, tick=False)
    api = login(place["day"])  # a new session at the new moment
    handed = api.post("/api/v1/handovers/", {"estate": place["estate"].pk, "notes": "无"},
                      content_type="application/json")
    assert handed.status_code == 201 and len(handed.json()["items"]) == 1
    twice = api.post("/api/v1/handovers/", {"estate": place["estate"].pk}, content_type="application/json")
    assert twice.status_code == 400 and "non_field_errors" in twice.json()

    time_machine.move_to(NIGHT, tick=False)
    item = handed.json()["items"][0]["id"]
    no_reason = login(place["night"]).post(f"/api/v1/handover-items/{item}/refuse/", {"reason": ""},
                                           content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    signed = login(place["night"]).post(f"/api/v1/handover-items/{item}/acknowledge/")
    assert signed.status_code == 200 and signed.json()["status"] == "acknowledged"
    assert login(place["fin"]).get("/api/v1/handovers/").status_code == 403
    assert dt.date.fromisoformat(handed.json()["shift_day"]) == dt.date(2026, 11, 24)
