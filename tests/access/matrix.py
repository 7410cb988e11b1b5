"""The access matrix: for every page and API route, what each kind of user gets on
owner A's records (tests/access/world.py builds them). tests/access/test_matrix.py
requests every row as every user and compares; a route without a row fails it.

Columns, in this order: anon, owner_a, owner_b, desk (front desk), sup (supervisor),
eng (engineering, a worker), fin (finance). Cells:

    200 302 400 403 404 405 401   the status code
    login    a redirect to the login page
    seen     200, and owner A's record (``seen=``) is in the list or page
    unseen   200, and it is not
    -        not requested (said why in the row's note)

The domain rule behind it (domain.md §1): owners see their own units only; the desk and
supervisors see the registry; engineering sees its own work orders and the shared pool
it could take (and the customer on them), the complaints routed to engineering, never the
registry; finance sees fees and what fees need (bills, payments, receipts, arrears,
reports, a unit's account with its owner's name), never complaints, work orders or
callbacks. Nobody reaches owner data about a unit they have no business with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from tests.access.world import NOW, SH, USERS, World

Kwargs = Callable[[World], dict] | None


@dataclass(frozen=True)
class Row:
    route: str
    kwargs: Kwargs
    expect: tuple[str, ...]
    variant: str = ""
    method: str = "GET"
    query: Callable[[World], str] | str = ""
    seen: Callable[[World], object] | None = None
    data: Callable[[World], dict] | None = None

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.route, self.method if self.method != "GET" else "", self.variant) if p)


def R(route, kwargs, expect, **options) -> Row:
    cells = tuple(expect.split())
    assert len(cells) == len(USERS), f"{route}: {len(cells)} cells for {len(USERS)} users"
    return Row(route, kwargs, cells, **options)


# Routes not in the table, by rule (a name or a "namespace:" prefix, and why).
GROUPS = {
    "admin:": "Django's admin: its own is_staff check, which none of the matrix's users passes "
              "(the admin is for superusers and the supervisors made is_staff by hand); admin:index "
              "stands for it in the table.",
    "admin/": "the admin's unnamed patterns (redirects to the named ones).",
    "^media/": "DEBUG-only file server of uploads (django.conf.urls.static); production serves no media.",
}

# Kwargs builders, by the object they point at.
def unit_a(w): return {"pk": w.unit_a.pk}
def owner_a(w): return {"pk": w.owner_a.pk}
def complaint_a(w): return {"pk": w.complaint_a.pk}
def suggestion_a(w): return {"pk": w.suggestion_a.pk}
def order_other(w): return {"pk": w.order_other.pk}
def order_own(w): return {"pk": w.order_own.pk}
def order_pool(w): return {"pk": w.order_pool.pk}
def callback_a(w): return {"pk": w.callback_a.pk}
def bill_a(w): return {"pk": w.bill_a.pk}
def payment_a(w): return {"pk": w.payment_a.pk}
def notice_a(w): return {"pk": w.notice_a.pk}
def statement(w): return {"pk": w.statement.pk}
def price_item(w): return {"pk": w.price_item.pk}
def fee_standard(w): return {"pk": w.fee_standard.pk}
def action(pk_of, name): return lambda w: {**pk_of(w), "name": name}
def reno_a(w): return {"pk": w.renovation_a.pk}  # owner A's renovation, in the portal
def renovation_a(w): return {"pk": w.renovation_a.pk}
def owner_deposit_a(w): return {"pk": w.renovation_a.charges.get(kind="owner_deposit").pk}


def patrol_photo_a(w):
    """A photo of an engineer's patrol of owner A's renovation, recorded the first time a
    row asks for it (the fixture world has no patrol)."""
    from django.utils import timezone

    from renovation import services
    from renovation.models import EvidencePhoto
    from tests import uploads

    photo = EvidencePhoto.objects.filter(patrol__renovation=w.renovation_a).first()
    if photo is None:
        patrol = services.patrol_record(
            renovation=w.renovation_a, in_order=True, now=timezone.now(), actor=w.users["engineering"],
            photos=[uploads.upload("patrol.png", uploads.png(), "image/png")])
        photo = patrol.photos.get()
    return {"pk": photo.pk}


def order_photo(w, order, stage):
    """A photo of ``stage`` on ``order``, stored the first time a row asks for it (the
    fixture world has none)."""
    from django.utils import timezone

    from propertydesk import files
    from repairs.models import WorkOrderPhoto
    from tests import uploads

    photo = WorkOrderPhoto.objects.filter(work_order=order, stage=stage).first()
    if photo is None:
        clean = files.clean_upload(uploads.upload("photo.png", uploads.png(), "image/png"), kind=files.IMAGE,
                                   field="photos")
        photo = WorkOrderPhoto.objects.create(
            work_order=order, stage=stage, file=clean.as_file(), content_type=clean.content_type,
            original_name=clean.download_name, size=clean.size, taken_at=timezone.now())
    return {"pk": order.pk, "photo_pk": photo.pk}


def after_photo_other(w): return order_photo(w, w.order_other, "after")
def before_photo_own(w): return order_photo(w, w.order_own, "before")


def incident_of(w):
    """An open water outage in owner A's building, opened by the desk the first time a row
    asks for it (the fixture world has no incident)."""
    from incidents import services
    from incidents.models import Incident

    incident = Incident.objects.filter(estate=w.unit_a.estate, place="甲楼泵房").first()
    if incident is None:
        incident = services.incident_open(
            estate=w.unit_a.estate, kind="water_outage", buildings=[w.unit_a.building], place="甲楼泵房",
            description="甲楼停水", started_at=NOW - dt.timedelta(minutes=30), script="甲楼停水抢修中",
            now=NOW, actor=w.users["desk"])
    return incident


def incident_a(w): return {"pk": incident_of(w).pk}
def incident_step_a(w): return {"pk": incident_of(w).pk, "step_pk": incident_of(w).steps.get(position=1).pk}


def xlsx(name): return lambda w: {"name": name}


def download_of_desk(w):
    """A list the front desk had prepared in the background, ready, made the first time a
    row asks for it."""
    from django.core.files.base import ContentFile

    from propertydesk.models import Download

    download = Download.objects.filter(user=w.users["desk"], status="ready").first()
    if download is None:
        download = Download(user=w.users["desk"], export="complaints", language="zh-hans", status="ready",
                            rows_total=1, rows_done=1, filename="complaints.xlsx", requested_at=NOW,
                            expires_at=NOW + dt.timedelta(days=3))
        download.file.save("complaints.xlsx", ContentFile(b"PK"), save=False)
        download.size = 2
        download.save()
    return {"pk": download.pk}


# For lists: what shows owner A's record. A string is looked for in a page; (key, value)
# in the items of a JSON list.
def number(attr): return lambda w: getattr(w, attr).number
def announcement_a(w): return {"pk": w.announcement_a.pk}
def api_id(attr): return lambda w: ("id", getattr(w, attr).pk)
def visit_a(w): return {"pk": w.visit_a.pk}
def item_pass_a(w): return {"pk": w.item_pass_a.pk}
def card_a(w): return {"pk": w.card_a.pk}
def tenant_login_a(w): return {"pk": w.tenant_login_a.pk}
def activity_a(w): return {"pk": w.activity_a.pk}
def activity_unit_a(w): return {"pk": w.activity_a.pk, "unit_id": w.unit_a.pk}


ROWS: list[Row] = [
    #   route                           kwargs            anon  own_a  own_b  desk   sup    eng    fin
    # ---- the core ---------------------------------------------------------------------------------
    R("home", None,                                      "login 302    302    302    302    302    302"),
    R("healthz", None,                                   "200   200    200    200    200    200    200"),
    R("inbox", None,                                     "login 200    200    200    200    200    200"),
    R("inbox", None,                                     "login 200    200    200    200    200    200",
      variant="one kind of message", query="kind=work_orders"),
    # A record's audit history: supervisors only (everyone else 403, whoever's record it is).
    R("history", lambda w: {"label": "complaints.complaint", "pk": w.complaint_a.pk},
      "login 403    403    403    200    403    403", variant="a complaint"),
    R("history", lambda w: {"label": "repairs.workorder", "pk": w.order_own.pk},
      "login 403    403    403    200    403    403", variant="a work order"),
    R("history", lambda w: {"label": "owners.owner", "pk": w.owner_a.pk},
      "login 403    403    403    200    403    403", variant="an owner"),
    R("history", lambda w: {"label": "fees.bill", "pk": w.bill_a.pk},
      "login 403    403    403    200    403    403", variant="a bill"),
    R("history", lambda w: {"label": "fees.payment", "pk": w.payment_a.pk},
      "login 403    403    403    200    403    403", variant="a payment"),
    R("history", lambda w: {"label": "complaints.complaintevent", "pk": 1},
      "login 403    403    403    404    403    403", variant="a model without history"),
    R("login", None,                                     "200   302    302    302    302    302    302"),
    R("logout", None,                                    "405   405    405    405    405    405    405"),
    R("password_change", None,                           "login 200    200    200    200    200    200"),
    R("password_change_done", None,                      "login 200    200    200    200    200    200"),
    R("set_language", None,                              "405   405    405    405    405    405    405"),
    R("deliveries", None,                                "login 403    403    200    200    403    403"),
    R("delivery_retry", lambda w: {"pk": w.delivery.pk if w.delivery else 0},
                                                         "login 403    403    405    405    403    403"),
    # the staff view: supervisors only; a person's row names them (the worker of order_other)
    R("staff", None,                                     "login 403    403    403    seen   403    403",
      query="period=custom&from=2026-11-01&to=2026-11-30", seen=lambda w: w.order_other.worker.user.username),
    R("staff_person", lambda w: {"user_id": w.order_other.worker.user_id},
                                                         "login 403    403    403    200    403    403"),
    R("admin:index", None,                               "302   302    302    302    302    302    302"),
    # ---- the registry at the desk: front desk and supervisors only --------------------------------
    R("desk", None,                                      "login 403    403    200    200    403    403"),
    # The supervisor's dashboard: figures of every estate, for supervisors only (domain §1).
    R("dashboard", None,                                 "login 403    403    403    200    403    403"),
    R("dashboard", None,                                 "login 403    403    403    200    403    403",
      variant="a year of one estate", query=lambda w: f"?period=year&estate={w.unit_a.estate_id}"),
    # The month reports (October's, made by the job on the 2nd): the dashboard's figures, supervisors only.
    R("month_reports", None,                             "login 403    403    403    200    403    403"),
    R("month_report", lambda w: {"month": dt.date(2026, 10, 1)},
                                                         "login 403    403    403    200    403    403"),
    R("month_report", lambda w: {"month": dt.date(2026, 10, 1)},
                                                         "login 403    403    403    200    403    403",
      variant="one estate in detail", query=lambda w: f"estate={w.unit_a.estate_id}"),
    R("month_report_xlsx", lambda w: {"month": dt.date(2026, 10, 1)},
                                                         "login 403    403    403    200    403    403"),
    # The desk's daily and weekly reports (seed 002): the desk's own, and the supervisors';
    # not finance's (they count complaints, work orders and callbacks) nor engineering's.
    R("desk_reports", None,                              "login 403    403    200    200    403    403"),
    R("desk_reports", None,                              "login 403    403    200    200    403    403",
      variant="the weeks of one estate", query=lambda w: f"period=week&estate={w.unit_a.estate_id}"),
    R("desk_reports", None,                              "login 403    403    200    200    403    403",
      variant="the month reports (the desk gets the days)", query="period=month"),
    R("desk_report", lambda w: {"period": "day", "day": "2026-11-19"},
                                                         "login 403    403    200    200    403    403"),
    R("desk_report", lambda w: {"period": "week", "day": "2026-11-13"},
                                                         "login 403    403    200    200    403    403",
      variant="a week, one estate", query=lambda w: f"estate={w.unit_a.estate_id}"),
    R("desk_report", lambda w: {"period": "day", "day": "2026-11-18"},
                                                         "login 403    403    404    404    403    403",
      variant="a day not reported"),
    R("desk_report_xlsx", lambda w: {"period": "day", "day": "2026-11-19"},
                                                         "login 403    403    200    200    403    403"),
    R("desk", None,                                      "login 403    403    seen   seen   403    403",
      variant="search by phone tail", query="q=2222", seen=number("unit_a")),
    R("desk", None,                                      "login 403    403    unseen unseen 403    403",
      variant="the desk's day (owner A's renovation is at work: not the desk's)", seen=number("renovation_a")),
    R("owners:list", None,                               "login 403    403    seen   seen   403    403",
      query="q=甲", seen=lambda w: w.owner_a.name),
    R("owners:create", None,                             "login 403    403    200    200    403    403"),
    R("owners:edit", owner_a,                            "login 403    403    200    200    403    403"),
    R("owners:detail", owner_a,                          "login 403    403    200    200    403    403"),
    R("owners:reveal", owner_a,                          "login 403    403    405    405    403    403"),
    R("owners:reveal", owner_a,                          "login 403    403    200    200    403    403",
      method="POST", data=lambda w: {"field": "phone"}),
    R("owners:add_unit", owner_a,                        "login 403    403    405    405    403    403"),
    R("owners:portal_login", owner_a,                    "login 403    403    405    405    403    403"),
    R("owners:unit", unit_a,                             "login 403    403    200    200    403    403"),
    # anonymising is the supervisor's alone (A still owns a unit: refused, back to the page)
    R("owners:anonymise", owner_a,                       "login 403    403    403    405    403    403"),
    R("owners:anonymise", owner_a,                       "login 403    403    403    302    403    403",
      method="POST", data=lambda w: {"reason": "moved away"}),
    R("owners:resident_move_out", lambda w: {"pk": w.resident_a.pk},
                                                         "login 403    403    405    405    403    403"),
    R("owners:ownership_move_out", lambda w: {"pk": w.ownership_a.pk},
                                                         "login 403    403    405    405    403    403"),
    # ---- the owner portal: owner A's own, owner B gets 404 ----------------------------------------
    R("portal:home", None,                               "login 200    200    403    403    403    403"),
    R("portal:unit", unit_a,                             "login 200    404    403    403    403    403"),
    # the owner's own data, as a file: each owner gets their own (tests/pages/test_personal_data.py)
    R("portal:my_data", None,                            "login 200    200    403    403    403    403"),
    R("portal:my_data_file", None,                       "login 200    200    403    403    403    403"),
    # ---- complaints: engineering sees those routed to it (A's is routed to security) ---------------
    R("complaints:queue", None,                          "login 403    403    seen   seen   unseen 403",
      query="status=open", seen=number("complaint_a")),
    R("complaints:queue", None,                          "login 403    403    200    200    200    403",
      variant="near or past the promise", query="near=on"),
    R("complaints:intake", None,                         "login 403    403    200    200    403    403"),
    R("complaints:unit_lookup", None,                    "login 403    403    seen   seen   403    403",
      variant="(owners, special needs, complaint counts)",
      query=lambda w: f"estate={w.estate.pk}&q=3-1-12", seen=api_id("unit_a")),
    R("complaints:clusters", None,                       "login 403    403    200    200    200    403",
      variant="(counts by building and category, no owner data)"),
    R("complaints:detail", complaint_a,                  "login 403    403    200    200    404    403"),
    R("complaints:attachment", lambda w: {"pk": w.complaint_a.pk, "attachment_pk": w.attachment_a.pk},
                                                         "login 200    404    200    200    404    403"),
    R("complaints:action", action(complaint_a, "start"), "login 403    403    405    405    405    403"),
    # the number to call, revealed in place (a POST back to the page; logged): the roles that reveal
    R("complaints:reveal_phone", complaint_a,            "login 403    403    405    405    405    403"),
    R("complaints:reveal_phone", complaint_a,            "login 403    403    302    302    404    403",
      method="POST"),
    R("complaints:suggestions", None,                    "login 403    403    seen   seen   403    403",
      seen=number("suggestion_a")),
    R("complaints:suggestion_create", None,              "login 403    403    200    200    403    403"),
    R("complaints:suggestion", suggestion_a,             "login 403    403    200    200    403    403"),
    R("complaints:portal_list", None,                    "login seen   unseen 403    403    403    403",
      seen=number("complaint_a")),
    R("complaints:portal_create", None,                  "login 200    200    403    403    403    403"),
    R("complaints:portal_detail", complaint_a,           "login 200    404    403    403    403    403"),
    R("complaints:portal_suggestion_create", None,       "login 200    200    403    403    403    403"),
    R("complaints:portal_suggestion", suggestion_a,      "login 200    404    403    403    403    403"),
    # ---- work orders: engineering has its own and the pool it could take --------------------------
    R("repairs:queue", None,                             "login 403    403    seen   seen   unseen 403",
      variant="another worker's order", query="status=all", seen=number("order_other")),
    R("repairs:queue", None,                             "login 403    403    seen   seen   seen   403",
      variant="the engineer's own order", query="status=all", seen=number("order_own")),
    R("repairs:queue", None,                             "login 403    403    seen   seen   seen   403",
      variant="a pool order of his trade", query="status=all", seen=number("order_pool")),
    R("repairs:queue", None,                             "login 403    403    200    200    200    403",
      variant="not dispatched yet", query="undispatched=on"),
    R("repairs:queue", None,                             "login 403    403    200    200    200    403",
      variant="appointments of a day", query="status=all&appointment=2026-11-18"),
    R("repairs:register", None,                          "login 403    403    200    200    403    403"),
    R("repairs:price_list", None,                        "login 403    403    200    200    200    403"),
    R("repairs:price_item_new", None,                    "login 403    403    403    200    403    403"),
    R("repairs:price_item_edit", price_item,             "login 403    403    403    200    403    403"),
    R("repairs:detail", order_other,                     "login 403    403    200    200    404    403",
      variant="another worker's order"),
    R("repairs:detail", order_own,                       "login 403    403    200    200    200    403",
      variant="the engineer's own order"),
    R("repairs:detail", order_pool,                      "login 403    403    200    200    200    403",
      variant="a pool order of his trade"),
    R("repairs:print", order_other,                      "login 403    403    200    200    404    403",
      variant="another worker's order"),
    R("repairs:print", order_own,                        "login 403    403    200    200    200    403",
      variant="the engineer's own order"),
    R("repairs:action", action(order_other, "dispatch"), "login 403    403    405    405    405    403"),
    R("repairs:action", action(order_other, "dispatch"), "login 403    403    400    400    403    403",
      method="POST", data=lambda w: {}),
    R("repairs:action", action(order_other, "damage"),   "login 403    403    400    400    404    403",
      variant="another worker's order", method="POST", data=lambda w: {}),
    # the requester's number revealed on the order's page: the desk, or the worker it is assigned to
    R("repairs:reveal_phone", order_own,                 "login 403    403    405    405    405    403"),
    R("repairs:reveal_phone", order_other,               "login 403    403    302    302    404    403",
      variant="another worker's order", method="POST"),
    R("repairs:reveal_phone", order_own,                 "login 403    403    302    302    302    403",
      variant="the engineer's own order", method="POST"),
    R("repairs:reveal_phone", order_pool,                "login 403    403    302    302    403    403",
      variant="a pool order of his trade", method="POST"),
    R("repairs:from_complaint", lambda w: {"complaint_pk": w.complaint_a.pk},
                                                         "login 403    403    405    405    403    403"),
    R("repairs:signature", lambda w: {"pk": w.acceptance_other.pk},
                                                         "login 403    403    200    200    404    403",
      variant="another worker's order"),
    R("repairs:photo", after_photo_other,                "login 200    404    200    200    404    404",
      variant="another worker's after photo, the work signed off"),
    R("repairs:photo", before_photo_own,                 "login 404    404    200    200    200    404",
      variant="the engineer's before photo, the work not done: not yet the owner's"),
    R("repairs:my_orders", None,                         "login 403    403    403    403    seen   403",
      seen=number("order_own")),
    R("repairs:my_order", order_other,                   "login 403    403    403    403    404    403",
      variant="another worker's order"),
    R("repairs:my_order", order_own,                     "login 403    403    403    403    200    403",
      variant="the engineer's own order"),
    R("repairs:my_action", action(order_own, "take"),    "login 403    403    403    403    405    403"),
    # the customer's number on the worker's phone: only on an order assigned to him
    R("repairs:my_reveal_phone", order_own,              "login 403    403    403    403    405    403"),
    R("repairs:my_reveal_phone", order_own,              "login 403    403    403    403    302    403",
      variant="the engineer's own order", method="POST"),
    R("repairs:my_reveal_phone", order_other,            "login 403    403    403    403    404    403",
      variant="another worker's order", method="POST"),
    R("repairs:my_reveal_phone", order_pool,             "login 403    403    403    403    404    403",
      variant="a pool order of his trade", method="POST"),
    R("repairs:portal_list", None,                       "login seen   unseen 403    403    403    403",
      seen=number("order_other")),
    R("repairs:portal_new", None,                        "login 200    200    403    403    403    403"),
    R("repairs:portal_prices", None,                     "login 200    200    403    403    403    403"),
    R("repairs:portal_detail", order_other,              "login 200    404    403    403    403    403"),
    R("repairs:portal_cancel", order_other,              "login 405    405    403    403    403    403"),
    # ---- callbacks: the desk's --------------------------------------------------------------------
    R("callbacks:queue", None,                           "login 403    403    200    200    403    403"),
    R("callbacks:queue", None,                           "login 403    403    200    200    403    403",
      variant="due today or overdue", query="bucket=due&assignee=mine"),
    R("callbacks:week", None,                            "login 403    403    200    200    403    403"),
    R("callbacks:rates", None,                           "login 403    403    200    200    403    403"),
    R("callbacks:rules", None,                           "login 403    403    200    200    403    403"),
    R("callbacks:spot_checks", None,                     "login 403    403    403    200    403    403"),
    R("callbacks:detail", callback_a,                    "login 403    403    200    200    403    403"),
    R("callbacks:action", action(callback_a, "perform"), "login 403    403    405    405    403    403"),
    R("callbacks:reveal_phone", callback_a,              "login 403    403    405    405    403    403"),
    R("callbacks:reveal_phone", callback_a,              "login 403    403    302    302    403    403",
      method="POST"),
    R("callbacks:signature", lambda w: {"pk": w.callback_result_a.pk},
                                                         "login 403    403    200    200    403    403"),
    R("callbacks:portal_list", None,                     "login 200    200    403    403    403    403"),
    R("callbacks:portal_answer", callback_a,             "login 404    404    403    403    403    403",
      variant="done, so no longer open to answer"),
    # ---- fees: the desk, supervisors and finance ---------------------------------------------------
    R("fees:home", None,                                 "login 403    403    200    200    403    200"),
    R("fees:standards", None,                            "login 403    403    200    200    403    200"),
    R("fees:standard_new", None,                         "login 403    403    403    200    403    200"),
    R("fees:standard_edit", fee_standard,                "login 403    403    403    200    403    200"),
    R("fees:standard_publish", fee_standard,             "login 403    403    403    405    403    405"),
    R("fees:bills", None,                                "login 403    403    seen   seen   403    seen",
      query="period=2026-11-01", seen=number("bill_a")),
    R("fees:bill", bill_a,                               "login 403    403    200    200    403    200"),
    R("fees:unit_account", unit_a,                       "login 403    403    200    200    403    200"),
    R("fees:unit_account", unit_a,                       "login 403    403    400    400    403    400",
      method="POST", variant="take a payment", data=lambda w: {}),
    R("fees:payment", payment_a,                         "login 403    403    200    200    403    200"),
    R("fees:payment_reverse", payment_a,                 "login 403    403    403    405    403    403"),
    R("fees:payment_reverse", payment_a,                 "login 403    403    403    400    403    403",
      method="POST", data=lambda w: {}),
    R("fees:receipt_print", lambda w: {"pk": w.payment_a.receipt_id},
                                                         "login 403    403    200    200    403    200"),
    R("fees:dunning", None,                              "login 403    403    200    200    403    200"),
    R("fees:dunning_print", None,                        "login 403    403    200    200    403    200"),
    R("fees:notice_delivered", notice_a,                 "login 403    403    405    405    405    405"),
    R("fees:arrears", None,                              "login 403    403    200    200    403    200"),
    R("fees:arrears_case", unit_a,                       "login 403    403    200    200    403    200"),
    R("fees:reports", None,                              "login 403    403    403    200    403    200"),
    R("fees:month_xlsx", None,                           "login 403    403    403    200    403    200"),
    R("fees:takings", None,                              "login 403    403    200    200    403    200"),
    R("fees:takings_xlsx", None,                         "login 403    403    200    200    403    200"),
    R("fees:statements", None,                           "login 403    403    403    200    403    200"),
    R("fees:statement_new", None,                        "login 403    403    403    403    403    200"),
    R("fees:statement", statement,                       "login 403    403    403    200    403    200"),
    R("fees:statement_edit", statement,                  "login 403    403    403    403    403    200"),
    R("fees:statement_publish", statement,               "login 403    403    405    405    405    405"),
    R("fees:portal_home", None,                          "login 200    200    403    403    403    403"),
    R("fees:portal_bill", bill_a,                        "login 200    404    403    403    403    403"),
    R("fees:portal_receipt", lambda w: {"pk": w.payment_a.receipt_id},
                                                         "login 200    404    403    403    403    403"),
    R("fees:portal_standards", None,                     "login 200    200    403    403    403    403"),
    R("fees:portal_statements", None,                    "login 200    200    403    403    403    403"),
    # -- notices (公告): the desk's pages (front desk and supervisors), the owner's portal -----------
    # Owner A's unit alone was sent the emergency notice: owner B neither lists nor opens it. A
    # second publishing is refused (back to the notice with a message), nothing sent twice; ending
    # and withdrawing are POSTs only (not requested: they would end the world's notice).
    R("notices:list", None,                              "login 403    403    seen   seen   403    403",
      seen=lambda w: w.announcement_a.title),
    R("notices:new", None,                               "login 403    403    200    200    403    403"),
    R("notices:new", None,                               "login 403    403    200    200    403    403",
      variant="from a template", query="template=water"),
    R("notices:detail", announcement_a,                  "login 403    403    seen   seen   403    403",
      variant="(its unread household)", seen=number("unit_a")),
    R("notices:edit", announcement_a,                    "login 403    403    200    200    403    403"),
    R("notices:publish", announcement_a,                 "login 403    403    405    405    403    403"),
    R("notices:publish", announcement_a,                 "login 403    403    302    302    403    403",
      method="POST", variant="(sent already: refused)"),
    R("notices:end", announcement_a,                     "login 403    403    405    405    403    403"),
    R("notices:withdraw", announcement_a,                "login 403    403    405    405    403    403"),
    R("notices:portal_list", None,                       "login seen   unseen 403    403    403    403",
      seen=lambda w: w.announcement_a.title),
    R("notices:portal_detail", announcement_a,           "login 200    404    403    403    403    403"),
    R("notice-list", None,                               "401   seen   unseen seen   seen   403    403",
      seen=api_id("announcement_a")),
    R("notice-detail", announcement_a,                   "401   200    404    200    200    403    403"),
    # -- incidents (突发事件): the desk and the supervisors handle them. Engineering has no row of its
    # own: domain §1 gives it its work orders, and an outage reaches it as one; finance and owners
    # have no business here. The complaint intake's notes name the open incident of the unit's
    # building. Ticking a step twice is refused (back to the incident); closing without a
    # summary is a 400 that writes nothing; the notice is a POST only (not requested: it would
    # write the world a notice).
    R("incidents:list", None,                            "login 403    403    seen   seen   403    403",
      query=lambda w: f"i={incident_of(w).pk}", seen=lambda w: incident_of(w).place),
    R("incidents:new", None,                             "login 403    403    200    200    403    403"),
    R("incidents:detail", incident_a,                    "login 403    403    seen   seen   403    403",
      seen=lambda w: incident_of(w).script),
    R("incidents:update", incident_a,                    "login 403    403    405    405    403    403"),
    R("incidents:tick", incident_step_a,                 "login 403    403    405    405    403    403"),
    R("incidents:tick", incident_step_a,                 "login 403    403    302    302    403    403",
      method="POST", variant="(the second refused)"),
    R("incidents:untick", incident_step_a,               "login 403    403    405    405    403    403"),
    R("incidents:notice", incident_a,                    "login 403    403    405    405    403    403"),
    R("incidents:close", incident_a,                     "login 403    403    405    405    403    403"),
    R("incidents:close", incident_a,                     "login 403    403    400    400    403    403",
      method="POST", variant="(no summary: refused)"),
    R("complaints:intake_notes", None,                   "login 403    403    seen   seen   403    403",
      variant="(the open incident's script)", query=lambda w: f"unit={w.unit_a.pk}&i={incident_of(w).pk}",
      seen=lambda w: incident_of(w).script),
    R("incident-list", None,                             "401   403    403    seen   seen   403    403",
      seen=lambda w: ("id", incident_of(w).pk)),
    R("incident-detail", incident_a,                     "401   403    403    200    200    403    403"),
    R("incident-tick", incident_a,                       "401   403    403    405    405    405    405"),
    R("incident-update-script", incident_a,              "401   403    403    405    405    405    405"),
    R("incident-notice", incident_a,                     "401   403    403    405    405    405    405"),
    R("incident-close", incident_a,                      "401   403    403    405    405    405    405"),
    R("incident-close", incident_a,                      "401   403    403    400    400    403    403",
      method="POST", variant="(no summary: refused)"),
    # -- gate (门岗): visitors, item passes, cards and parking -----------------------------------------
    # The desk's pages are front desk and supervisors' (the guard is a desk account for now);
    # engineering and finance have none. Owner A sees her unit's visitors, passes and cards, owner
    # B none of them (a 404 on A's pass). A pass's actions, a visit's out and reveal and a card's
    # steps are POSTs only (not requested: they would change the world's records).
    R("gate:visitors", None,                             "login 403    403    seen   seen   403    403",
      seen=lambda w: w.visit_a.visitor_name),
    R("gate:visit_out", visit_a,                         "login 403    403    405    405    403    403"),
    R("gate:visit_reveal", visit_a,                      "login 403    403    405    405    403    403"),
    R("gate:passes", None,                               "login 403    403    seen   seen   403    403",
      seen=number("item_pass_a")),
    R("gate:pass_new", None,                             "login 403    403    200    200    403    403"),
    R("gate:pass_detail", item_pass_a,                   "login 403    403    seen   seen   403    403",
      seen=number("item_pass_a")),
    R("gate:pass_sign", item_pass_a,                     "login 403    403    405    405    403    403"),
    R("gate:pass_cancel", item_pass_a,                   "login 403    403    405    405    403    403"),
    R("gate:check", None,                                "login 403    403    200    200    403    403"),
    R("gate:check", None,                                "login 403    403    seen   seen   403    403",
      variant="(a pass's number)", query=lambda w: f"number={w.item_pass_a.number}", seen=number("unit_a")),
    R("gate:cards", None,                                "login 403    403    seen   seen   403    403",
      seen=number("card_a")),
    R("gate:card_new", None,                             "login 403    403    200    200    403    403"),
    R("gate:card_detail", card_a,                        "login 403    403    seen   seen   403    403",
      seen=number("card_a")),
    R("gate:card_pay", card_a,                           "login 403    403    405    405    403    403"),
    R("gate:card_ready", card_a,                         "login 403    403    405    405    403    403"),
    R("gate:card_hand_over", card_a,                     "login 403    403    405    405    403    403"),
    R("gate:card_deactivate", card_a,                    "login 403    403    405    405    403    403"),
    R("gate:card_cancel", card_a,                        "login 403    403    405    405    403    403"),
    R("gate:portal_visitors", None,                      "login seen   unseen 403    403    403    403",
      seen=lambda w: w.visit_a.visitor_name),
    R("gate:portal_passes", None,                        "login seen   unseen 403    403    403    403",
      seen=number("item_pass_a")),
    R("gate:portal_pass", item_pass_a,                   "login 200    404    403    403    403    403"),
    R("gate:portal_pass_confirm", item_pass_a,           "login 405    405    403    403    403    403"),
    R("gate:portal_cards", None,                         "login seen   unseen 403    403    403    403",
      seen=number("card_a")),
    R("gate-visit-list", None,                           "401   seen   unseen seen   seen   403    403",
      seen=api_id("visit_a")),
    R("gate-visit-detail", visit_a,                      "401   200    404    200    200    403    403"),
    R("gate-visit-out", visit_a,                         "401   405    405    405    405    405    405"),
    R("gate-visit-reveal", visit_a,                      "401   405    405    405    405    405    405"),
    R("gate-pass-list", None,                            "401   seen   unseen seen   seen   403    403",
      seen=api_id("item_pass_a")),
    R("gate-pass-detail", item_pass_a,                   "401   200    404    200    200    403    403"),
    R("gate-pass-confirm", item_pass_a,                  "401   405    405    405    405    405    405"),
    R("gate-pass-release", item_pass_a,                  "401   405    405    405    405    405    405"),
    R("gate-pass-release", item_pass_a,                  "401   403    403    400    400    403    403",
      method="POST", variant="(waiting for the owner: refused)",
      data=lambda w: {"carrier_name": "搬运工", "carrier_id_number": "440106198001010011"}),
    R("gate-pass-cancel", item_pass_a,                   "401   405    405    405    405    405    405"),
    R("gate-card-list", None,                            "401   seen   unseen seen   seen   403    403",
      seen=api_id("card_a")),
    R("gate-card-detail", card_a,                        "401   200    404    200    200    403    403"),
    R("gate-card-pay", card_a,                           "401   405    405    405    405    405    405"),
    R("gate-card-ready", card_a,                         "401   405    405    405    405    405    405"),
    R("gate-card-ready", card_a,                         "401   403    403    400    400    403    403",
      method="POST", variant="(not paid: refused)"),
    R("gate-card-hand-over", card_a,                     "401   405    405    405    405    405    405"),
    R("gate-card-deactivate", card_a,                    "401   405    405    405    405    405    405"),
    R("gate-card-cancel", card_a,                        "401   405    405    405    405    405    405"),
    # Tenants at the desk: the unit's tenant page (?unit=…) is the desk's and the supervisors';
    # ending a login and a new code are POSTs only. A pass's refusal is an owner's, as its
    # confirmation is. Anyone may open the page where a tenant sets their password with a code.
    R("gate:residents", None,                            "login 403    403    seen   seen   403    403",
      query=lambda w: f"unit={w.unit_a.number}", seen=lambda w: w.resident_a.name),
    R("gate:residents", None,                            "login 403    403    400    400    403    403",
      method="POST", variant="(an empty form)", query=lambda w: f"unit={w.unit_a.number}", data=lambda w: {}),
    R("gate:resident_end", tenant_login_a,               "login 403    403    405    405    403    403"),
    R("gate:resident_resend", tenant_login_a,            "login 403    403    405    405    403    403"),
    R("gate:portal_pass_refuse", item_pass_a,            "login 405    405    403    403    403    403"),
    R("gate:activate", None,                             "200   200    200    200    200    200    200"),
    R("gate:activate", None,                             "400   400    400    400    400    400    400",
      method="POST", variant="(a made-up code)",
      data=lambda w: {"username": "m_tenant_a", "code": "ABCDEFGH", "password": "x", "password_again": "x"}),
    R("gate-pass-refuse", item_pass_a,                   "401   405    405    405    405    405    405"),
    R("gate-pass-refuse", item_pass_a,                   "401   200    404    403    403    403    403",
      method="POST", variant="(owner A refuses her tenant's pass)", data=lambda w: {"reason": "不同意"}),

    # -- community activities (社区活动): the desk's pages, the owner's upcoming list --------------------
    # A tea party to come in the estate of owners A and B (both see it; neither sees its households),
    # owner A's unit signed up. Marking it held before it starts is refused (back to it with a
    # message); the other buttons are POSTs only (not requested: they would change the world's).
    R("activities:list", None,                           "login 403    403    seen   seen   403    403",
      seen=lambda w: w.activity_a.title),
    R("activities:new", None,                            "login 403    403    200    200    403    403"),
    R("activities:detail", activity_a,                   "login 403    403    seen   seen   403    403",
      variant="(its household)", seen=number("unit_a")),
    R("activities:detail", activity_a,                   "login 403    403    seen   seen   403    403",
      variant="(the unit picker)", query="find=3-1-12", seen=number("unit_b")),
    R("activities:edit", activity_a,                     "login 403    403    200    200    403    403"),
    R("activities:add_household", activity_a,            "login 403    403    405    405    403    403"),
    R("activities:remove_household", activity_unit_a,    "login 403    403    405    405    403    403"),
    R("activities:hold", activity_a,                     "login 403    403    405    405    403    403"),
    R("activities:hold", activity_a,                     "login 403    403    302    302    403    403",
      method="POST", variant="(not started: refused)"),
    R("activities:cancel", activity_a,                   "login 403    403    405    405    403    403"),
    R("activities:announce", activity_a,                 "login 403    403    405    405    403    403"),
    R("activities:portal_list", None,                    "login seen   seen   403    403    403    403",
      seen=lambda w: w.activity_a.title),
    R("activities:portal_sign_up", activity_a,           "login 405    405    403    403    403    403"),
    R("activity-list", None,                             "401   seen   seen   seen   seen   403    403",
      seen=api_id("activity_a")),
    R("activity-detail", activity_a,                     "401   200    200    200    200    403    403"),
    R("activity-households", activity_a,                 "401   405    405    405    405    405    405"),
    R("activity-hold", activity_a,                       "401   405    405    405    405    405    405"),
    R("activity-cancel", activity_a,                     "401   405    405    405    405    405    405"),
    # -- renovation: the owner's portal and the gate ------------------------------------------------
    # Owner A's renovation is under way (permit issued): the application's own steps (correct,
    # sign) are over, so even its owner finds nothing there; owner B never finds it. The gate is
    # for the roles that check passes (front desk, supervisors).
    R("renovation:portal_list", None,                    "login seen   unseen 403    403    403    403",
      seen=number("renovation_a")),
    R("renovation:portal_new", None,                     "login 200    200    403    403    403    403"),
    R("renovation:portal_detail", reno_a,                "login 200    404    403    403    403    403"),
    R("renovation:portal_edit", reno_a,                  "login 404    404    403    403    403    403",
      variant="(under way: no longer corrected)"),
    R("renovation:portal_sign", reno_a,                  "login 404    404    403    403    403    403",
      variant="(under way: nothing left to sign)", query="paper=agreement&party=owner"),
    R("renovation:portal_permit", reno_a,                "login 200    404    403    403    403    403"),
    R("renovation:portal_document", lambda w: {"pk": w.renovation_a.pk, "document_pk": w.renovation_document_a.pk},
                                                         "login 200    404    403    403    403    403"),
    R("renovation:portal_paper", lambda w: {"pk": w.renovation_a.pk, "paper_pk": w.renovation_a.papers.first().pk},
                                                         "login 200    404    403    403    403    403"),
    R("renovation:portal_upload", reno_a,                "login 405    405    403    403    403    403"),
    R("renovation:portal_upload", reno_a,                "login 400    404    403    403    403    403",
      method="POST", data=lambda w: {}),
    R("renovation:portal_document_remove",
      lambda w: {"pk": w.renovation_a.pk, "document_pk": w.renovation_document_a.pk},
                                                         "login 405    405    403    403    403    403"),
    R("renovation:portal_worker_add", reno_a,            "login 405    405    403    403    403    403"),
    R("renovation:portal_worker_remove",
      lambda w: {"pk": w.renovation_a.pk, "worker_pk": w.renovation_worker_a.pk},
                                                         "login 405    405    403    403    403    403"),
    R("renovation:portal_scan", reno_a,                  "login 405    405    403    403    403    403"),
    R("renovation:portal_resubmit", reno_a,              "login 405    405    403    403    403    403"),
    R("renovation:portal_withdraw", reno_a,              "login 405    405    403    403    403    403"),
    R("renovation:portal_acceptance", reno_a,            "login 405    405    403    403    403    403"),
    R("renovation:gate", None,                           "login 403    403    200    200    403    403"),
    R("renovation:gate", None,                           "login 403    403    400    400    403    403",
      method="POST", variant="(no code: nothing checked)", data=lambda w: {}),
    R("renovation:gate_photo", lambda w: {"pk": w.pass_a.photo_id},
                                                         "login 403    403    200    200    403    403"),
    # -- renovation: the desk's pages
    # Every staff role sees renovations (the desk's paperwork, engineering's inspections and
    # patrols, finance's fees and refunds); owners use the portal's pages, not these. A file
    # is read by whoever may see its renovation: owner A their own, owner B nothing; a
    # patrol's photo is the staff's only.
    R("renovation:board", None,                          "login 403    403    seen   seen   seen   seen",
      seen=number("renovation_a")),
    R("renovation:board", None,                          "login 403    403    unseen unseen unseen unseen",
      variant="waiting for the desk (A's is at work)", query="waiting=desk", seen=number("renovation_a")),
    R("renovation:new", None,                            "login 403    403    200    200    403    403"),
    R("renovation:detail", renovation_a,                 "login 403    403    200    200    200    200"),
    R("renovation:permit_print", renovation_a,           "login 403    403    200    200    200    200"),
    R("renovation:passes_print", renovation_a,           "login 403    403    200    200    200    200"),
    R("renovation:application_print", renovation_a,      "login 403    403    200    200    200    200"),
    R("renovation:action", action(renovation_a, "approve"),
                                                         "login 403    403    405    405    405    405"),
    R("renovation:action", action(renovation_a, "return"),
                                                         "login 403    403    400    400    403    403",
      variant="(approving is the desk's and the supervisors')", method="POST", data=lambda w: {}),
    R("renovation:deposits", None,                       "login 403    403    seen   seen   403    seen",
      seen=number("renovation_a")),
    R("renovation:deposit_refund", owner_deposit_a,      "login 403    403    403    405    403    405"),
    R("renovation:deposit_refund", owner_deposit_a,      "login 403    403    403    400    403    400",
      method="POST", data=lambda w: {}),
    R("renovation:inspections", None,                    "login 403    403    403    200    200    403"),
    R("renovation:document", lambda w: {"pk": w.renovation_document_a.pk},
                                                         "login 200    404    200    200    200    200"),
    R("renovation:paper_file", lambda w: {"pk": w.renovation_a.papers.order_by("pk").first().pk},
                                                         "login 200    404    200    200    200    200",
      variant="(a signature on the pad)"),
    R("renovation:evidence_photo", patrol_photo_a,       "login 404    404    200    200    200    200",
      variant="(a patrol's: staff only)"),
    # ---- the lists as .xlsx: each list's own readers, its own rows (a row's text is looked for in the
    # file's cells); a list too long to write at once is asked for by POST and written by a worker ------
    R("export", xlsx("complaints"),                      "login 403    403    seen   seen   unseen 403",
      variant="complaints", query="status=open", seen=number("complaint_a")),
    R("export", xlsx("complaints"),                      "login 403    403    302    302    302    403",
      variant="complaints (prepared in the background)", method="POST", query="status=open"),
    R("export", xlsx("suggestions"),                     "login 403    403    seen   seen   403    403",
      variant="suggestions", seen=number("suggestion_a")),
    R("export", xlsx("work-orders"),                     "login 403    403    seen   seen   unseen 403",
      variant="work orders: another worker's order", query="status=all", seen=number("order_other")),
    R("export", xlsx("work-orders"),                     "login 403    403    seen   seen   seen   403",
      variant="work orders: the engineer's own order", query="status=all", seen=number("order_own")),
    R("export", xlsx("work-orders"),                     "login 403    403    seen   seen   seen   403",
      variant="work orders: a pool order of his trade", query="status=all", seen=number("order_pool")),
    R("export", xlsx("callbacks"),                       "login 403    403    seen   seen   403    403",
      variant="callbacks (named by their source)", query="status=all", seen=number("order_other")),
    R("export", xlsx("bills"),                           "login 403    403    seen   seen   403    seen",
      variant="bills", query="period=2026-11", seen=number("bill_a")),
    R("export", xlsx("payments"),                        "login 403    403    seen   seen   403    seen",
      variant="a day's payments", query=lambda w: f"day={w.payment_a.received_at.astimezone(SH):%Y-%m-%d}",
      seen=lambda w: w.payment_a.receipt.number),
    R("export", xlsx("arrears"),                         "login 403    403    200    200    403    200",
      variant="arrears"),
    R("export", xlsx("owners"),                          "login 403    403    seen   seen   403    403",
      variant="owners", query="q=甲", seen=lambda w: w.owner_a.name),
    R("export", xlsx("renovations"),                     "login 403    403    seen   seen   seen   seen",
      variant="renovations", seen=number("renovation_a")),
    R("export", xlsx("no-such-list"),                    "login 403    403    404    404    404    404",
      variant="(a list nobody declared)"),
    R("downloads", None,                                 "login 403    403    200    200    200    200"),
    R("downloads_progress", None,                        "login 403    403    200    200    200    200"),
    R("download", download_of_desk,                      "login 403    403    200    404    404    404",
      variant="(the front desk's: nobody else's)"),
    # ---- the API (session auth; lists: is owner A's record in it) ----------------------------------
    R("api-root", None,                                  "401   200    200    200    200    200    200"),
    R("api-token", None,                                 "405   405    405    405    405    405    405"),
    R("api-schema", None,                                "401   200    -      -      -      -      -",
      variant="(describes routes, holds no owner data; one login stands for all)"),
    R("api-docs", None,                                  "401   200    -      -      -      -      -",
      variant="(the schema's page)"),
    R("estate-list", None,                               "401   403    403    seen   seen   403    seen",
      seen=lambda w: ("id", w.estate.pk)),
    R("estate-detail", lambda w: {"pk": w.estate.pk},    "401   403    403    200    200    403    200"),
    R("building-list", None,                             "401   403    403    seen   seen   403    seen",
      seen=lambda w: ("id", w.unit_a.building_id)),
    R("building-detail", lambda w: {"pk": w.unit_a.building_id},
                                                         "401   403    403    200    200    403    200"),
    R("unit-list", None,                                 "401   seen   unseen seen   seen   403    seen",
      seen=api_id("unit_a")),
    R("unit-detail", unit_a,                             "401   200    404    200    200    403    200"),
    R("owner-list", None,                                "401   seen   unseen seen   seen   403    403",
      variant="search by phone tail", query="q=2222", seen=api_id("owner_a")),
    R("owner-detail", owner_a,                           "401   200    404    200    200    403    403"),
    R("owner-reveal", owner_a,                           "401   405    405    405    405    405    405"),
    R("owner-reveal", owner_a,                           "401   403    404    200    200    403    403",
      method="POST", data=lambda w: {"field": "phone"}),
    R("complaint-list", None,                            "401   seen   unseen seen   seen   unseen 403",
      seen=api_id("complaint_a")),
    R("complaint-detail", complaint_a,                   "401   200    404    200    200    404    403"),
    R("complaint-file", lambda w: {"pk": w.complaint_a.pk, "attachment_id": w.attachment_a.pk},
                                                         "401   200    404    200    200    404    403"),
    *[R(f"complaint-{name}", complaint_a,                "401   405    405    405    405    405    405")
      for name in ("assign", "pause", "progress", "reopen", "resolve", "resume", "start")],
    R("suggestion-list", None,                           "401   seen   unseen seen   seen   403    403",
      seen=api_id("suggestion_a")),
    R("suggestion-detail", suggestion_a,                 "401   200    404    200    200    403    403"),
    R("suggestion-decide", suggestion_a,                 "401   405    405    405    405    405    405"),
    R("suggestion-review", suggestion_a,                 "401   405    405    405    405    405    405"),
    R("work-order-list", None,                           "401   seen   unseen seen   seen   unseen 403",
      variant="another worker's order", seen=api_id("order_other")),
    R("work-order-list", None,                           "401   seen   unseen seen   seen   seen   403",
      variant="the engineer's own order", seen=api_id("order_own")),
    R("work-order-list", None,                           "401   seen   unseen seen   seen   seen   403",
      variant="a pool order of his trade", seen=api_id("order_pool")),
    R("work-order-detail", order_other,                  "401   200    404    200    200    404    403",
      variant="another worker's order"),
    R("work-order-detail", order_own,                    "401   200    404    200    200    200    403",
      variant="the engineer's own order"),
    R("work-order-detail", order_pool,                   "401   200    404    200    200    200    403",
      variant="a pool order of his trade"),
    *[R(f"work-order-{name}", order_other,               "401   405    405    405    405    405    405")
      for name in ("arrive", "cancel", "collect-payment", "complete", "confirm-price", "dispatch", "draw",
                   "judge", "photos", "report-damage", "settle", "settle-damage", "take", "verdict", "void")],
    R("work-order-photos", order_own,                    "401   403    403    403    403    400    403",
      variant="the engineer's own order, no photo", method="POST", data=lambda w: {}),
    R("work-order-photo", lambda w: {"pk": after_photo_other(w)["pk"], "photo_id": after_photo_other(w)["photo_pk"]},
                                                         "401   200    404    200    200    404    403",
      variant="another worker's after photo, the work signed off"),
    R("work-order-photo", lambda w: {"pk": before_photo_own(w)["pk"], "photo_id": before_photo_own(w)["photo_pk"]},
                                                         "401   404    404    200    200    200    403",
      variant="the engineer's before photo, the work not done: not yet the owner's"),
    R("work-order-dispatch", order_other,                "401   403    403    400    400    403    403",
      method="POST", data=lambda w: {}),
    R("work-order-report-damage", order_other,           "401   403    403    400    400    404    403",
      variant="another worker's order", method="POST", data=lambda w: {}),
    R("price-item-list", None,                           "401   seen   seen   seen   seen   seen   403",
      variant="(published to the owners of the estate)", seen=api_id("price_item")),
    R("price-item-detail", price_item,                   "401   200    200    200    200    200    403"),
    R("callback-list", None,                             "401   unseen unseen seen   seen   403    403",
      variant="(face to face: owners see only callbacks offered online)", seen=api_id("callback_a")),
    R("callback-detail", callback_a,                     "401   404    404    200    200    403    403"),
    *[R(f"callback-{name}", callback_a,                  "401   405    405    405    405    405    405")
      for name in ("assign", "cancel", "correct", "offer", "perform", "spot-check")],
    R("callback-rule-list", None,                        "401   403    403    200    200    403    403"),
    R("callback-rule-current", None,                     "401   403    403    200    200    403    403",
      query=lambda w: f"estate={w.estate.pk}"),
    R("fee-standard-list", None,                         "401   seen   seen   seen   seen   403    seen",
      variant="(published to the owners of the estate)", seen=api_id("fee_standard")),
    R("fee-standard-detail", fee_standard,               "401   200    200    200    200    403    200"),
    R("bill-list", None,                                 "401   seen   unseen seen   seen   403    seen",
      seen=api_id("bill_a")),
    R("bill-detail", bill_a,                             "401   200    404    200    200    403    200"),
    R("payment-list", None,                              "401   seen   unseen seen   seen   403    seen",
      seen=api_id("payment_a")),
    R("payment-list", None,                              "401   403    403    400    400    403    400",
      method="POST", variant="take a payment", data=lambda w: {}),
    R("payment-detail", payment_a,                       "401   200    404    200    200    403    200"),
    R("payment-reverse", payment_a,                      "401   405    405    405    405    405    405"),
    R("payment-reverse", payment_a,                      "401   403    403    403    200    403    403",
      method="POST", data=lambda w: {"reason": "收错户"}),
    R("dunning-notice-list", None,                       "401   seen   unseen seen   seen   403    seen",
      seen=api_id("notice_a")),
    R("dunning-notice-detail", notice_a,                 "401   200    404    200    200    403    200"),
    R("dunning-notice-delivered", notice_a,              "401   405    405    405    405    405    405"),
    R("arrears-list", None,                              "401   403    403    seen   seen   403    seen",
      seen=lambda w: ("unit", w.unit_a.pk)),
    R("arrears-summary", None,                           "401   403    403    200    200    403    200"),
    # -- renovation: the API ------------------------------------------------------------------------
    # Every member of staff with the view permission reads renovations (finance for the fees and
    # deposits, engineering for the inspections); an owner their own. Each step is its role's:
    # approve the desk's, the fees the desk's and finance's, the inspection engineering's; the
    # owner resubmits, withdraws and requests acceptance. Owner A's is under way (its permit
    # issued), so the POST rows below are refused by state or by an empty body, and change nothing.
    R("renovation-list", None,                           "401   seen   unseen seen   seen   seen   seen",
      seen=api_id("renovation_a")),
    R("renovation-list", None,                           "401   400    400    400    400    403    403",
      method="POST", variant="apply (an empty body)", data=lambda w: {}),
    R("renovation-detail", renovation_a,                 "401   200    404    200    200    200    200"),
    *[R(f"renovation-{name}", renovation_a,              "401   405    405    405    405    405    405")
      for name in ("approve", "extend", "issue-permit", "record-inspection", "request-acceptance", "resubmit",
                   "return", "take-fees", "withdraw")],
    R("renovation-approve", renovation_a,                "401   403    403    400    400    403    403",
      method="POST", variant="(under way: no longer to approve)", data=lambda w: {}),
    R("renovation-take-fees", renovation_a,              "401   403    403    400    400    403    400",
      method="POST", data=lambda w: {}),
    R("renovation-record-inspection", renovation_a,      "401   403    403    403    400    400    403",
      method="POST", data=lambda w: {}),
    R("renovation-withdraw", renovation_a,               "401   400    404    400    400    403    403",
      method="POST", variant="(under way: too late to withdraw)", data=lambda w: {}),
    R("renovation-document", lambda w: {"pk": w.renovation_a.pk, "document_id": w.renovation_document_a.pk},
                                                         "401   200    404    200    200    200    200"),
    R("renovation-paper", lambda w: {"pk": w.renovation_a.pk, "paper_id": w.renovation_a.papers.first().pk},
                                                         "401   200    404    200    200    200    200"),
    R("worker-pass-list", None,                          "401   403    403    seen   seen   403    403",
      seen=api_id("pass_a")),
    R("worker-pass-detail", lambda w: {"pk": w.pass_a.pk},
                                                         "401   403    403    200    200    403    403"),
    R("worker-pass-verify", None,                        "401   403    403    405    405    405    405"),
    R("worker-pass-verify", None,                        "401   403    403    200    200    403    403",
      method="POST", variant="(the check is logged)", data=lambda w: {"code": w.pass_a.serial}),
    # -- the shift log and the handover (客服日志, 交接班): the desk and supervisors; the history is
    # the supervisors'. Owners, engineering and finance get nothing: the log names units,
    # complaints and work orders (domain §1), and finance reconciles the day's takings from fees.
    # Closing, signing for and refusing are POSTs only (not requested: they would change the
    # world's handover).
    R("desk:log", None,                                  "login 403    403    seen   seen   403    403",
      seen=lambda w: w.entry_a.text),
    R("desk:log", None,                                  "login 403    403    400    400    403    403",
      method="POST", variant="(an empty entry)", data=lambda w: {"estate": w.estate.pk, "text": ""}),
    R("desk:entry_close", lambda w: {"pk": w.entry_a.pk}, "login 403    403    405    405    403    403"),
    R("desk:handover_new", None,                         "login 403    403    200    200    403    403"),
    R("desk:history", None,                              "login 403    403    403    seen   403    403",
      seen=lambda w: w.handover_a.handed_by.username),
    R("desk:handover", lambda w: {"pk": w.handover_a.pk}, "login 403    403    seen   seen   403    403",
      seen=lambda w: w.entry_a.text),
    R("desk:item_acknowledge", lambda w: {"pk": w.item_a.pk},
                                                         "login 403    403    405    405    403    403"),
    R("desk:item_refuse", lambda w: {"pk": w.item_a.pk}, "login 403    403    405    405    403    403"),
    R("logentry-list", None,                             "401   403    403    seen   seen   403    403",
      seen=api_id("entry_a")),
    R("logentry-list", None,                             "401   403    403    400    400    403    403",
      method="POST", variant="(an empty body)", data=lambda w: {}),
    R("logentry-detail", lambda w: {"pk": w.entry_a.pk}, "401   403    403    200    200    403    403"),
    R("logentry-close", lambda w: {"pk": w.entry_a.pk},  "401   403    403    405    405    405    405"),
    R("logentry-close", lambda w: {"pk": w.entry_a.pk},  "401   403    403    400    400    403    403",
      method="POST", variant="(waiting in a handover: refused)", data=lambda w: {}),
    R("handover-list", None,                             "401   403    403    seen   seen   403    403",
      seen=api_id("handover_a")),
    R("handover-list", None,                             "401   403    403    400    400    403    403",
      method="POST", variant="(an empty body)", data=lambda w: {}),
    R("handover-detail", lambda w: {"pk": w.handover_a.pk}, "401   403    403    200    200    403    403"),
    R("handoveritem-list", None,                         "401   403    403    seen   seen   403    403",
      seen=api_id("item_a")),
    R("handoveritem-detail", lambda w: {"pk": w.item_a.pk}, "401   403    403    200    200    403    403"),
    R("handoveritem-acknowledge", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    405    405    405    405"),
    R("handoveritem-refuse", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    405    405    405    405"),
    R("handoveritem-refuse", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    400    400    403    403",
      method="POST", variant="(no reason: refused)", data=lambda w: {}),
    # The takings handed over, counted and signed for by the next shift; a refused item settled
    # (reassigned or closed) by a supervisor, never by the desk. POSTs that would succeed are
    # not requested (they would change the world's handover); the ones here are refused.
    R("desk:takings_receive", lambda w: {"pk": w.handover_a.pk},
                                                         "login 403    403    405    405    403    403"),
    R("desk:item_reassign", lambda w: {"pk": w.item_a.pk}, "login 403    403    403    405    403    403"),
    R("desk:item_close", lambda w: {"pk": w.item_a.pk},  "login 403    403    403    405    403    403"),
    R("handover-receive-takings", lambda w: {"pk": w.handover_a.pk},
                                                         "401   403    403    405    405    405    405"),
    R("handover-receive-takings", lambda w: {"pk": w.handover_a.pk},
                                                         "401   403    403    400    400    403    403",
      method="POST", variant="(no count: refused)", data=lambda w: {}),
    R("handoveritem-reassign", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    405    405    405    405"),
    R("handoveritem-reassign", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    403    400    403    403",
      method="POST", variant="(not refused: refused)", data=lambda w: {}),
    R("handoveritem-close", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    405    405    405    405"),
    R("handoveritem-close", lambda w: {"pk": w.item_a.pk},
                                                         "401   403    403    403    400    403    403",
      method="POST", variant="(no note: refused)", data=lambda w: {}),
    # The reports' API, as their pages: the desk's daily and weekly reports for the desk and the
    # supervisors; the fee month reports for the supervisors and finance.
    R("desk-report-list", None,                          "401   403    403    seen   seen   403    403",
      seen=api_id("desk_report_a")),
    R("desk-report-list", None,                          "401   403    403    seen   seen   403    403",
      variant="the days of one estate", query=lambda w: f"kind=day&estate={w.estate.pk}",
      seen=api_id("desk_report_a")),
    R("desk-report-detail", lambda w: {"pk": w.desk_report_a.pk},
                                                         "401   403    403    200    200    403    403"),
    R("month-report-list", None,                         "401   403    403    403    seen   403    seen",
      seen=api_id("month_report_a")),
    R("month-report-detail", lambda w: {"pk": w.month_report_a.pk},
                                                         "401   403    403    403    200    403    200"),
]


# ---- tenants ---------------------------------------------------------------------------------------
# What a tenant's portal login (gate.ResidentLogin) gets, for the gate's routes, the only ones a
# tenant has any business with. A column per tenant in ROWS would touch every row of the table;
# this table has two: tenant_a (owner A's tenant, who applied for item_pass_a) and tenant_b (owner
# B's tenant). A tenant sees the passes and cards they applied for, never the owner's other
# records (card_a is owner A's: a 404), and none of the desk's pages.
TENANT_USERS = ("tenant_a", "tenant_b")


def T(route, kwargs, expect, **options) -> Row:
    cells = tuple(expect.split())
    assert len(cells) == len(TENANT_USERS), f"{route}: {len(cells)} cells for {len(TENANT_USERS)} tenants"
    return Row(route, kwargs, cells, **options)


TENANT_ROWS: list[Row] = [
    T("gate:portal_passes", None,                        "seen   unseen", seen=number("item_pass_a")),
    T("gate:portal_pass", item_pass_a,                   "200    404"),
    T("gate:portal_pass_confirm", item_pass_a,           "403    403"),
    T("gate:portal_pass_refuse", item_pass_a,            "403    403"),
    T("gate:portal_cards", None,                         "unseen unseen", seen=number("card_a")),
    T("gate:portal_visitors", None,                      "403    403"),
    T("gate:visitors", None,                             "403    403"),
    T("gate:passes", None,                               "403    403"),
    T("gate:pass_detail", item_pass_a,                   "403    403"),
    T("gate:check", None,                                "403    403"),
    T("gate:cards", None,                                "403    403"),
    T("gate:card_detail", card_a,                        "403    403"),
    T("gate:residents", None,                            "403    403", query=lambda w: f"unit={w.unit_a.number}"),
    T("gate:activate", None,                             "200    200"),
    T("gate-pass-list", None,                            "seen   unseen", seen=api_id("item_pass_a")),
    T("gate-pass-detail", item_pass_a,                   "200    404"),
    T("gate-pass-list", None,                            "400    400", method="POST", variant="(no goods)",
      data=lambda w: {"unit": w.unit_a.pk, "day": "2026-11-20"}),
    T("gate-pass-confirm", item_pass_a,                  "403    403", method="POST", data=lambda w: {}),
    T("gate-pass-refuse", item_pass_a,                   "403    403", method="POST", data=lambda w: {}),
    T("gate-pass-release", item_pass_a,                  "403    403", method="POST", data=lambda w: {}),
    T("gate-pass-cancel", item_pass_a,                   "403    403", method="POST", data=lambda w: {}),
    T("gate-card-list", None,                            "unseen unseen", seen=api_id("card_a")),
    T("gate-card-detail", card_a,                        "404    404"),
    T("gate-card-list", None,                            "400    400", method="POST", variant="(no holder)",
      data=lambda w: {"unit": w.unit_a.pk, "kind": "access_card"}),
    T("gate-card-pay", card_a,                           "403    403", method="POST", data=lambda w: {}),
    T("gate-visit-list", None,                           "403    403"),
    T("gate-visit-detail", visit_a,                      "403    403"),
]
