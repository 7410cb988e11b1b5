from django.urls import reverse

from owners.models import PiiReveal
from tests.factories import make_owner, resident_id


def test_desk_reveals_phone_and_the_reveal_is_logged(client, desk_user):
    # given
    owner = make_owner(name="黄磊", phone="13611112222")
    client.force_login(desk_user)

    # when
    detail = client.get(reverse("owners:detail", args=[owner.pk]))
    revealed = client.post(reverse("owners:reveal", args=[owner.pk]), {"field": "phone"})

    # then
    assert "13611112222" not in detail.content.decode()
    assert "136****2222" in detail.content.decode()
    assert "13611112222" in revealed.content.decode()
    log = PiiReveal.objects.get()
    assert (log.user, log.owner, log.field, log.via) == (desk_user, owner, "phone", "web")


def test_engineer_cannot_reveal_and_nothing_is_logged(client, engineer_user):
    owner = make_owner(name="黄磊", id_number=resident_id(5))
    client.force_login(engineer_user)
    response = client.post(reverse("owners:reveal", args=[owner.pk]), {"field": "id_number"})
    assert response.status_code == 403
    assert resident_id(5) not in response.content.decode()
    assert PiiReveal.objects.count() == 0


def test_api_reveal_needs_the_permission_and_is_logged(client, desk_user, finance_user):
    owner = make_owner(name="罗敏", id_number=resident_id(9))
    url = f"/api/v1/owners/{owner.pk}/reveal/"

    client.force_login(finance_user)
    assert client.post(url, {"field": "id_number"}, content_type="application/json").status_code == 403

    client.force_login(desk_user)
    response = client.post(url, {"field": "id_number"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"id_number": resident_id(9)}
    assert PiiReveal.objects.get().via == "api"


def test_api_reveal_refuses_a_body_that_is_not_a_choice_with_a_400_and_logs_nothing(client, desk_user):
    # given: fuzzed bodies that used to be a 500 (a list has no .get, a dict is no field name)
    owner = make_owner(name="罗敏", id_number=resident_id(9))
    url = f"/api/v1/owners/{owner.pk}/reveal/"
    client.force_login(desk_user)

    # when
    answers = [client.post(url, body, content_type="application/json")
               for body in (["phone"], {"field": {"phone": 1}}, {"field": "passport"})]

    # then
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert all("field" in a.json() or "non_field_errors" in a.json() for a in answers)
    assert PiiReveal.objects.count() == 0
    assert client.post(url, {}, content_type="application/json").json()["phones"][0]["number"]
