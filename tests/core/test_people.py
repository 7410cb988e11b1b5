from django.contrib.auth.models import User

from propertydesk.people import person_name


def test_chinese_names_are_written_family_name_first_without_a_space():
    assert person_name(User(username="lhc", first_name="丽华", last_name="陈")) == "陈丽华"
    assert person_name(User(username="jd", first_name="Jane", last_name="Doe")) == "Jane Doe"
    assert person_name(User(username="desk")) == "desk"
