"""End-to-end harness: Playwright drives Debian's headless Chromium against a live
server. Never downloads a browser: executable_path points at the system chromium."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler as _StaticFilesHandler
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIServer
from django.db import close_old_connections, connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from tests.conftest import skip_or_fail

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# tests themselves are plain synchronous code, so Django's async guard can stand down.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
def pytest_collection_modifyitems(items):
    """A browser logs in through the login form: its users' passwords are hashed as in production."""
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.real_password_hashing)


def is_csp_violation(message) -> bool:
    """Chromium reports what the Content-Security-Policy blocked as a console error."""
    return "Content Security Policy" in message.text


@contextmanager
def pages(browser, base_url: str):
    """make(locale="zh-CN", viewport=...) -> a fresh page in its own context.

    Every journey doubles as a check of the Content-Security-Policy: whatever the policy
    blocked on any page (an inline script, a handler attribute, a foreign source) fails the
    test at the end. ``page.csp_violations`` lists them as they come."""
    contexts = []
    violations: list[str] = []

    def make(locale: str = "zh-CN", width: int = 1366, height: int = 900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        # Every page of the context, popups included.
        context.on("console", lambda message: is_csp_violation(message) and violations.append(
            f"{message.page.url if message.page else '?'}: {message.text}"))
        page = context.new_page()
        page.base_url = base_url
        page.csp_violations = violations
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    # Reached only when the journey itself passed.
    assert not violations, "the Content-Security-Policy blocked:\n" + "\n".join(violations)


@pytest.fixture
def page_for(browser, live_server):
    """page_for(locale="zh-CN", viewport=...) -> a fresh page in its own context."""
    with pages(browser, live_server.url) as make:
        yield make


class _OneConnectionServerThread(LiveServerThread):
    """A live server answering one request at a time on the test's own connection, so
    the browser sees what the test has not committed (the session's demo estate).
    Django's live server closes its connections after each request and at the end;
    this one leaves the borrowed connection open."""

    server_class = WSGIServer

    def run(self):
        for alias, conn in self.connections_override.items():
            connections[alias] = conn
        try:
            # No media handler: uploaded files are read only through their views, as in production.
            handler = self.static_handler(WSGIHandler())
            self.httpd = self.server_class((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)
            self.port = self.httpd.server_address[1]
            self.httpd.set_app(handler)
            self.is_ready.set()
            self.httpd.serve_forever()
        except Exception as exc:  # noqa: BLE001 — handed to the test, as Django's thread does
            self.error = exc
            self.is_ready.set()


@pytest.fixture
def demo_page_for(browser, demo_seeded, db):
    """page_for on the demo estate loaded once for the session (tests/conftest.py,
    ``demo_seeded``), without loading it again: the server borrows the test's connection,
    inside the test's transaction, which is rolled back after it."""
    connection = connections["default"]
    connection.inc_thread_sharing()
    # A request's start and end would close a connection that is inside a transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    thread = _OneConnectionServerThread("localhost", _StaticFilesHandler, connections_override={"default": connection})
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        with pages(browser, f"http://localhost:{thread.port}") as make:
            yield make
    finally:
        thread.terminate()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        connection.dec_thread_sharing()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str, password: str) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("networkidle")


def nav_link(page, name: str):
    """A link of the main navigation: in the bar, or under "More" (static/js/nav.js) when
    the bar has no room for it, the menu opened then."""
    link = page.locator(".pd-navbar").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        page.locator(".pd-nav-more").get_by_role("button").click()
    return link
