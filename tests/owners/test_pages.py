import pytest
from django.urls import reverse

from owners.models import Owner
from tests.factories import UnitFactory, give_unit, make_owner


def test_desk_create_form_names_the_bad_fields_and_saves_nothing(client, desk_user):
    client.force_login(desk_user)
    response = client.post(
        reverse("owners:create"),
        {"name": "", "id_type": "resident_id", "id_number": "440106198001010001",
         "phone": "12345", "phone_label": "mobile", "preferred_channel": "phone"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "phone"}
    assert Owner.objects.count() == 0


def test_desk_creates_an_owner_and_lands_on_the_record(client, desk_user):
    client.force_login(desk_user)
    response = client.post(
        reverse("owners:create"),
        {"name": "高洁", "id_type": "passport", "id_number": "E12345678", "phone": "13512345678",
         "phone_label": "mobile", "preferred_channel": "wechat",
         "special_needs": ["elderly_alone"], "special_needs_note": "独居老人"},
    )
    owner = Owner.objects.get()
    assert response.url == reverse("owners:detail", args=[owner.pk])
    detail = client.get(response.url).content.decode()
    assert "独居老人" in detail and "135****5678" in detail and "13512345678" not in detail


def test_owner_list_never_shows_full_numbers(client, desk_user):
    make_owner(name="马超", phone="13312345678")
    client.force_login(desk_user)
    body = client.get(reverse("owners:list")).content.decode()
    assert "马超" in body and "133****5678" in body and "13312345678" not in body


def test_pages_render_in_chinese_and_in_english(client, desk_user):
    owner = make_owner(name="朱丹")
    give_unit(owner, UnitFactory(number="1-1-101"))
    client.force_login(desk_user)
    for url in [reverse("desk"), reverse("owners:list"), reverse("owners:detail", args=[owner.pk])]:
        zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'lang="zh-hans"' in zh and "退出" in zh, url
        assert 'lang="en"' in en and "Log out" in en, url


def test_language_switcher_sets_english_for_the_session(client, desk_user):
    client.force_login(desk_user)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("desk")})
    assert "Log out" in client.get(reverse("desk")).content.decode()


def test_unit_page_rejects_resident_without_name_naming_the_field(client, desk_user):
    unit = UnitFactory()
    client.force_login(desk_user)
    response = client.post(reverse("owners:unit", args=[unit.pk]),
                           {"name": "", "relation": "tenant", "move_in_date": "2026-01-01"})
    assert response.status_code == 400
    assert "name" in response.context["resident_form"].errors


def test_register_unit_for_owner_with_unknown_room_names_the_room_field(client, desk_user):
    owner = make_owner(name="胡军")
    unit = UnitFactory(number="2-1-301")
    client.force_login(desk_user)
    response = client.post(
        reverse("owners:add_unit", args=[owner.pk]),
        {"estate": unit.estate_id, "unit_number": "9-9-999", "start_date": "2026-01-01",
         "mode": "transfer", "reason": "sale"},
    )
    assert response.status_code == 400
    assert "unit_number" in response.context["ownership_form"].errors
    ok = client.post(
        reverse("owners:add_unit", args=[owner.pk]),
        {"estate": unit.estate_id, "unit_number": "2-1-301", "start_date": "2026-01-01",
         "mode": "transfer", "reason": "sale"},
    )
    assert ok.status_code == 302
    assert owner.ownerships.get().unit == unit


@pytest.mark.real_password_hashing  # logs in through the login form
def test_desk_opens_a_portal_login_and_the_owner_can_use_it(client, desk_user):
    # given
    owner = make_owner(name="段誉")
    give_unit(owner, UnitFactory(number="6-1-601"))
    client.force_login(desk_user)

    # when: a weak password first, then a good one
    weak = client.post(reverse("owners:portal_login", args=[owner.pk]),
                       {"username": "duanyu", "password": "123"})
    good = client.post(reverse("owners:portal_login", args=[owner.pk]),
                       {"username": "duanyu", "password": "Dali-tea-2026"})

    # then
    assert weak.status_code == 400 and "password" in weak.context["login_form"].errors
    assert good.status_code == 302
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "duanyu", "password": "Dali-tea-2026"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "6-1-601" in response.content.decode()


def test_supervisor_sees_who_revealed_an_owners_numbers_and_the_desk_does_not(
    client, desk_user, supervisor_user
):
    owner = make_owner(name="萧峰")
    client.force_login(desk_user)
    client.post(reverse("owners:reveal", args=[owner.pk]), {"field": "phone"})
    assert client.get(reverse("owners:detail", args=[owner.pk])).context["reveals"] is None

    client.force_login(supervisor_user)
    reveals = client.get(reverse("owners:detail", args=[owner.pk])).context["reveals"]
    assert [(r.user.username, r.field) for r in reveals] == [("desk", "phone")]
