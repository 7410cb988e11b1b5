"""People's names as the portal writes them, for pages, messages and services alike
(the ``person_name`` template filter is this same function), and the owners' primary
phone numbers the notification layer and the outbox send SMS to."""

import re

CJK = re.compile(r"[\u3400-\u9fff]")


# Chinese names in pinyin order (阿, 李, 王, 张), not by code point (张, 李, 王, 阿): ICU's
# collation, which PostgreSQL ships. The registry's name columns carry it (owners.models);
# the staff's names (Django's own table) are ordered by it with ``staff_order``.
PINYIN = "zh-Hans-x-icu"


def staff_order() -> tuple:
    """A list of staff in the order the desk looks names up: family name, given name, in pinyin."""
    from django.db.models.functions import Collate

    return Collate("last_name", PINYIN), Collate("first_name", PINYIN), "username"


def person_name(user) -> str:
    """A user's name as people write it: 陈丽华 (family name first, no space) for
    Chinese names, "Lihua Chen" otherwise; the login name when no name is set."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def primary_phones(owner_ids) -> dict[int, str]:
    """Each owner's primary phone number, by owner id, in one query. The registry's phone
    model is named, not imported: the core sits below the registry."""
    from django.apps import apps

    ids = set(owner_ids)
    if not ids:
        return {}
    return dict(apps.get_model("owners", "OwnerPhone").objects.filter(owner_id__in=ids, is_primary=True)
                .values_list("owner_id", "number"))


# The phone an SMS to a portal user who is not an owner goes to (``user_phones``): an app
# whose logins have a phone of their own registers a function of user ids returning
# {user id: phone}. The gate registers its tenants (gate.ResidentLogin). Named as data, as
# roles.register_landing is: the core imports no app.
USER_PHONES: list = []


def register_user_phones(lookup) -> None:
    USER_PHONES.append(lookup)


def user_phones(user_ids) -> dict[int, str]:
    ids = set(user_ids)
    found: dict[int, str] = {}
    for lookup in USER_PHONES if ids else ():
        found.update(lookup(ids))
    return found
