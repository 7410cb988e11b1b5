"""Counting a journey's steps as its users would: the pages opened and the forms sent.

Each page used with a Journey carries ``page.role`` (owner, desk, guard, engineering,
finance…), so the figure says whose steps they were. A test asserts the count it
reached, so a change that adds a step fails it, and prints ``figure()`` for the record."""

import re
from collections import Counter

from playwright.sync_api import expect

from tests.factories import PASSWORD


class Journey:
    """Each role's steps as its user would count them: the pages opened (an address, a
    link followed, a print opened) and the forms sent (logging in included). The
    screenshots' language switches and reloads are not steps. A step is over at the new
    page's load event: these pages fetch nothing after it (waiting for the network to be
    idle would add half a second to each of the seventy page loads here)."""

    def __init__(self, name: str = "journey"):
        self.name = name
        self.loads: Counter[str] = Counter()
        self.submits: Counter[str] = Counter()

    def open(self, page, path: str) -> None:
        page.goto(page.base_url + path)  # waits for the load event
        self.loads[page.role] += 1

    def follow(self, page, link) -> None:
        link.click()
        page.wait_for_load_state("load")
        self.loads[page.role] += 1

    def submit(self, page, button) -> None:
        button.click()
        page.wait_for_load_state("load")
        self.submits[page.role] += 1

    def open_print(self, page, link):
        """A print link opens in a tab of its own."""
        with page.expect_popup() as popup:
            link.click()
        printed = popup.value
        printed.wait_for_load_state("load")
        printed.base_url, printed.role = page.base_url, page.role
        self.loads[page.role] += 1
        return printed

    def arrive(self, page, path: str, username: str) -> None:
        """Open ``path`` (a bookmark, a link in a message); signed out, or the session gone
        idle, the login form comes first and leads back there."""
        self.open(page, path)
        if "/accounts/login/" in page.url:
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            self.submit(page, page.locator("main form[action$='/accounts/login/'] button[type=submit]"))
        expect(page).to_have_url(re.compile(re.escape(path) + r"([?#].*)?$"))

    @property
    def steps(self) -> int:
        return sum(self.loads.values()) + sum(self.submits.values())

    def steps_of(self, role: str) -> int:
        return self.loads[role] + self.submits[role]

    def figure(self, seconds: float) -> str:
        roles = [role for role in ("owner", "desk", "guard", "engineering", "finance") if role in self.loads]
        parts = [f"{role} {self.loads[role] + self.submits[role]} ({plural(self.loads[role], 'page')} + "
                 f"{plural(self.submits[role], 'submit')})" for role in roles]
        total = sum(self.loads.values()) + sum(self.submits.values())
        return f"{self.name}: {total} steps in {seconds:.0f} s: " + ", ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
