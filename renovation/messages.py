"""The messages renovation sends (propertydesk.messages): stored as a key and parameters,
rendered in the reader's language. Numbers, room numbers, amounts, names and what staff
wrote (reasons, items to fix, a rule) are shown as written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

APPLIED = "renovation.applied"
RESUBMITTED = "renovation.resubmitted"
APPROVED = "renovation.approved"
RETURNED = "renovation.returned"
PERMIT_ISSUED = "renovation.permit_issued"
ACCEPTANCE_REQUESTED = "renovation.acceptance_requested"
INSPECTION_PASSED = "renovation.inspection_passed"
INSPECTION_FAILED = "renovation.inspection_failed"
BREACH_PROPOSED = "renovation.breach_proposed"
PENALTY = "renovation.penalty"
REFUNDED = "renovation.refunded"
# the daily job's
PASSES_EXPIRING = "renovation.passes_expiring"
PASSES_EXPIRED = "renovation.passes_expired"
DEPOSITS_DUE = "renovation.deposits_due"
OVERRUN = "renovation.overrun"
INSPECTION_LATE = "renovation.inspection_late"
# what a receipt is for (fees.Receipt.purpose_key)
RECEIPT = "renovation.receipt"

define(
    # to the desk
    Message(APPLIED, _("New renovation application %(number)s for %(unit)s"), "%(scope)s"),
    Message(RESUBMITTED, _("Renovation application %(number)s resubmitted"), _("%(unit)s: please check it again.")),
    # to the owner
    Message(APPROVED, _("Renovation %(number)s approved"),
            _("Please pay the fees and deposits at the finance office: ¥%(total)s.")),
    Message(RETURNED, _("Renovation application %(number)s returned for changes"), "%(reasons)s"),
    Message(PERMIT_ISSUED, _("Renovation permit %(permit)s issued"),
            _("Work on %(unit)s may start. Please post the permit on the door. Working hours: %(hours)s.")),
    # to engineering
    Message(ACCEPTANCE_REQUESTED, _("Acceptance requested: renovation %(number)s, %(unit)s"), "%(note)s"),
    # to the owner
    Message(INSPECTION_PASSED, _("Renovation %(number)s passed inspection"),
            _("The deposits are refunded from %(date)s. Please return the worker passes.")),
    Message(INSPECTION_FAILED, _("Renovation %(number)s did not pass inspection"), _("To fix: %(items)s")),
    # to the supervisors
    Message(BREACH_PROPOSED, _("Penalty to approve: renovation %(number)s, %(unit)s"),
            _("%(rule)s: ¥%(amount)s from the %(deposit)s.")),
    # to the owner
    Message(PENALTY, _("Penalty deducted from the deposit: renovation %(number)s"),
            _("%(rule)s: ¥%(amount)s from the %(deposit)s.")),
    Message(REFUNDED, _("Deposit refunded: renovation %(number)s"),
            _("%(deposit)s: ¥%(amount)s refunded (¥%(deducted)s deducted), voucher %(voucher)s.")),
    # the daily job: to the desk and the owner
    Message(PASSES_EXPIRING, _("Worker passes for %(unit)s expire on %(date)s"),
            _("%(count)d passes: %(names)s.")),
    Message(PASSES_EXPIRED, _("Worker passes for %(unit)s expired on %(date)s"),
            _("%(count)d passes: %(names)s.")),
    # to finance and the owner
    Message(DEPOSITS_DUE, _("Renovation deposits due for refund: %(unit)s"),
            _("Renovation %(number)s: the deposits fall due on %(date)s.")),
    # to the desk and the owner
    Message(OVERRUN, _("Renovation of %(unit)s past its planned end (%(date)s)"),
            _("Renovation %(number)s: finish the work and request acceptance, or extend it.")),
    # to engineering and the supervisors
    Message(INSPECTION_LATE, _("Inspection of %(unit)s not done (requested on %(date)s)"),
            _("Renovation %(number)s: due by %(due)s.")),
    Message(RECEIPT, _("Renovation %(number)s, %(unit)s: %(item)s")),
)
