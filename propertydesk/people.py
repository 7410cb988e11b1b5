"""People's names as the portal writes them, for pages, messages and services alike
(the ``person_name`` template filter is this same function)."""

import re

CJK = re.compile(r"[\u3400-\u9fff]")


def person_name(user) -> str:
    """A user's name as people write it: 陈丽华 (family name first, no space) for
    Chinese names, "Lihua Chen" otherwise; the login name when no name is set."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)
