"""Races on real PostgreSQL connections, for ``django_db(transaction=True)`` tests."""

from __future__ import annotations

import threading
from typing import Callable

from django.db import connection


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run each call on its own thread, so on its own database connection, released
    together by a barrier. Returns, in order, what each returned or the exception it
    raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 — handed to the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
