"""Notices (公告): who a notice reaches, what it sends and how, what may change once it is
sent, and the read receipts the desk follows up."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from notices import services
from notices.models import Notice, NoticeHousehold
from owners import services as owners
from propertydesk import outbox
from propertydesk.models import Delivery, Notification
from tests.notices.conftest import T0, draft, published, sh


def households(notice) -> list[str]:
    return sorted(NoticeHousehold.objects.filter(notice=notice).values_list("unit__number", flat=True))


def told(notice) -> list[str]:
    return sorted(Notification.objects.filter(dedupe_key__startswith=f"notice:{notice.pk}:")
                  .values_list("owner__name", flat=True))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---- who it reaches ----------------------------------------------------------------------------

def test_an_estate_notice_reaches_every_owned_unit_of_the_estate_and_no_other(place, off):
    # when
    notice = published(place)

    # then: the vacant 2-1-202 and the other estate's unit are not households; every owner told once
    assert households(notice) == ["1-1-101", "1-1-102", "1-1-103", "2-1-201"]
    assert told(notice) == sorted(["李娜", "王强", "赵敏", "陈刚"])
    assert (notice.households, notice.messages_sent) == (4, 4)


def test_a_building_notice_reaches_that_building_only(place, off):
    notice = published(place, audience="buildings", buildings="2")

    assert households(notice) == ["2-1-201"]
    assert told(notice) == ["陈刚"]


def test_a_unit_notice_reaches_those_units_only_and_a_unit_outside_gets_nothing(place, off):
    notice = published(place, audience="units", units="1-1-101, 1-1-102")

    assert households(notice) == ["1-1-101", "1-1-102"]
    assert told(notice) == sorted(["李娜", "王强", "赵敏"])
    assert not Notification.objects.filter(owner=place["chen"]).exists()


def test_unknown_buildings_or_units_are_refused_on_their_field(place):
    with pytest.raises(ValidationError) as refused:
        draft(place, audience="units", units="1-1-101, 7-7-707")
    assert "7-7-707" in refused.value.message_dict["units"][0]
    with pytest.raises(ValidationError) as refused:
        draft(place, audience="buildings", buildings="")
    assert "buildings" in refused.value.message_dict


def test_only_the_owners_of_the_day_it_is_published_are_told(place, off):
    # given: 1-1-101 is sold to 周杰 on 25 November
    owners.ownership_transfer(unit=place["u101"], new_owners=[place["zhou"]], transfer_date=dt.date(2026, 11, 25))

    # when: one notice is published on the 20th, another (any day: as_of) on the 26th
    before = published(place, audience="units", units="1-1-101", now=T0)
    after = published(place, audience="units", units="1-1-101", now=sh(2026, 11, 26, 9))

    # then
    assert told(before) == ["李娜"]
    assert told(after) == ["周杰"]


# ---- what it sends -----------------------------------------------------------------------------

def test_publishing_writes_one_message_per_owner_by_their_channel_in_their_language(place, off, sms_gateway,
                                                                                    mailoutbox):
    # when: an emergency, published at 02:30 at night
    notice = published(place, emergency=True)

    # then: each owner's inbox row and their channel, waiting for the worker at once (no quiet hours)
    channels = sorted(Delivery.objects.filter(notification__dedupe_key__startswith=f"notice:{notice.pk}:")
                      .values_list("notification__owner__name", "channel", "status"))
    assert channels == sorted([
        ("李娜", "inbox", "sent"), ("李娜", "sms", "pending"),
        ("王强", "inbox", "sent"), ("王强", "email", "pending"),
        ("赵敏", "inbox", "sent"),
        ("陈刚", "inbox", "sent"), ("陈刚", "sms", "pending"),
    ])

    # when: the worker sends them
    outbox.deliver(now=T0 + dt.timedelta(minutes=1))

    # then: 李娜's SMS in Chinese, 王强's e-mail in English, with the window and the text
    texts = {m["to"]: m["text"] for m in sms_gateway.messages().values()}
    assert texts["13912345678"].startswith("紧急通知：停水通知")
    assert "1号楼将于2026-11-20 08:30至2026-11-20 12:30停水。" in texts["13912345678"]
    assert [m.subject for m in mailoutbox] == ["Emergency notice: 停水通知"]
    assert "From 2026-11-20 08:30 to 2026-11-20 12:30." in mailoutbox[0].body


def test_an_ordinary_notice_names_its_kind_in_the_readers_language(place, off):
    notice = published(place, audience="units", units="1-1-102")

    note = Notification.objects.get(owner=place["wang"])
    assert note.render("en")[0] == "Notice (Water or power outage): 停水通知"
    assert note.render("zh-hans")[0].startswith("通知（停水停电）")
    assert note.url == reverse("notices:portal_detail", args=[notice.pk])


def test_publishing_twice_sends_once(place, off):
    notice = published(place)

    with pytest.raises(ValidationError):
        services.notice_publish(notice=notice, now=T0 + dt.timedelta(minutes=5), actor=place["desk"])

    assert Notification.objects.filter(dedupe_key__startswith=f"notice:{notice.pk}:").count() == 4
    assert list(notice.events.values_list("from_status", "to_status")) == [("", "draft"), ("draft", "published")]


def test_a_big_audience_is_written_in_batches_of_households_each_owner_once(place, off):
    # when: batches of one household (陈刚 owns two units: two batches name him)
    notice = services.notice_publish(notice=draft(place), now=T0, actor=place["desk"], batch=1)

    assert told(notice) == sorted(["李娜", "王强", "赵敏", "陈刚"])
    assert Delivery.objects.filter(notification__owner=place["chen"], channel="sms").count() == 1


def test_a_rolled_back_publication_leaves_nothing(place, off):
    notice = draft(place, ends_at=T0 - dt.timedelta(hours=1), starts_at=T0 - dt.timedelta(hours=3))

    with pytest.raises(ValidationError) as refused:
        services.notice_publish(notice=notice, now=T0, actor=place["desk"])

    assert "ends_at" in refused.value.message_dict
    assert not NoticeHousehold.objects.exists() and not Notification.objects.exists()
    assert Notice.objects.get().status == "draft"


# ---- what may change ---------------------------------------------------------------------------

def test_after_sending_only_the_end_may_change(place, off):
    notice = published(place)

    # when: the title is changed
    with pytest.raises(ValidationError) as refused:
        services.notice_change(notice=notice, title="改了", now=T0, actor=place["desk"])
    # then: refused on the field, nothing changed
    assert list(refused.value.message_dict) == ["title"]
    assert Notice.objects.get().title == "停水通知"

    # when: the end moves (the repair takes longer)
    later = T0 + dt.timedelta(hours=14)
    services.notice_change(notice=notice, ends_at=later, now=T0, actor=place["desk"])

    # then: moved, with an event, and the text shows the new end
    notice.refresh_from_db()
    assert notice.ends_at == later and "至2026-11-20 16:30停水" in notice.shown_body
    assert notice.events.last().note == "2026-11-20 12:30 → 2026-11-20 16:30"


def test_a_draft_may_change_anything(place):
    notice = draft(place)
    services.notice_change(notice=notice, title="停电通知", audience="buildings", buildings="1", now=T0)
    notice.refresh_from_db()
    assert notice.title == "停电通知" and [b.number for b in notice.buildings.all()] == ["1"]


@pytest.mark.parametrize("moves, refused", [
    (["end"], "end"),                        # a draft is not ended
    (["publish", "end", "publish"], "publish"),
    (["publish", "withdraw", "end"], "end"),
    (["withdraw", "publish"], "publish"),
])
def test_illegal_moves_are_refused_naming_both_states(place, off, moves, refused):
    notice = draft(place)
    act = {"publish": services.notice_publish, "end": services.notice_end, "withdraw": services.notice_withdraw}
    *allowed, last = moves
    for name in allowed:
        notice = act[name](notice=notice, now=T0, actor=place["desk"])
    with pytest.raises(ValidationError) as error:
        act[last](notice=notice, now=T0, actor=place["desk"])
    assert error.value.code == "illegal_transition"
    assert Notice.objects.get().status == notice.status


def test_an_ended_notice_is_changed_no_more(place, off):
    notice = services.notice_end(notice=published(place), now=T0 + dt.timedelta(hours=1), actor=place["desk"])
    with pytest.raises(ValidationError):
        services.notice_change(notice=notice, ends_at=T0 + dt.timedelta(days=1), now=T0)


# ---- read receipts and the desk's follow-up ----------------------------------------------------

def test_opening_a_notice_is_the_households_read_receipt_once(place, off):
    notice = published(place)
    client = login(place["users"]["wang"])
    url = reverse("notices:portal_detail", args=[notice.pk])

    # when: 王强 opens it twice
    assert client.get(url).status_code == 200
    first = NoticeHousehold.objects.get(notice=notice, unit=place["u102"]).read_at
    assert client.get(url).status_code == 200

    # then: 1-1-102 read once (its co-owner 赵敏 reads for the same household), his message read
    notice.refresh_from_db()
    assert notice.read_households == 1
    assert NoticeHousehold.objects.get(notice=notice, unit=place["u102"]).read_at == first
    assert Notification.objects.get(owner=place["wang"]).read_at is not None
    assert services.notice_read(notice=notice, owner=place["zhao"], now=T0) == 0


def test_the_desk_sees_which_households_have_not_read_an_emergency(place, off):
    notice = published(place, emergency=True, kind="other")
    desk = login(place["desk"])
    url = reverse("notices:detail", args=[notice.pk])

    page = desk.get(url).content.decode()
    assert 'data-unit="%d"' % place["u101"].pk in page and "139****5678" in page and "13912345678" not in page

    # when: 李娜 opens it in the portal
    login(place["users"]["li"]).get(reverse("notices:portal_detail", args=[notice.pk]))

    # then: her household is no longer on the desk's list, the others still are
    page = desk.get(url).content.decode()
    assert 'data-unit="%d"' % place["u101"].pk not in page
    assert 'data-unit="%d"' % place["u201"].pk in page
    assert '<span id="read-count">1</span> / 4' in page


def test_an_ordinary_safety_notice_has_no_list_to_chase(place, off):
    notice = published(place, kind="safety")
    page = login(place["desk"]).get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert 'id="unread-households"' not in page


# ---- owners see their own ----------------------------------------------------------------------

def test_an_owner_sees_the_notices_of_their_units_only(place, off):
    notice = published(place, audience="buildings", buildings="2")
    chen, li = login(place["users"]["chen"]), login(place["users"]["li"])

    assert chen.get(reverse("notices:portal_list")).content.decode().count(f'data-notice="{notice.pk}"') == 1
    assert f'data-notice="{notice.pk}"' not in li.get(reverse("notices:portal_list")).content.decode()
    assert li.get(reverse("notices:portal_detail", args=[notice.pk])).status_code == 404
    assert li.get(reverse("notice-detail", args=[notice.pk])).status_code == 404
    assert [n["id"] for n in chen.get(reverse("notice-list")).json()["results"]] == [notice.pk]


def test_a_draft_is_nobodys_to_read_in_the_portal(place):
    notice = draft(place)
    assert login(place["users"]["li"]).get(reverse("notices:portal_detail", args=[notice.pk])).status_code == 404


def test_the_home_tile_counts_the_unread_current_notices_and_shows_the_latest(place, off, time_machine):
    old = published(place, kind="safety", title="安全提示", now=T0 - dt.timedelta(days=3),
                    starts_at=T0 - dt.timedelta(days=3), ends_at=T0 - dt.timedelta(days=1))
    ordinary = published(place, kind="lift", title="电梯维保", now=T0)
    emergency = published(place, emergency=True, title="紧急停水", now=T0)
    li = login(place["users"]["li"])

    time_machine.move_to(T0 + dt.timedelta(minutes=10), tick=False)
    page = li.get(reverse("portal:home")).content.decode()

    # then: two current notices unread (the old one is over); the emergency first
    assert 'id="notices-unread">2' in page
    assert f'id="latest-notice" data-notice="{emergency.pk}"' in page
    assert f'data-notice="{old.pk}"' not in page

    # when: she reads both, the tile has nothing unread
    li.get(reverse("notices:portal_detail", args=[emergency.pk]))
    li.get(reverse("notices:portal_detail", args=[ordinary.pk]))
    assert 'id="notices-unread"' not in li.get(reverse("portal:home")).content.decode()


# ---- the desk's pages --------------------------------------------------------------------------

def test_the_desk_starts_from_a_template_and_a_bad_window_is_an_error_on_its_field(place, off, time_machine):
    time_machine.move_to(T0, tick=False)
    desk = login(place["desk"])

    page = desk.get(reverse("notices:new") + "?template=water").content.decode()
    assert "{place}" in page and 'value="outage" selected' in page

    response = desk.post(reverse("notices:new"), {
        "estate": place["estate"].pk, "kind": "outage", "audience": "buildings", "buildings": "1",
        "title": "停水通知", "body": "{place}停水", "place": "1号楼",
        "starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T08:00"})
    assert response.status_code == 400
    assert "结束时间须晚于开始时间。" in response.content.decode()

    response = desk.post(reverse("notices:new"), {
        "estate": place["estate"].pk, "kind": "outage", "audience": "buildings", "buildings": "1",
        "title": "停水通知", "body": "{place}停水", "place": "1号楼",
        "starts_at": "2026-11-21T09:00", "ends_at": "2026-11-21T12:00"})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("notices:detail", args=[notice.pk])

    response = desk.post(reverse("notices:publish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == "published" and notice.households == 3


def test_engineering_has_no_notices(place):
    eng = login(place["eng"])
    assert eng.get(reverse("notices:list")).status_code == 403
    assert eng.get(reverse("notice-list")).status_code == 403
