"""A select's empty first option is one word in the reader's language: "请选择" / "Choose…"
where a value is required, "不限" / "Any" in a filter; never Django's "---------" (the
owners' filter bar showed it beside 不限)."""

import pytest
from django.urls import reverse

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.mark.parametrize("name", ["owners:list", "complaints:intake", "repairs:register", "notices:new"])
def test_no_form_offers_dashes_for_a_choice(client, supervisor_user, name):
    client.force_login(supervisor_user)

    page = client.get(reverse(name), **ZH).content.decode()

    assert "---------" not in page, page[page.rfind("<select", 0, page.find("---------")):page.find("---------") + 20]
    assert "请选择" in page or "不限" in page


def test_a_model_forms_blank_choice_says_choose():
    from django.utils import translation

    from complaints.models import Complaint

    with translation.override("en"):
        assert Complaint._meta.get_field("department").get_choices()[0] == ("", "Choose…")
