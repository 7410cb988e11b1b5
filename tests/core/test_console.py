"""What the console shows (settings.LOGGING, propertydesk/logs.py, ./dev run): a 403 or a
404 is one line, not a traceback printed twice; a 500 keeps its traceback."""

import io
import logging

import pytest
from django.urls import reverse

from propertydesk.logs import ClientErrorsOneLine


@pytest.fixture
def console():
    """The root logger's console handler (settings.LOGGING), writing into a buffer."""
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, ClientErrorsOneLine) for f in h.filters))
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield buffer
    handler.setStream(old)


def test_a_forbidden_page_is_one_line_without_a_traceback(client, engineer_user, console):
    client.force_login(engineer_user)
    response = client.get(reverse("fees:home"))
    assert response.status_code == 403
    output = console.getvalue()
    assert [line for line in output.splitlines() if "/fees/" in line] == ["Forbidden (Permission denied): /fees/"]
    assert "Traceback" not in output


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/",
                               None, (ValueError, ValueError("boom"), None))
    record.status_code = 500
    assert ClientErrorsOneLine().filter(record) and record.exc_info is not None
