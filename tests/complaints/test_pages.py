import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import messages, services
from complaints.models import Complaint
from propertydesk.messages import nested
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner


@pytest.fixture
def two_owners(db, desk_user):
    mine, theirs = make_owner(name="李娜", phone="13912345678"), make_owner(name="王强", phone="13700001111")
    unit_a, unit_b = UnitFactory(number="3-1-1203"), UnitFactory(number="3-1-1204")
    give_unit(mine, unit_a)
    give_unit(theirs, unit_b)
    mine.user = UserFactory(username="lina")
    mine.save(update_fields=["user"])
    now = timezone.now()
    a = services.complaint_register(unit=unit_a, owner=mine, channel="portal", category="noise",
                                   description="楼上噪音", now=now)
    b = services.complaint_register(unit=unit_b, owner=theirs, channel="phone", category="repair",
                                   description="厨房漏水", now=now, actor=desk_user)
    services.complaint_add_progress(complaint=a, note="已联系楼上住户", actor=desk_user, now=now)
    services.complaint_add_progress(complaint=a, note="楼上是租户，态度强硬", internal=True, actor=desk_user, now=now)
    return {"owner": mine, "mine": a, "theirs": b, "unit": unit_a, "other_unit": unit_b}


def test_owner_sees_own_complaint_with_public_notes_only_and_nobody_elses(client, two_owners):
    client.force_login(two_owners["owner"].user)
    page = client.get(reverse("complaints:portal_detail", args=[two_owners["mine"].pk])).content.decode()
    assert "已联系楼上住户" in page and "态度强硬" not in page
    assert client.get(reverse("complaints:portal_detail", args=[two_owners["theirs"].pk])).status_code == 404
    listing = client.get(reverse("complaints:portal_list")).content.decode()
    assert two_owners["mine"].number in listing and two_owners["theirs"].number not in listing
    assert client.get(reverse("complaints:detail", args=[two_owners["mine"].pk])).status_code == 403


def test_owner_cannot_complain_about_a_unit_that_is_not_theirs(client, two_owners):
    client.force_login(two_owners["owner"].user)
    response = client.post(reverse("complaints:portal_create"), {
        "unit": two_owners["other_unit"].pk, "category": "noise", "urgency": "normal", "description": "x",
    })
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert Complaint.objects.count() == 2


def test_engineering_sees_engineering_complaints_only(client, two_owners, engineer_user, desk_user):
    services.complaint_assign(complaint=two_owners["theirs"], department="engineering", actor=desk_user,
                              now=timezone.now())
    client.force_login(engineer_user)
    queue = client.get(reverse("complaints:queue")).content.decode()
    assert two_owners["theirs"].number in queue and two_owners["mine"].number not in queue
    assert client.get(reverse("complaints:detail", args=[two_owners["mine"].pk])).status_code == 404


def test_intake_names_the_bad_fields(client, desk_user, two_owners):
    client.force_login(desk_user)
    response = client.post(reverse("complaints:intake"), {
        "estate": two_owners["unit"].estate_id, "unit_number": "9-9-999", "channel": "phone",
        "category": "", "urgency": "normal", "description": "",
    })
    assert response.status_code == 400
    assert {"unit_number", "category", "description"} <= set(response.context["form"].errors)
    assert Complaint.objects.count() == 2


def test_illegal_action_from_the_page_is_refused_with_a_message(client, desk_user, two_owners):
    client.force_login(desk_user)
    response = client.post(reverse("complaints:action", args=[two_owners["mine"].pk, "resolve"]),
                           {"resolution": "done"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    messages = [str(m) for m in response.context["messages"]]
    assert any("cannot become" in m for m in messages)
    assert Complaint.objects.get(pk=two_owners["mine"].pk).status == "received"


@pytest.mark.parametrize("name", ["queue", "intake", "clusters", "suggestions", "detail"])
def test_complaint_pages_render_in_both_languages(client, desk_user, two_owners, name):
    client.force_login(desk_user)
    url = reverse(f"complaints:{name}", args=[two_owners["mine"].pk] if name == "detail" else [])
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "投诉" in zh and "Complaints" not in zh
    assert "Complaints" in en or "complaint" in en.lower()


def test_owner_portal_complaint_pages_render_in_both_languages(client, two_owners):
    client.force_login(two_owners["owner"].user)
    for url in [reverse("complaints:portal_list"), reverse("complaints:portal_create"),
                reverse("complaints:portal_detail", args=[two_owners["mine"].pk])]:
        zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "投诉" in zh and "My complaints" not in zh, url


def test_a_suggestions_history_shows_the_desk_who_moved_it_and_the_owner_only_when(client, two_owners):
    # given: the owner's suggestion, reviewed by 陈丽华 and adopted by the supervisor
    at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    reviewer = UserFactory(username="lihua", role="front_desk", first_name="丽华", last_name="陈")
    boss = UserFactory(username="boss", role="supervisor")
    unit = two_owners["unit"]
    suggestion = services.suggestion_submit(estate=unit.estate, unit=unit, owner=two_owners["owner"],
                                            channel="portal", subject="增加快递柜", content="建议在3栋大堂增加快递柜",
                                            now=at)
    services.suggestion_start_review(suggestion=suggestion, actor=reviewer, now=at.replace(hour=10))
    services.suggestion_decide(suggestion=suggestion, adopt=True, reply="感谢建议，下月安装。", actor=boss,
                               now=at.replace(hour=15))

    # when
    client.force_login(reviewer)
    desk = client.get(reverse("complaints:suggestion", args=[suggestion.pk]), HTTP_ACCEPT_LANGUAGE="en")
    two_owners["owner"].language = "en"  # the portal is in the owner's language
    two_owners["owner"].save(update_fields=["language"])
    client.force_login(two_owners["owner"].user)
    portal = client.get(reverse("complaints:portal_suggestion", args=[suggestion.pk]), HTTP_ACCEPT_LANGUAGE="en")

    # then
    desk_page, portal_page = desk.content.decode(), portal.content.decode()
    assert "Received → Under review" in desk_page and "2026-11-02 10:00</time> · 陈丽华" in desk_page
    assert "Under review → Adopted" in desk_page and "2026-11-02 15:00</time> · boss" in desk_page
    assert "Under review → Adopted" in portal_page and "2026-11-02 15:00</time>\n" in portal_page
    assert "陈丽华" not in portal_page


def test_a_system_note_on_the_timeline_reads_in_the_pages_language(client, desk_user, two_owners):
    # given: the system noted a work order on the owner's complaint
    complaint = two_owners["mine"]
    services.complaint_add_progress(complaint=complaint, now=complaint.received_at,
                                    note_message=nested(messages.WORK_ORDER_OPENED, {"number": "WO-7"}))

    # when / then: the owner's page and the desk's page each say it in the page's language
    pages = ((two_owners["owner"].user, "complaints:portal_detail"), (desk_user, "complaints:detail"))
    owner = two_owners["owner"]

    def read(url, language):
        # The owner's page is in the owner's language, the desk's in the browser's.
        owner.language = language
        owner.save(update_fields=["language"])
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    for reader, name in pages:
        client.force_login(reader)
        url = reverse(name, args=[complaint.pk])
        english, chinese = read(url, "en"), read(url, "zh-hans")
        assert "Work order WO-7 opened for this repair." in english and "派工单" not in english
        assert "已为此报修开具派工单 WO-7。" in chinese and "opened for this repair" not in chinese
