"""Who is working on something, and whether they still are: a process is named by host,
pid and the moment the kernel started it (so a new process that reuses a dead one's pid
is not taken for it). On this host a name is checked against /proc; another host's
claims are judged by their age instead (a lease)."""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _start_ticks(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # the command in field 2 may contain spaces; fields after its ")" are fixed
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@lru_cache(maxsize=None)
def _identity(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or 0}"


def identity() -> str:
    """This process's name, as stored in ``claimed_by``-like columns."""
    return _identity(os.getpid())


def is_gone(name: str) -> bool:
    """True when ``name`` is a process of this host that no longer runs. A process of
    another host is never judged gone here (its lease decides)."""
    try:
        host, pid, ticks = name.rsplit(":", 2)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    if ticks == "0":  # no /proc here: only whether the pid runs at all
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return _start_ticks(int(pid)) != ticks
