"""Staff roles as groups with permissions (domain §1). Owners are not a group:
an owner is a user linked to an Owner record, and sees only that owner's units.

ensure_roles() runs after every migrate, so new permissions reach the groups.
Later issues add their permissions to ROLE_PERMISSIONS.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

FRONT_DESK = "front_desk"
SUPERVISOR = "supervisor"
ENGINEERING = "engineering"
FINANCE = "finance"

ROLE_LABELS = {
    FRONT_DESK: _("Front desk"),
    SUPERVISOR: _("Supervisor"),
    ENGINEERING: _("Engineering"),
    FINANCE: _("Finance"),
}

_VIEW_REGISTRY = [
    "owners.view_estate",
    "owners.view_building",
    "owners.view_unit",
    "owners.view_owner",
    "owners.view_ownership",
    "owners.view_resident",
]
_FEE_DESK_REGISTRY = ["owners.view_estate", "owners.view_building", "owners.view_unit"]
_DESK = _VIEW_REGISTRY + [
    "owners.add_owner",
    "owners.change_owner",
    "owners.add_ownerphone",
    "owners.change_ownerphone",
    "owners.delete_ownerphone",
    "owners.add_ownership",
    "owners.change_ownership",
    "owners.add_resident",
    "owners.change_resident",
    "owners.reveal_owner_pii",
    "complaints.view_complaint",
    "complaints.add_complaint",
    "complaints.work_complaint",
    "complaints.view_suggestion",
    "complaints.add_suggestion",
    "complaints.change_suggestion",
    "repairs.view_workorder",
    "repairs.add_workorder",
    "repairs.dispatch_workorder",
    "repairs.view_priceitem",
    "callbacks.view_callback",
    "callbacks.perform_callback",
    "callbacks.view_callbackrule",
    "fees.view_feestandard",
    "fees.view_bill",
    "fees.view_payment",
    "fees.add_payment",
    "fees.view_receipt",
    "fees.view_dunningnotice",
    "fees.change_dunningnotice",
    "fees.view_arrearscase",
    # the outbox's page: failed and given-up messages, and the retry button
    "propertydesk.view_delivery",
    "propertydesk.change_delivery",
    # renovation: applications, approval, fees, permit and passes, the gate
    "renovation.view_renovation",
    "renovation.add_renovation",
    "renovation.change_renovation",
    "renovation.approve_renovation",
    "renovation.take_renovation_fees",
    "renovation.issue_renovation_permit",
    "renovation.check_gate",
    "renovation.view_workerpass",
    "renovation.view_gatecheck",
    "renovation.view_renovationcharge",
    "renovation.view_renovationpolicy",
    # notices (公告): written, published, ended and withdrawn by the desk
    "notices.view_notice",
    "notices.add_notice",
    "notices.change_notice",
    "notices.publish_notice",
    # the desk's daily (16:30) and weekly (Friday) reports (002 6.16, 四.3): its own
    "pages.view_deskreport",
    # incidents (突发事件): opened, handled step by step and closed by the desk; the plans read
    "incidents.view_incident",
    "incidents.add_incident",
    "incidents.handle_incident",
    "incidents.view_emergencyplan",
    # the gate (门岗): visitors, item passes (the guard is a desk account for now), cards
    "gate.view_visit",
    "gate.add_visit",
    "gate.change_visit",
    "gate.reveal_gate_pii",
    "gate.view_itempass",
    "gate.add_itempass",
    "gate.change_itempass",
    "gate.check_item_pass",
    "gate.view_cardapplication",
    "gate.add_cardapplication",
    "gate.change_cardapplication",
    "gate.take_card_fee",
    # tenants' portal logins: registered, sent a new code, ended at the desk
    "gate.view_residentlogin",
    "gate.add_residentlogin",
    "gate.change_residentlogin",
    # community activities (社区活动): planned, households recorded, held or cancelled by the desk
    "activities.view_activity",
    "activities.add_activity",
    "activities.change_activity",
    "activities.hold_activity",
    # the shift log and the handover (客服日志, 交接班): written, handed over and signed for
    "desk.view_logentry",
    "desk.add_logentry",
    "desk.change_logentry",
    "desk.hand_over_shift",
    "desk.view_handover",
]
# Renovation inspections and patrols (engineering), deposit refunds (finance).
_RENOVATION_WORKS = ["renovation.view_renovation", "renovation.inspect_renovation", "renovation.patrol_renovation"]
_RENOVATION_MONEY = ["renovation.view_renovation", "renovation.take_renovation_fees", "renovation.refund_deposit",
                     "renovation.view_renovationcharge", "renovation.view_depositrefund"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    FRONT_DESK: _DESK,
    SUPERVISOR: _DESK
    + [
        "owners.add_estate",
        "owners.change_estate",
        "owners.add_building",
        "owners.change_building",
        "owners.add_unit",
        "owners.change_unit",
        "owners.view_piireveal",
        "owners.view_registrycheck",
        # a departed owner anonymised (pages.services.owner_anonymise), and the record of it
        "owners.anonymise_owner",
        "owners.view_owneranonymisation",
        "propertydesk.view_jobrun",
        # the supervisor's dashboard (pages/dashboard.py) and its targets
        "pages.view_monthfacts",
        "pages.view_dashboardtarget",
        "pages.add_dashboardtarget",
        "pages.change_dashboardtarget",
        "complaints.reassign_complaint",
        "complaints.decide_suggestion",
        "complaints.view_complaintpolicy",
        "complaints.change_complaintpolicy",
        "complaints.add_complaintpolicy",
        "repairs.settle_workorder",
        "callbacks.cancel_callback",
        "callbacks.spotcheck_callback",
        "callbacks.view_spotcheck",
        "callbacks.add_callbackrule",
        "callbacks.view_ratecheck",
        "fees.reverse_payment",
        "fees.add_feestandard",
        "fees.change_feestandard",
        "fees.view_monthreport",
        "fees.view_incomestatement",
        "fees.add_arrearscase",
        "fees.change_arrearscase",
        "fees.add_arrearsmeasure",
        "fees.view_feepolicy",
        "fees.add_feepolicy",
        "fees.change_feepolicy",
        "repairs.add_priceitem",
        "repairs.change_priceitem",
        "repairs.view_dispatchrule",
        "repairs.add_dispatchrule",
        "repairs.change_dispatchrule",
        "repairs.view_worker",
        "repairs.change_worker",
        "fees.view_receipt",
        "fees.view_bankcollectioncharge",
        # renovation: everything the desk, engineering and finance do, and the penalties
        "renovation.approve_breach",
        "renovation.add_renovationpolicy",
        "renovation.change_renovationpolicy",
        "gate.view_gatereveal",
        "gate.view_gatepolicy",
        "gate.add_gatepolicy",
        "gate.change_gatepolicy",
        # the handover history of every shift, with each item's fate
        "desk.view_handover_history",
        # a refused handover item: reassigned to a shift or person, or closed with a note
        "desk.settle_handoveritem",
        *_RENOVATION_WORKS,
        *_RENOVATION_MONEY,
        # an estate's emergency plans, edited in the admin
        "incidents.change_emergencyplan",
        "incidents.add_planstep",
        "incidents.change_planstep",
        "incidents.delete_planstep",
    ],
    # Engineering: no registry. Its work orders name the customer; the rest is none of its
    # business (domain §1: nobody reaches owner data about a unit they have no business with).
    ENGINEERING: ["complaints.view_complaint", "complaints.work_complaint", "repairs.view_workorder",
                  "repairs.work_workorder", "repairs.view_priceitem", *_RENOVATION_WORKS],
    # Finance: fees, and of the registry what a fee desk needs to take a payment: estates,
    # buildings and units with their owners' names (the units API), never the owner
    # records, complaints, work orders or callbacks.
    FINANCE: _FEE_DESK_REGISTRY + ["fees.view_receipt", "fees.view_bankcollectioncharge",
                               "fees.view_feestandard", "fees.add_feestandard", "fees.change_feestandard",
                               "fees.view_bill", "fees.view_payment", "fees.add_payment", "fees.view_dunningnotice",
                               "fees.view_arrearscase", "fees.view_monthreport", "fees.view_incomestatement",
                               "fees.add_incomestatement", "fees.change_incomestatement",
                               "fees.publish_incomestatement", *_RENOVATION_MONEY],
}


def ensure_roles(**kwargs) -> None:
    """Give each role group its permissions: one read of all the permissions named, then
    each group's set. Runs after every migrate (and every test database flush)."""
    wanted = {dotted for codenames in ROLE_PERMISSIONS.values() for dotted in codenames}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in={dotted.split(".", 1)[1] for dotted in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([found[dotted] for dotted in codenames if dotted in found])


def roles_of(user) -> list[str]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = [g.name for g in user.groups.all() if g.name in ROLE_LABELS]
        user._role_names = cached
    return cached


def is_staff_member(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user)))


def owner_of(user):
    """The Owner record a portal user is linked to, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.owner_profile
    except Exception:  # RelatedObjectDoesNotExist
        return None


def worker_of(user):
    """The Worker record of a member of staff who takes work orders, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.worker
    except Exception:  # RelatedObjectDoesNotExist
        return None


def is_supervisor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or SUPERVISOR in roles_of(user))


# Where a user the core does not know lands after logging in (``propertydesk.views.home``):
# an app registers a function of the user returning a URL name, or None for others. The
# gate's tenants (gate.ResidentLogin) land on their item passes.
LANDINGS: list = []


def register_landing(landing) -> None:
    LANDINGS.append(landing)
