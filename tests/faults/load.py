"""A steady stream of requests from several threads, each outcome recorded with its
moment: what the fault tests count (status codes, hung requests, latencies)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

CLIENT_TIMEOUT = 15  # seconds: a request without an answer by then counts as hung


@dataclass
class Outcome:
    sent: float  # time.monotonic()
    took: float
    path: str
    status: int | str  # the HTTP status, or "hung" / the connection error's name
    retry_after: str | None = None
    body: str = ""
    base: str = ""


@dataclass
class Load:
    """``threads`` threads, each with its own copy of ``cookies``, requesting ``paths``
    round-robin from ``bases`` (one web process or several) until ``stop()``."""

    bases: list[str]
    paths: list[str]
    cookies: dict
    threads: int = 4
    pause: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]

    def start(self) -> Load:
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=CLIENT_TIMEOUT + 5)
        return self.outcomes

    def _run(self, index: int) -> None:
        session = requests.Session()
        session.cookies.update(self.cookies)
        targets = itertools.cycle([(b, p) for p in self.paths for b in self.bases])
        for _ in range(index):
            next(targets)
        while not self._stop.is_set():
            base, path = next(targets)
            sent = time.monotonic()
            try:
                response = session.get(base + path, timeout=CLIENT_TIMEOUT, allow_redirects=False)
                outcome = Outcome(sent, time.monotonic() - sent, path, response.status_code,
                                  response.headers.get("Retry-After"),
                                  response.text[:2000] if response.status_code >= 500 else "")
            except requests.Timeout:
                outcome = Outcome(sent, time.monotonic() - sent, path, "hung")
            except requests.RequestException as exc:
                outcome = Outcome(sent, time.monotonic() - sent, path, type(exc).__name__)
            outcome.base = base
            with self._lock:
                self.outcomes.append(outcome)
            time.sleep(self.pause)


def statuses(outcomes: list[Outcome]) -> Counter:
    return Counter(o.status for o in outcomes)
