"""Pages, the inbox, SMS and receipts in the reader's language: the owner's and the
staff's language, the middleware that shows it, and the switcher that keeps it."""

import datetime as dt
import html

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from owners import services
from owners.models import Owner
from propertydesk import languages, notifications
from propertydesk.models import Notification, UserPreference
from tests.factories import EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def zh(msgid: str, **values) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid) % values if values else translation.gettext(msgid)


def portal_owner(name: str, phone: str, username: str, **kwargs) -> Owner:
    owner = make_owner(name=name, phone=phone, preferred_channel="sms", **kwargs)
    owner.user = UserFactory(username=username)
    owner.save(update_fields=["user"])
    return owner


def remind(owner: Owner, unit: str):
    return notifications.notify_owner(
        owner=owner, kind="fees.dunning.1", now=NOW, dedupe_key=f"test:{unit}",
        params={"unit": unit, "owed": "210.33", "month": {"$month": "2026-11-01"}},
    )


# ---- whose language an owner reads in ------------------------------------------------------------


@pytest.mark.django_db
def test_an_owner_registered_without_a_language_reads_the_estates():
    # given: an estate whose house language is English, and one in Chinese
    english = EstateFactory(language="en")

    # when: owners are registered there, elsewhere, and with a choice of their own
    there = make_owner(name="Tan Wei Ming", estate=english)
    unknown = make_owner(name="李娜")
    chose = make_owner(name="王强", estate=english, language="zh-hans")

    # then
    assert there.language == "en"
    assert unknown.language == settings.LANGUAGE_CODE
    assert chose.language == "zh-hans"


@pytest.mark.django_db
def test_an_unknown_language_is_refused_on_its_field():
    with pytest.raises(ValidationError) as error:
        make_owner(name="李娜", language="fr")
    assert "language" in error.value.message_dict
    owner = make_owner(name="李娜")
    with pytest.raises(ValidationError) as error:
        services.owner_set_language(owner=owner, language="klingon")
    assert "language" in error.value.message_dict


@pytest.mark.django_db
def test_the_desk_sets_an_owners_language_and_the_record_shows_it(client, desk_user):
    # given
    client.force_login(desk_user)

    # when: the desk registers an owner who reads English, then edits another field
    created = client.post(reverse("owners:create"), {
        "name": "Tan Wei Ming", "id_type": "passport", "phone": "13912345678", "phone_label": "mobile",
        "phone2_label": "home", "preferred_channel": "email", "email": "tan@example.com", "language": "en",
    })
    owner = Owner.objects.get(name="Tan Wei Ming")
    edit = client.get(reverse("owners:edit", args=[owner.pk]), **EN).content.decode()
    client.post(reverse("owners:edit", args=[owner.pk]), {
        "name": "Tan Wei Ming", "id_type": "passport", "phone_label": "mobile", "phone2_label": "home",
        "preferred_channel": "email", "email": "tan@example.com", "language": "en", "address": "Singapore",
    })

    # then
    assert created.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "en" and owner.address == "Singapore"
    assert '<option value="en" selected>' in edit
    page = client.get(reverse("owners:detail", args=[owner.pk]), **EN).content.decode()
    assert "<dt class=\"col-sm-5\">Language</dt>" in page and "English" in page


@pytest.mark.django_db
def test_the_api_reads_and_writes_an_owners_and_an_estates_language(client, django_user_model):
    # given
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    estate = EstateFactory(language="zh-hans")

    # when
    made = client.post("/api/v1/owners/", {"name": "Tan Wei Ming", "id_type": "passport", "language": "en",
                                           "phones": [{"number": "13912345678"}]}, content_type="application/json")
    changed = client.patch(f"/api/v1/owners/{made.json()['id']}/", {"language": "zh-hans"},
                           content_type="application/json")
    refused = client.patch(f"/api/v1/owners/{made.json()['id']}/", {"language": "fr"},
                           content_type="application/json")

    # then
    assert made.status_code == 201 and made.json()["language"] == "en"
    assert changed.json()["language"] == "zh-hans"
    assert refused.status_code == 400 and "language" in refused.json()
    assert client.get(f"/api/v1/estates/{estate.pk}/").json()["language"] == "zh-hans"


