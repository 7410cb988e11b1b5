"""Every page and API route, requested as every kind of user, against the declared
access matrix (tests/access/matrix.py). One fixture world, one pass, one failure that
lists every cell that differs, so a reader sees the whole picture at once."""

from __future__ import annotations

import json
import logging
import time

from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from propertydesk.exports import XLSX_TYPE

from tests.access.matrix import GROUPS, ROWS, TENANT_ROWS, TENANT_USERS, Row
from tests.access.world import NOW, USERS, World, build_world


def url_patterns(resolver=None, prefix="", namespace=""):
    """(route name with its namespaces, or the pattern's text when it has no name) of
    every URL pattern the site serves, walking nested resolvers."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield prefix + str(pattern.pattern)


def _grouped(name: str) -> bool:
    return any(name.startswith(rule) for rule in GROUPS)


def test_every_route_has_a_row_and_every_row_a_route():
    served = {name for name in url_patterns() if not _grouped(name)}
    declared = {row.route for row in ROWS}
    missing = sorted(served - declared)
    stale = sorted(declared - served - {"admin:index"})
    assert not missing, (
        "Routes with no row in tests/access/matrix.py (say what each user gets): " + ", ".join(missing))
    assert not stale, "Rows naming a route that no longer exists: " + ", ".join(stale)


def _outcome(row: Row, world: World, response) -> str:
    status = response.status_code
    if status in (301, 302):
        login = resolve_url(settings.LOGIN_URL)
        return "login" if response["Location"].split("?")[0] == login else "302"
    if status != 200 or row.seen is None:
        return str(status)
    wanted = row.seen(world)
    if isinstance(wanted, tuple):
        key, value = wanted
        body = json.loads(response.content)
        items = body["results"] if isinstance(body, dict) and "results" in body else body
        return "seen" if any(item.get(key) == value for item in items) else "unseen"
    return "seen" if str(wanted) in _text(response) else "unseen"


def _text(response) -> str:
    """A page's text, or every cell of a spreadsheet (a list's .xlsx)."""
    if response["Content-Type"].startswith(XLSX_TYPE):
        book = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming
                                     else response.content), read_only=True)
        return "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    return response.content.decode()


def _request(client: Client, row: Row, world: World):
    url = reverse(row.route, kwargs=row.kwargs(world) if row.kwargs else None)
    query = row.query(world) if callable(row.query) else row.query
    if query:
        url = f"{url}?{query}"
    if row.method == "POST":
        return client.post(url, row.data(world) if row.data else {})
    return client.get(url)


def _walk(rows: list[Row], users: tuple[str, ...]) -> tuple[list[tuple], int, float]:
    """Request every row as every user of ``users`` (a column each) in the world at NOW:
    the cells that differ, the requests made and the seconds they took."""
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        clients = {}
        for user in users:
            clients[user] = Client()
            if user != "anon":
                clients[user].force_login(world.users[user])
        started = time.monotonic()
        differences, requests = [], 0
        # Hundreds of refusals are the point here, not news: keep them out of the report.
        request_log = logging.getLogger("django.request")
        request_log.disabled = True
        try:
            for row in rows:
                for user, expected in zip(users, row.expect):
                    if expected == "-":
                        continue
                    got = _outcome(row, world, _request(clients[user], row, world))
                    requests += 1
                    if got != expected:
                        differences.append((row.label, user, expected, got))
        finally:
            request_log.disabled = False
    return differences, requests, time.monotonic() - started


def _fail_on(differences: list[tuple]) -> None:
    if differences:
        width = max(len(d[0]) for d in differences)
        lines = [f"{'route':<{width}}  {'user':<11}  {'expected':<8}  got"]
        lines += [f"{label:<{width}}  {user:<11}  {expected:<8}  {got}" for label, user, expected, got in differences]
        pytest.fail(f"{len(differences)} cells differ from tests/access/matrix.py:\n" + "\n".join(lines),
                    pytrace=False)


def test_each_user_gets_what_the_matrix_says(db, settings, tmp_path, figure):
    settings.MEDIA_ROOT = tmp_path / "media"
    differences, requests, seconds = _walk(ROWS, USERS)
    figure(f"access matrix: {len({r.route for r in ROWS})} routes in {len(ROWS)} rows × {len(USERS)} users, "
           f"{requests} requests in {seconds:.1f} s, {len(differences)} cells differ")
    _fail_on(differences)


def test_each_tenant_gets_what_the_tenant_rows_say(db, settings, tmp_path, figure):
    """The gate's routes as a tenant's portal login (matrix.TENANT_ROWS)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    differences, requests, seconds = _walk(TENANT_ROWS, TENANT_USERS)
    figure(f"access matrix, tenants: {len(TENANT_ROWS)} rows × {len(TENANT_USERS)} tenants, "
           f"{requests} requests in {seconds:.1f} s, {len(differences)} cells differ")
    _fail_on(differences)
