"""Logging helpers named in settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsOneLine(logging.Filter):
    """A 4xx answer is logged as one line: the reader asked for something they may not
    have (403) or that is not there (404), which is not a fault of the portal, so the
    traceback Django attaches to it is dropped. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