# ---- the page follows the reader -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_owners_pages_are_in_the_owners_language_whatever_the_browser_says(client):
    # given: an owner who reads English, in a Chinese browser
    owner = portal_owner("Tan Wei Ming", "13912345678", "tan", language="en")
    client.force_login(owner.user)

    # when
    page = client.get(reverse("portal:home"), **ZH)

    # then
    assert page["Content-Language"] == "en" and '<html lang="en">' in page.content.decode()


@pytest.mark.django_db
def test_a_staff_users_preference_wins_over_the_browser_and_anonymous_visitors_keep_the_browsers(client):
    # given
    desk = UserFactory(username="desk", role="front_desk")
    UserPreference.objects.create(user=desk, language="en")

    # when / then: anonymous, the browser's language
    assert client.get(reverse("login"), **ZH)["Content-Language"] == "zh-hans"
    # when / then: logged in, the preference
    client.force_login(desk)
    assert client.get(reverse("desk"), **ZH)["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_same_reminder_reads_english_for_an_english_owner_and_chinese_for_a_chinese_one(
    client, sms_gateway, django_capture_on_commit_callbacks,
):
    # given: two owners, the same event
    tan = portal_owner("Tan Wei Ming", "13912345678", "tan", language="en")
    li = portal_owner("李娜", "13800001111", "lina")
    give_unit(tan, UnitFactory(number="3-1-1203"))
    give_unit(li, UnitFactory(number="3-1-1204"))

    # when: each gets the first reminder
    with django_capture_on_commit_callbacks(execute=True):
        remind(tan, "3-1-1203")
        remind(li, "3-1-1204")

    # then: the SMS each received is in their own language
    texts = {sms["to"]: sms["text"] for sms in sms_gateway.messages().values()}
    assert "First payment reminder: 2026-11" in texts["13912345678"]
    assert zh("First payment reminder: %(month)s", month="2026-11") in texts["13800001111"]
    # and so is their inbox, in a browser of the other language
    client.force_login(tan.user)
    english = html.unescape(client.get(reverse("inbox"), **ZH).content.decode())
    client.force_login(li.user)
    chinese = html.unescape(client.get(reverse("inbox"), **EN).content.decode())
    assert "First payment reminder: 2026-11" in english and "3-1-1203 owes ¥210.33" in english
    assert zh("First payment reminder: %(month)s", month="2026-11") in chinese
    assert "First payment reminder" not in chinese


# ---- the switcher keeps the choice ---------------------------------------------------------------


@pytest.mark.django_db
def test_switching_language_re_renders_the_inbox_already_there(client, django_capture_on_commit_callbacks):
    # given: an owner who reads Chinese, with a reminder in the inbox
    li = portal_owner("李娜", "13800001111", "lina")
    give_unit(li, UnitFactory(number="3-1-1204"))
    with django_capture_on_commit_callbacks(execute=True):
        note = remind(li, "3-1-1204")
    row_before = Notification.objects.filter(pk=note.pk).values().get()
    client.force_login(li.user)
    before = html.unescape(client.get(reverse("inbox"), **EN).content.decode())

    # when: she switches to English on the page
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("inbox")}, **ZH)
    after = html.unescape(client.get(reverse("inbox"), **ZH).content.decode())

    # then: the same row, now read in English; her choice is kept for her messages too
    assert zh("First payment reminder: %(month)s", month="2026-11") in before
    assert switched.status_code == 302 and switched["Location"] == reverse("inbox")
    assert "First payment reminder: 2026-11" in after and "3-1-1204 owes ¥210.33" in after
    assert Notification.objects.filter(pk=note.pk).values().get() == row_before
    li.refresh_from_db()
    assert li.language == "en" and languages.user_language(li.user) == "en"
    assert languages.notification_language(Notification.objects.get(pk=note.pk)) == "en"


@pytest.mark.django_db
def test_a_staff_users_switch_is_kept_and_an_anonymous_one_only_in_the_cookie(client):
    # given
    desk = UserFactory(username="desk", role="front_desk")

    # when: an anonymous visitor switches
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    # then: the cookie, nothing stored
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not UserPreference.objects.exists()

    # when: the desk switches to Chinese, then opens the desk in an English browser
    client.force_login(desk)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/desk/"})
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)

    # then
    assert languages.user_language(desk) == "zh-hans"
    assert client.get(reverse("desk"), **EN)["Content-Language"] == "zh-hans"
    # and a language we do not have changes nothing
    client.post(reverse("set_language"), {"language": "fr", "next": "/desk/"})
    assert languages.user_language(desk) == "zh-hans"
