import re
from pathlib import Path

from owners.models import Owner
from tests.factories import BuildingFactory, UnitFactory, give_unit, make_owner


def test_schema_and_docs_are_served_without_a_cdn(client, desk_user):
    client.force_login(desk_user)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ["/api/v1/estates/", "/api/v1/buildings/", "/api/v1/units/", "/api/v1/owners/",
                 "/api/v1/owners/{id}/reveal/"]:
        assert path in body
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert not re.search(r"(src|href)=\"https?://", docs)


def test_schema_and_docs_need_a_login(client, db):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    assert client.get("/api/v1/docs/").status_code in (401, 403)


def test_units_filter_by_building_and_number_prefix_and_paginate(client, desk_user):
    b3, b4 = BuildingFactory(number="3"), BuildingFactory(number="4")
    for n in range(60):
        UnitFactory(building=b3, number=f"3-1-{1000 + n}")
    UnitFactory(building=b4, number="4-1-101")
    client.force_login(desk_user)

    page = client.get("/api/v1/units/", {"building": b3.pk}).json()
    assert len(page["results"]) == 50 and page["next"] and "count" not in page
    rest = client.get(page["next"]).json()
    assert [u["number"] for u in page["results"] + rest["results"]] == [f"3-1-{1000 + n}" for n in range(60)]
    assert rest["next"] is None
    prefix = client.get("/api/v1/units/", {"number": "3-1-100"}).json()
    assert [u["number"] for u in prefix["results"]] == [f"3-1-100{i}" for i in range(10)]


def test_owner_search_by_phone_through_the_api(client, desk_user):
    give_unit(make_owner(name="杨帆", phone="13688889999"), UnitFactory())
    make_owner(name="杨柳", phone="13600001111")
    client.force_login(desk_user)
    found = client.get("/api/v1/owners/", {"q": "13688889999"}).json()
    assert [o["name"] for o in found["results"]] == ["杨帆"]
    assert found["results"][0]["phones"][0]["masked"] == "136****9999"


def test_api_create_owner_reports_errors_by_field_and_writes_nothing(client, desk_user):
    client.force_login(desk_user)
    bad = client.post("/api/v1/owners/", {"name": "许晴", "phones": [{"number": "12"}],
                                          "id_number": "440106198001010001"},
                      content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"phones", "id_number"}
    assert Owner.objects.count() == 0

    good = client.post("/api/v1/owners/", {"name": "许晴", "phones": [{"number": "13512340000"}]},
                       content_type="application/json")
    assert good.status_code == 201
    assert good.json()["phones"][0]["masked"] == "135****0000"


def test_engineering_and_finance_neither_read_nor_write_owners(client, engineer_user, finance_user):
    # Domain §1: the registry is the desk's; engineering and finance see an owner's name on
    # their own records only (finance: units with their owners' names, for the fee desk).
    for user in (engineer_user, finance_user):
        client.force_login(user)
        assert client.get("/api/v1/owners/").status_code == 403
        resp = client.post("/api/v1/owners/", {"name": "x", "phones": [{"number": "13512340000"}]},
                           content_type="application/json")
        assert resp.status_code == 403
    assert client.get("/api/v1/units/").status_code == 200


def test_token_endpoint_gives_a_token_for_good_credentials(client, desk_user):
    from tests.factories import PASSWORD

    resp = client.post("/api/v1/auth/token/", {"username": "desk", "password": PASSWORD})
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert client.get("/api/v1/owners/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_no_template_loads_assets_from_another_host():
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.html")
        if re.search(r"(src|href)=[\"']https?://", p.read_text())
    ]
    assert offenders == []


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/complaints/{id}/resolve/" in target.read_text()


def test_admin_lists_open_for_a_superuser(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.com", "x-Password-2026"))
    for path in ["owners/owner", "owners/unit", "owners/piireveal", "complaints/complaint", "complaints/complaintpolicy",
                 "complaints/suggestion", "repairs/workorder", "repairs/priceitem", "repairs/worker",
                 "repairs/dispatchrule", "fees/receipt", "fees/bankcollectioncharge", "propertydesk/jobrun"]:
        assert client.get(f"/admin/{path}/").status_code == 200, path
