"""The messages complaints sends and writes on its timelines (propertydesk.messages):
stored as a key and parameters, rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

RECEIVED = "complaint.received"
EMERGENCY = "complaint.emergency"
ASSIGNED = "complaint.assigned"
PROGRESS = "complaint.progress"
RESOLVED = "complaint.resolved"
OVERDUE = "complaint.overdue"
DIGEST = "complaint.digest"
SUGGESTION_RECEIVED = "suggestion.received"
SUGGESTION_DECIDED = "suggestion.decided"
# System notes on a complaint's timeline (ComplaintEvent.note_message), written by the
# apps above complaints; the owner's progress message carries the same note.
WORK_ORDER_OPENED = "complaint.note.work_order_opened"
CALLBACK_RESULT = "complaint.note.callback_result"


def _digest_body(values: dict[str, Any]) -> str:
    """The 15:30 list, one line per open complaint: ! past its promise, ‖ clock paused."""
    lines = []
    for item in values.get("items") or []:
        mark = "!" if item.get("overdue") else ("‖" if item.get("paused") else "·")
        line = gettext("%(number)s %(unit)s %(category)s — %(status)s, promised by %(time)s") % {
            "number": item["number"], "unit": item["unit"], "category": item["category"], "status": item["status"],
            "time": item["promised_at"],
        }
        if item.get("department"):
            line = gettext("%(line)s, %(department)s") % {"line": line, "department": item["department"]}
        lines.append(f"{mark} {line}")
    if values.get("more"):
        lines.append(gettext("… and %(more)d more: see the open complaints queue.") % {"more": values["more"]})
    return "\n".join(lines) or gettext("No open complaints.")


define(
    Message(RECEIVED, _("Complaint %(number)s received"),
            _("We will handle it by %(time)s and keep you informed.")),
    # text: what the caller said, as the desk wrote it down
    Message(EMERGENCY, _("Emergency complaint %(number)s, %(unit)s"), "%(text)s"),
    Message(ASSIGNED, _("Complaint %(number)s assigned to you"), _("%(unit)s: %(text)s; promised by %(time)s.")),
    # note: the clerk's words, or a system note (a nested message)
    Message(PROGRESS, _("Progress on complaint %(number)s"), "%(note)s"),
    Message(RESOLVED, _("Complaint %(number)s resolved"),
            _("%(resolution)s We will call you back to check you are satisfied.")),
    Message(OVERDUE, _("Complaint %(number)s is past its promise"), _("%(unit)s, %(category)s, promised by %(time)s.")),
    Message(DIGEST, _("Open complaints on %(day)s: %(open)d, %(overdue)d past their promise"), _digest_body),
    Message(SUGGESTION_RECEIVED, _("Thank you for your suggestion %(number)s"),
            _("We will study it and give you our answer.")),
    Message(SUGGESTION_DECIDED, _("Our answer to your suggestion %(number)s"), "%(reply)s"),
    Message(WORK_ORDER_OPENED, _("Work order %(number)s opened for this repair.")),
    Message(CALLBACK_RESULT, _("Callback result: %(satisfaction)s.")),
)
