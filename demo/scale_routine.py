"""The desk's routine at a large company's scale, for ``seed_scale`` (demo/scale.py): the
gate's visitors, item passes and cards (the cards' fees with their receipts), the shift
log with a handover for every shift and its takings, incidents, community activities with
their households and callbacks, and a year of notices with a read receipt per household.

Set-based like the rest of the generator: ``INSERT … SELECT`` over ``generate_series`` with
``hashint8extended`` as dice, each row in the state its dates give it on ``as_of``, one
event row per move, numbers in the services' formats with their sequences advanced. The
ID numbers of visitors and carriers are encrypted by the model's field (a pool of made-up
people, so a visitor comes back as the same encrypted number)."""

from __future__ import annotations

import random
import re

from django.conf import settings
from django.db import connection

from activities.models import ActivityKind
from callbacks.rules import default_rule
from demo.people import People
from demo.texts import texts
from desk import shifts
from gate.models import Visit
from incidents import services as incident_services
from incidents.models import IncidentKind
from notices.models import NoticeKind
from owners import crypto

# At --scale 1.0: three years of the desk's routine for 100,000 units in 20 estates.
ROUTINE = {
    "visits": 600_000,        # about 27 visitors a day an estate
    "item_passes": 60_000,    # about 3 a day an estate
    "cards": 120_000,         # 1.2 cards or parking permits a unit
    "entries_per_shift": 6,   # the shift log's entries, two shifts a day an estate
    "incidents_per_month": 2,  # an estate's
    "activities_per_month": 2,  # an estate's
    "notices_per_month": 8,   # an estate's, over the last year
}
ID_POOL = 5_000  # made-up visitors and carriers, encrypted once each
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林")


class Routine:
    """Mixed into demo.scale.Generator: needs its ``_owned`` table (see ``owned_table``),
    ``estates``, ``n`` and the helpers ``sql``, ``scalar``, ``r``, ``pick``, ``fate``,
    ``copy``, ``number_by_year`` and ``bump_sequences``."""

    def routine(self) -> dict[str, int]:
        if not getattr(self, "owned", 0):
            return {}
        share = self.n["units"] / 100_000
        self.sql("""
            DROP TABLE IF EXISTS _clerk, _est;
            CREATE TEMP TABLE _clerk AS
            SELECT e.id AS estate_id, u.id AS user_id FROM owners_estate e
            JOIN auth_user u ON u.username = 'scale-desk-' || e.code WHERE e.id = ANY(%(estates)s);
            CREATE TEMP TABLE _est AS
            SELECT estate_id, min(rn) AS first_rn, count(*) AS households FROM _owned GROUP BY estate_id;
        """, {"estates": [e.pk for e in self.estates]})
        self._id_pool()
        counts: dict[str, int] = {}
        for part in (self._visits, self._item_passes, self._cards, self._shift_log, self._incidents,
                     self._activities, self._notices):
            counts |= part(share)
        self.sql("DROP TABLE IF EXISTS _clerk, _est, _vid, _ip, _ipseq, _card, _cardseq, _shift, _inc, _act, _nt")
        return counts

    # -- people ------------------------------------------------------------------------------

    def _id_pool(self) -> None:
        people = People(random.Random(self.seed + 7))
        field = Visit._meta.get_field("id_number")
        rows = []
        for k in range(ID_POOL):
            number = people.resident_id(people.person(born=(1950, 2005)))
            rows.append((k, field.get_db_prep_value(number, connection), crypto.id_number_index(number)))
        self.sql("DROP TABLE IF EXISTS _vid; CREATE TEMP TABLE _vid (k int PRIMARY KEY, enc text, hash text)")
        self.copy("_vid", ["k", "enc", "hash"], rows)

    def _name(self, row: str, salt: int) -> str:
        return f"{self.pick(row, salt, SURNAMES)} || {self.pick(row, salt + 1, ['先生', '女士'])}"

    def _household(self, row: str, salt: int) -> str:
        """A household (an ``_owned`` row) drawn for ``row`` among all estates'."""
        return f"1 + mod(abs(hashint8extended(({row})::bigint, {self.seed * 100 + salt})), {self.owned})"

    def _day(self, row: str, salt: int, days: int) -> str:
        """Midnight (local) of one of the ``days`` days before as_of."""
        return f"(%(now)s - make_interval(days => 1 + floor({self.r(row, salt)} * {days})::int))"

    # -- the gate ------------------------------------------------------------------------------

    def _visits(self, share: float) -> dict[str, int]:
        count = round(ROUTINE["visits"] * share)
        days = 365 * 3
        r = self.r
        made = self.sql(f"""
            INSERT INTO gate_visit (id_number, id_number_hash, visitor_name, confirmed, confirmed_how, time_in,
                                    time_out, note, estate_id, registered_by_id, unit_id)
            SELECT CASE WHEN x.with_id THEN v.enc END, CASE WHEN x.with_id THEN v.hash ELSE '' END, x.name,
                   x.confirmed, CASE WHEN x.confirmed THEN x.how ELSE '' END, x.time_in,
                   CASE WHEN NOT x.confirmed THEN x.time_in
                        WHEN x.time_in + x.stay <= %(now)s THEN x.time_in + x.stay END,
                   x.note, o.estate_id, c.user_id, o.unit_id
            FROM (
                SELECT g, {r('g', 301)} < 0.4 AS with_id, {self._name('g', 302)} AS name,
                       {r('g', 304)} >= 0.03 AS confirmed, {self.pick('g', 305, ['phone', 'intercom', 'in_person'])} AS how,
                       {self._day('g', 306, days)} + make_interval(mins => 450 + (930 * {r('g', 307)})::int) AS time_in,
                       make_interval(mins => 10 + (230 * {r('g', 308)})::int) AS stay,
                       {self.pick('g', 309, texts('gate')['notes'])} AS note
                FROM generate_series(1, %(count)s) g
            ) x
            JOIN _owned o ON o.rn = {self._household('x.g', 310)}
            JOIN _clerk c ON c.estate_id = o.estate_id
            JOIN _vid v ON v.k = mod(x.g, {ID_POOL})
            ORDER BY x.time_in
        """, {"count": count})
        return {"visits": made}

    def _item_passes(self, share: float) -> dict[str, int]:
        """An owner's pass is confirmed when made; most are used on their day, some cancelled,
        the rest expired unused."""
        count = round(ROUTINE["item_passes"] * share)
        r = self.r
        goods = sorted({what for lines in texts("gate")["goods"] for what, _n in lines})
        self.sql(f"""
            DROP TABLE IF EXISTS _ip;
            CREATE TEMP TABLE _ip AS
            SELECT nextval(pg_get_serial_sequence('gate_itempass', 'id')) AS id, x.*,
                   x.created_at + make_interval(mins => 30 + (270 * {r('x.g', 323)})::int) AS done_at,
                   row_number() OVER (PARTITION BY x.estate_id, x.day ORDER BY x.created_at, x.g) AS seq
            FROM (
                SELECT g, o.estate_id, o.unit_id, o.owner_id, o.owner_name, c.user_id AS clerk,
                       ({self._day('g', 320, 365 * 3)} AT TIME ZONE %(tz)s)::date AS day,
                       {self._day('g', 320, 365 * 3)} + make_interval(mins => 480 + (600 * {r('g', 321)})::int) AS created_at,
                       {self.pick('g', 322, ['portal', 'desk'])} AS via,
                       {self.fate('g', 324, (('released', 0.88), ('cancelled', 0.94), ('confirmed', 1.0)))} AS status,
                       {self._name('g', 325)} AS carrier
                FROM generate_series(1, %(count)s) g
                JOIN _owned o ON o.rn = {self._household('g', 326)}
                JOIN _clerk c ON c.estate_id = o.estate_id
            ) x;
            CREATE UNIQUE INDEX ON _ip (id)
        """, {"count": count})
        made = self.sql(f"""
            INSERT INTO gate_itempass (id, number, day, applicant_name, applied_via, status, created_at, confirmed_at,
                confirmed_how, carrier_name, carrier_id_number, released_at, applicant_owner_id, confirmed_by_id,
                created_by_id, estate_id, released_by_id, unit_id)
            SELECT p.id, upper(e.code) || '-FX' || to_char(p.day, 'YYMMDD') || '-' || lpad(p.seq::text, 3, '0'), p.day,
                   p.owner_name, p.via, p.status, p.created_at, p.created_at, 'applicant',
                   CASE WHEN p.status = 'released' THEN p.carrier ELSE '' END,
                   CASE WHEN p.status = 'released' THEN v.enc END,
                   CASE WHEN p.status = 'released' THEN p.done_at END, p.owner_id, p.owner_id,
                   CASE WHEN p.via = 'desk' THEN p.clerk END, p.estate_id,
                   CASE WHEN p.status = 'released' THEN p.clerk END, p.unit_id
            FROM _ip p JOIN owners_estate e ON e.id = p.estate_id JOIN _vid v ON v.k = mod(p.g + 17, {ID_POOL})
            ORDER BY p.id
        """)
        self.sql("SELECT setval(pg_get_serial_sequence('gate_itempass', 'id'), (SELECT max(id) FROM gate_itempass))")
        # The day's sequences, so a pass made today by the services does not meet one of these.
        self.sql("""
            INSERT INTO propertydesk_sequence (key, value)
            SELECT 'gate.itempass:' || estate_id || ':' || to_char(day, 'YYYYMMDD'), max(seq) FROM _ip
            GROUP BY estate_id, day
            ON CONFLICT (key) DO UPDATE SET value = GREATEST(propertydesk_sequence.value, EXCLUDED.value)
        """)
        lines = self.sql(f"""
            INSERT INTO gate_itempassline (item_pass_id, description, quantity)
            SELECT p.id, {self.pick('p.id * 10 + k', 327, goods)}, 1 + floor({r('p.id * 10 + k', 328)} * 4)::int
            FROM _ip p CROSS JOIN LATERAL generate_series(1, 1 + floor({r('p.id', 329)} * 3)::int) k
        """)
        events = self.sql("""
            INSERT INTO gate_itempassevent (item_pass_id, at, note, from_status, to_status, actor_id)
            SELECT id, created_at, '', '', 'confirmed', CASE WHEN via = 'desk' THEN clerk END FROM _ip
            UNION ALL
            SELECT id, done_at, '', 'confirmed', status, clerk FROM _ip WHERE status IN ('released', 'cancelled')
        """)
        return {"item_passes": made, "item_pass_lines": lines, "item_pass_events": events}

    def _cards(self, share: float) -> dict[str, int]:
        """Cards and parking permits: paid at the desk with a receipt from the fees' one
        sequence, ready after the policy's days, handed over; some lost and deactivated,
        a few cancelled before paying; the last days' still being made."""
        count = round(ROUTINE["cards"] * share)
        policy = settings.GATE_POLICY_DEFAULTS
        r = self.r
        plates = texts("gate")["plates"]
        self.sql(f"""
            DROP TABLE IF EXISTS _card;
            CREATE TEMP TABLE _card AS
            SELECT nextval(pg_get_serial_sequence('gate_cardapplication', 'id')) AS id,
                   nextval(pg_get_serial_sequence('fees_receipt', 'id')) AS receipt_id, y.*,
                   CASE WHEN y.cancelled THEN NULL ELSE y.applied_at + interval '5 minutes' END AS paid_at,
                   CASE WHEN NOT y.cancelled AND y.ready_at <= %(now)s THEN y.ready_at END AS made_at,
                   CASE WHEN NOT y.cancelled AND y.issue_at <= %(now)s THEN y.issue_at END AS issued_at,
                   CASE WHEN NOT y.cancelled AND y.lost_at <= %(now)s THEN y.lost_at END AS lost
            FROM (
                SELECT x.*, (x.applied_at AT TIME ZONE %(tz)s)::date + {policy['ready_days']} AS ready_on,
                       ((x.applied_at AT TIME ZONE %(tz)s)::date + {policy['ready_days']})::timestamp AT TIME ZONE %(tz)s
                           + interval '10 hours' AS ready_at,
                       ((x.applied_at AT TIME ZONE %(tz)s)::date + {policy['ready_days']})::timestamp AT TIME ZONE %(tz)s
                           + make_interval(hours => 12 + (100 * {r('x.g', 344)})::int) AS issue_at,
                       CASE WHEN {r('x.g', 345)} < 0.1 THEN x.applied_at + make_interval(days => 10 + (700 * {r('x.g', 346)})::int) END AS lost_at
                FROM (
                    SELECT g, o.estate_id, o.unit_id, o.owner_id, o.owner_name, c.user_id AS clerk,
                           CASE WHEN {r('g', 340)} < 0.3 THEN 'parking' ELSE 'access_card' END AS kind,
                           %(start)s + make_interval(secs => ({int((self.now - self.start).total_seconds()) - 86400}
                               * (g - 1 + {r('g', 341)}) / %(count)s)::bigint) AS applied_at,
                           {r('g', 342)} < 0.03 AS cancelled,
                           {self.pick('g', 343, ['cash', 'card', 'online'])} AS method
                    FROM generate_series(1, %(count)s) g
                    JOIN _owned o ON o.rn = {self._household('g', 347)}
                    JOIN _clerk c ON c.estate_id = o.estate_id
                ) x
            ) y;
            CREATE UNIQUE INDEX ON _card (id)
        """, {"count": count})
        fee = f"CASE c.kind WHEN 'parking' THEN {policy['parking_fee']} ELSE {policy['card_fee']} END"
        self.number_by_year(into="_cardseq", source="_card", prefix="gate.card", at="applied_at")
        made = self.sql(f"""
            INSERT INTO gate_cardapplication (id, number, kind, holder_name, plate_number, fee, ready_on, status,
                card_number, applied_at, deactivated_at, deactivation_reason, applicant_id, estate_id, receipt_id,
                unit_id)
            SELECT c.id, upper(e.code) || '-MK' || s.year || '-' || lpad(s.seq::text, 5, '0'), c.kind,
                   CASE WHEN {r('c.g', 348)} < 0.7 THEN c.owner_name ELSE c.owner_name || '家人' END,
                   CASE WHEN c.kind = 'parking' THEN {self.pick('c.g', 349, plates)} ELSE '' END, {fee}, c.ready_on,
                   CASE WHEN c.cancelled THEN 'cancelled' WHEN c.lost IS NOT NULL THEN 'deactivated'
                        WHEN c.issued_at IS NOT NULL THEN 'issued' WHEN c.made_at IS NOT NULL THEN 'ready'
                        ELSE 'paid' END,
                   CASE WHEN c.made_at IS NOT NULL THEN 'C' || lpad(c.id::text, 8, '0') ELSE '' END,
                   c.applied_at, c.lost, CASE WHEN c.lost IS NOT NULL THEN 'lost' ELSE '' END, c.owner_id,
                   c.estate_id, NULL, c.unit_id
            FROM _card c JOIN _cardseq s ON s.g = c.g JOIN owners_estate e ON e.id = c.estate_id
            ORDER BY c.id
        """)
        self.bump_sequences("_cardseq", "gate.card")
        self.sql("SELECT setval(pg_get_serial_sequence('gate_cardapplication', 'id'), "
                 "(SELECT max(id) FROM gate_cardapplication))")
        self.number_by_year(into="_cardseq", source="(SELECT receipt_id AS g, estate_id, paid_at FROM _card "
                                                     "WHERE paid_at IS NOT NULL)", prefix="receipt", at="paid_at")
        receipts = self.sql(f"""
            INSERT INTO fees_receipt (id, number, estate_id, unit_id, payer_name, amount, method, purpose,
                purpose_key, purpose_params, source, issued_at)
            SELECT c.receipt_id, upper(e.code) || '-SJ' || s.year || '-' || lpad(s.seq::text, 6, '0'), c.estate_id,
                   c.unit_id, c.owner_name, {fee}, c.method, '', 'gate.card_receipt',
                   jsonb_build_object('kind', jsonb_build_object('$label', 'gate.models.CardKind', 'v', c.kind),
                                      'number', a.number, 'unit', u.number),
                   'gatecard:' || c.id, c.paid_at
            FROM _card c JOIN _cardseq s ON s.g = c.receipt_id JOIN owners_estate e ON e.id = c.estate_id
            JOIN gate_cardapplication a ON a.id = c.id JOIN owners_unit u ON u.id = c.unit_id
            ORDER BY c.receipt_id
        """)
        self.bump_sequences("_cardseq", "receipt")
        self.sql("UPDATE gate_cardapplication a SET receipt_id = c.receipt_id FROM _card c "
                 "WHERE a.id = c.id AND c.paid_at IS NOT NULL")
        events = self.sql("""
            INSERT INTO gate_cardevent (card_id, at, note, from_status, to_status, actor_id)
            SELECT id, applied_at, '', '', 'applied', clerk FROM _card
            UNION ALL SELECT id, applied_at + interval '1 hour', '', 'applied', 'cancelled', clerk FROM _card
                      WHERE cancelled
            UNION ALL SELECT id, paid_at, '', 'applied', 'paid', clerk FROM _card WHERE paid_at IS NOT NULL
            UNION ALL SELECT id, made_at, '', 'paid', 'ready', clerk FROM _card WHERE made_at IS NOT NULL
            UNION ALL SELECT id, issued_at, '', 'ready', 'issued', clerk FROM _card WHERE issued_at IS NOT NULL
            UNION ALL SELECT id, lost, '', 'issued', 'deactivated', clerk FROM _card WHERE lost IS NOT NULL
        """)
        return {"cards": made, "card_receipts": receipts, "card_events": events}

    # -- the shift log -------------------------------------------------------------------------

    def _shift_log(self, share: float) -> dict[str, int]:
        """Every shift of three years (at a smaller scale, of its share of them, a week at
        least) in every estate: its entries (most closed within the
        shift; a fifth carried to the next shift, which signs for them; one in a hundred of
        those refused and then closed by the supervisor's desk), and its handover with the
        takings its payments make, by method. The shift under way at as_of is not handed
        over: its open entries are the ones the desk sees."""
        r = self.r
        defs = shifts.shift_defs(self.estates[0])
        rows = []
        for index, d in enumerate(defs):
            following = defs[(index + 1) % len(defs)]
            rows.append((index, d.key, d.start.strftime("%H:%M"), d.end.strftime("%H:%M"), following.key))
        self.sql("DROP TABLE IF EXISTS _sdef; CREATE TEMP TABLE _sdef (i int, key text, starts time, ends time, "
                 "next_key text)")
        self.copy("_sdef", ["i", "key", "starts", "ends", "next_key"], rows)
        per_shift = ROUTINE["entries_per_shift"]
        days = max(7, round(365 * 3 * share))  # a smaller set keeps its last weeks only
        self.sql("""
            DROP TABLE IF EXISTS _shift;
            CREATE TEMP TABLE _shift AS
            SELECT row_number() OVER (ORDER BY c.estate_id, s.start) AS g, c.estate_id, c.user_id AS clerk, s.*,
                   lead(s.start) OVER (PARTITION BY c.estate_id ORDER BY s.start) AS next_start
            FROM _clerk c CROSS JOIN LATERAL (
                SELECT d.key, d.next_key, day::date AS day, (day + d.starts) AT TIME ZONE %(tz)s AS start,
                       (day + d.ends + CASE WHEN d.ends <= d.starts THEN interval '1 day' ELSE interval '0' END)
                           AT TIME ZONE %(tz)s AS "end"
                FROM generate_series((%(start)s AT TIME ZONE %(tz)s)::date - 1, (%(now)s AT TIME ZONE %(tz)s)::date,
                                     interval '1 day') day, _sdef d
            ) s
            WHERE s.start >= %(now)s - make_interval(days => %(days)s) AND s.start < %(now)s;
            CREATE UNIQUE INDEX ON _shift (estate_id, start);
            ALTER TABLE _shift ADD handed boolean;
            UPDATE _shift SET handed = "end" <= %(now)s AND next_start IS NOT NULL;
        """, {"days": days})
        # The takings of each shift by method: every payment finds its shift (one index probe).
        self.sql("""
            DROP TABLE IF EXISTS _tk;
            CREATE TEMP TABLE _tk AS
            SELECT s.estate_id, s.start, p.method, count(*) AS n, sum(p.amount) AS total
            FROM fees_payment p
            CROSS JOIN LATERAL (SELECT s.estate_id, s.start, s."end" FROM _shift s
                                WHERE s.estate_id = p.estate_id AND s.start <= p.received_at
                                ORDER BY s.start DESC LIMIT 1) s
            WHERE p.received_at >= (SELECT min(start) FROM _shift) AND p.received_at < %(now)s
              AND p.reversed_at IS NULL AND p.received_at < s."end"
            GROUP BY s.estate_id, s.start, p.method
        """)
        handovers = self.sql(f"""
            INSERT INTO desk_handover (shift_key, shift_start, shift_end, shift_day, next_key, next_start, handed_at,
                                       notes, takings_total, takings_count, status, taken_over_at, estate_id,
                                       handed_by_id)
            SELECT s.key, s.start, s."end", s.day, s.next_key, s.next_start, s."end" - interval '5 minutes',
                   {self.pick('s.g', 360, texts('desk')['notes_day'] + texts('desk')['notes_night'])},
                   coalesce(t.total, 0), coalesce(t.n, 0), 'taken_over', s.next_start + interval '2 minutes',
                   s.estate_id, s.clerk
            FROM _shift s LEFT JOIN (SELECT estate_id, start, sum(total) AS total, sum(n) AS n FROM _tk
                                     GROUP BY estate_id, start) t ON t.estate_id = s.estate_id AND t.start = s.start
            WHERE s.handed
        """)
        takings = self.sql("""
            INSERT INTO desk_handovertakings (handover_id, method, count, total)
            SELECT h.id, t.method, t.n, t.total
            FROM _tk t JOIN desk_handover h ON h.estate_id = t.estate_id AND h.shift_start = t.start
            JOIN _shift s ON s.estate_id = h.estate_id AND s.start = h.shift_start
            ORDER BY h.id, t.method
        """)
        # The takings counted as handed over and signed for by the next shift's clerk when it
        # took over (desk.services.takings_receive), with their two events.
        self.sql("""
            INSERT INTO desk_takingsreceipt (handover_id, status, received_by_id, received_at)
            SELECT h.id, 'received', coalesce(n.clerk, h.handed_by_id), h.taken_over_at
            FROM desk_handover h JOIN _shift s ON s.estate_id = h.estate_id AND s.start = h.shift_start
            LEFT JOIN _shift n ON n.estate_id = s.estate_id AND n.start = s.next_start
            WHERE h.takings_count > 0 ORDER BY h.id;
            INSERT INTO desk_takingsreceiptevent (receipt_id, at, note, from_status, to_status, actor_id)
            SELECT r.id, h.handed_at, '', '', 'waiting', h.handed_by_id
            FROM desk_takingsreceipt r JOIN desk_handover h ON h.id = r.handover_id
            UNION ALL
            SELECT r.id, r.received_at, '', 'waiting', 'received', r.received_by_id FROM desk_takingsreceipt r;
            UPDATE desk_handovertakings SET counted = total WHERE counted IS NULL;
        """)
        events = self.sql("""
            INSERT INTO desk_handoverevent (handover_id, at, note, from_status, to_status, actor_id)
            SELECT h.id, h.handed_at, '', '', 'handed_over', h.handed_by_id
            FROM desk_handover h JOIN _shift s ON s.estate_id = h.estate_id AND s.start = h.shift_start
            UNION ALL
            SELECT h.id, h.taken_over_at, '', 'handed_over', 'taken_over', h.handed_by_id
            FROM desk_handover h JOIN _shift s ON s.estate_id = h.estate_id AND s.start = h.shift_start
        """)
        desk_texts = [re.sub(r"%\(\w+\)s", "", e["text"]).replace("%", "%%")
                      for e in texts("desk")["day"] + texts("desk")["night"]]
        entries = self.sql(f"""
            DROP TABLE IF EXISTS _le;
            CREATE TEMP TABLE _le AS
            SELECT nextval(pg_get_serial_sequence('desk_logentry', 'id')) AS id, s.g AS shift_g, s.estate_id, s.clerk,
                   s.key, s.start, s.day, s.handed, s.next_key, s.next_start,
                   s.start + (s."end" - s.start) * {r('s.g * 16 + k', 361)} * 0.95 AS written_at,
                   {self.fate('s.g * 16 + k', 362, (('normal', 0.7), ('high', 0.95), ('urgent', 1.0)))} AS priority,
                   {self.pick('s.g * 16 + k', 363, desk_texts)} AS text,
                   {r('s.g * 16 + k', 364)} AS carry, {r('s.g * 16 + k', 365)} AS refuse
            FROM _shift s CROSS JOIN generate_series(1, {per_shift}) k
            WHERE s.start + (s."end" - s.start) * {r('s.g * 16 + k', 361)} * 0.95 < %(now)s;
            CREATE UNIQUE INDEX ON _le (id);
            INSERT INTO desk_logentry (id, shift_key, shift_start, shift_day, written_at, priority, text, status,
                                       closed_at, held_key, held_start, author_id, closed_by_id, estate_id)
            SELECT e.id, e.key, e.start, e.day, e.written_at, e.priority, e.text,
                   CASE WHEN NOT e.handed THEN 'open' ELSE 'closed' END,
                   CASE WHEN NOT e.handed THEN NULL
                        WHEN e.carry < 0.2 THEN e.next_start + interval '3 hours'
                        ELSE e.written_at + (e.next_start - e.written_at) * 0.5 END,
                   CASE WHEN e.handed AND e.carry < 0.2 AND e.refuse >= 0.01 THEN e.next_key ELSE e.key END,
                   CASE WHEN e.handed AND e.carry < 0.2 AND e.refuse >= 0.01 THEN e.next_start ELSE e.start END,
                   e.clerk, CASE WHEN e.handed THEN e.clerk END, e.estate_id
            FROM _le e ORDER BY e.id
        """)
        entries = self.scalar("SELECT count(*) FROM _le")
        self.sql("SELECT setval(pg_get_serial_sequence('desk_logentry', 'id'), (SELECT max(id) FROM desk_logentry))")
        entry_events = self.sql("""
            INSERT INTO desk_logentryevent (entry_id, at, note, from_status, to_status, actor_id)
            SELECT id, written_at, '', '', 'open', clerk FROM _le
            UNION ALL SELECT l.id, l.closed_at, '', 'open', 'closed', l.closed_by_id FROM desk_logentry l
                      JOIN _le e ON e.id = l.id WHERE l.closed_at IS NOT NULL
        """)
        # What was open at the handover: carried as an item the next shift signed for (or refused).
        items = self.sql("""
            DROP TABLE IF EXISTS _hi;
            CREATE TEMP TABLE _hi AS
            SELECT nextval(pg_get_serial_sequence('desk_handoveritem', 'id')) AS id, h.id AS handover_id,
                   e.id AS entry_id, h.handed_at, h.taken_over_at, e.refuse < 0.01 AS refused, e.clerk
            FROM _le e JOIN desk_handover h ON h.estate_id = e.estate_id AND h.shift_start = e.start
            WHERE e.handed AND e.carry < 0.2;
            INSERT INTO desk_handoveritem (id, handover_id, entry_id, status, decided_at, reason, decided_by_id)
            SELECT id, handover_id, entry_id, CASE WHEN refused THEN 'refused' ELSE 'acknowledged' END,
                   taken_over_at, CASE WHEN refused THEN %(reason)s ELSE '' END, clerk
            FROM _hi ORDER BY id
        """, {"reason": texts("desk")["refusal"]})
        self.sql("SELECT setval(pg_get_serial_sequence('desk_handoveritem', 'id'), "
                 "(SELECT max(id) FROM desk_handoveritem))")
        self.sql("""
            INSERT INTO desk_handoveritemevent (item_id, at, note, from_status, to_status, actor_id)
            SELECT id, handed_at, '', '', 'pending', clerk FROM _hi
            UNION ALL
            SELECT id, taken_over_at, CASE WHEN refused THEN %(reason)s ELSE '' END, 'pending',
                   CASE WHEN refused THEN 'refused' ELSE 'acknowledged' END, clerk FROM _hi
        """, {"reason": texts("desk")["refusal"]})
        self.sql("DROP TABLE IF EXISTS _sdef, _le, _hi, _tk")
        return {"shift_entries": entries, "handovers": handovers, "handover_takings": takings,
                "handover_events": events, "handover_items": items, "entry_events": entry_events}

    # -- incidents ---------------------------------------------------------------------------

    def _incidents(self, share: float) -> dict[str, int]:
        """Two incidents a month an estate over three years, each closed with its plan's steps
        ticked and a summary; the last one of the first estate still open."""
        count = max(len(self.estates), round(ROUTINE["incidents_per_month"] * 36 * 20 * share))
        r = self.r
        words = texts("incidents")
        kinds = [k for k in IncidentKind.values if k != "other"]
        for estate in self.estates:  # each estate's plan, with its steps
            incident_services.plans_ensure(estate=estate)
        self.sql(f"""
            DROP TABLE IF EXISTS _inc;
            CREATE TEMP TABLE _inc AS
            SELECT nextval(pg_get_serial_sequence('incidents_incident', 'id')) AS id, x.*,
                   x.started_at + make_interval(mins => 20 + (300 * {r('x.g', 372)})::int) AS closed_at
            FROM (
                SELECT g, c.estate_id, c.user_id AS clerk, {self.pick('g', 370, kinds)} AS kind,
                       %(start)s + make_interval(secs => ({int((self.now - self.start).total_seconds())}
                           * (g - 1 + {r('g', 371)}) / %(count)s)::bigint) AS started_at,
                       (SELECT b.id FROM owners_building b WHERE b.estate_id = c.estate_id
                        ORDER BY b.id OFFSET floor({r('g', 373)} * 30)::int LIMIT 1) AS building_id,
                       {r('g', 374)} < 0.1 AS whole
                FROM generate_series(1, %(count)s) g
                JOIN _clerk c ON c.estate_id = (SELECT estate_id FROM _clerk ORDER BY estate_id
                                                OFFSET mod(g, {len(self.estates)}) LIMIT 1)
            ) x;
            UPDATE _inc SET whole = true WHERE building_id IS NULL;
            UPDATE _inc SET closed_at = NULL WHERE id = (SELECT max(id) FROM _inc);
            UPDATE _inc SET started_at = %(now)s - interval '40 minutes' WHERE closed_at IS NULL;
        """, {"count": count})
        made = self.sql(f"""
            INSERT INTO incidents_incident (id, kind, whole_estate, place, description, started_at, expected_end,
                script, status, opened_at, closed_at, summary, estate_id, opened_by_id)
            SELECT i.id, i.kind, i.whole, replace(%(place)s, '{{building}}', coalesce(b.number, '1')),
                   replace(%(description)s, '{{building}}', coalesce(b.number, '1')), i.started_at,
                   i.started_at + interval '4 hours', coalesce(p.script, ''),
                   CASE WHEN i.closed_at IS NULL THEN 'open' ELSE 'closed' END, i.started_at + interval '3 minutes',
                   i.closed_at, CASE WHEN i.closed_at IS NULL THEN '' ELSE %(summary)s END, i.estate_id, i.clerk
            FROM _inc i LEFT JOIN owners_building b ON b.id = i.building_id
            LEFT JOIN incidents_emergencyplan p ON p.estate_id = i.estate_id AND p.kind = i.kind ORDER BY i.id
        """, {"place": words["power_done"]["place"], "description": words["power_done"]["description"],
              "summary": words["power_done"]["summary"]})
        self.sql("SELECT setval(pg_get_serial_sequence('incidents_incident', 'id'), "
                 "(SELECT max(id) FROM incidents_incident))")
        self.sql("""
            INSERT INTO incidents_incident_buildings (incident_id, building_id)
            SELECT id, building_id FROM _inc WHERE NOT whole AND building_id IS NOT NULL
        """)
        steps = self.sql("""
            INSERT INTO incidents_incidentstep (incident_id, position, text, done_at, note, done_by_id)
            SELECT i.id, s.position, s.text,
                   CASE WHEN i.closed_at IS NOT NULL OR s.position <= 2
                        THEN i.started_at + make_interval(mins => 5 * s.position) END, '',
                   CASE WHEN i.closed_at IS NOT NULL OR s.position <= 2 THEN i.clerk END
            FROM _inc i JOIN incidents_emergencyplan p ON p.estate_id = i.estate_id AND p.kind = i.kind
            JOIN incidents_planstep s ON s.plan_id = p.id
        """)
        events = self.sql("""
            INSERT INTO incidents_incidentevent (incident_id, at, note, from_status, to_status, actor_id)
            SELECT id, started_at + interval '3 minutes', '', '', 'open', clerk FROM _inc
            UNION ALL SELECT id, closed_at, '', 'open', 'closed', clerk FROM _inc WHERE closed_at IS NOT NULL
        """)
        return {"incidents": made, "incident_steps": steps, "incident_events": events}

    # -- community activities ------------------------------------------------------------------

    def _activities(self, share: float) -> dict[str, int]:
        """Two activities a month an estate: held ones with 2 % of the estate's households
        recorded as coming (a tenth of those signed up stayed away), each household that came
        owed a callback a month later (done once due, as the desk does them); a few cancelled;
        the next weeks' planned, with sign-ups."""
        count = max(len(self.estates), round(ROUTINE["activities_per_month"] * 36 * 20 * share))
        r = self.r
        upcoming = texts("activities")["upcoming"]
        titles = [a["title"] for a in upcoming] + ["社区义诊", "亲子手工课", "羽毛球友谊赛", "垃圾分类讲座"]
        places = sorted({a["place"] for a in upcoming}) + ["中心花园"]
        span = int((self.now - self.start).total_seconds()) + 40 * 86400  # to six weeks ahead
        self.sql(f"""
            DROP TABLE IF EXISTS _act;
            CREATE TEMP TABLE _act AS
            SELECT nextval(pg_get_serial_sequence('activities_activity', 'id')) AS id, x.*,
                   CASE WHEN x.starts_at >= %(now)s THEN 'planned' WHEN {r('x.g', 382)} < 0.05 THEN 'cancelled'
                        ELSE 'held' END AS status
            FROM (
                SELECT g, c.estate_id, c.user_id AS clerk, t.first_rn, t.households,
                       {self.pick('g', 380, titles)} AS title, {self.pick('g', 381, ActivityKind.values)} AS kind,
                       {self.pick('g', 383, places)} AS place,
                       date_trunc('hour', %(start)s + make_interval(secs => ({span} * (g - 1 + {r('g', 384)})
                                                                    / %(count)s)::bigint)) AS starts_at
                FROM generate_series(1, %(count)s) g
                JOIN _clerk c ON c.estate_id = (SELECT estate_id FROM _clerk ORDER BY estate_id
                                                OFFSET mod(g, {len(self.estates)}) LIMIT 1)
                JOIN _est t ON t.estate_id = c.estate_id
            ) x
        """, {"count": count})
        made = self.sql("""
            INSERT INTO activities_activity (id, title, held_on, finished_at, estate_id, capacity, created_at,
                created_by_id, description, ends_at, kind, organiser, place, starts_at, status)
            SELECT id, title, (starts_at AT TIME ZONE %(tz)s)::date,
                   CASE WHEN status = 'held' THEN starts_at + interval '2 hours' END, estate_id, NULL,
                   starts_at - interval '14 days', clerk, '', starts_at + interval '2 hours', kind, '客服中心', place,
                   starts_at, status
            FROM _act ORDER BY id
        """)
        self.sql("SELECT setval(pg_get_serial_sequence('activities_activity', 'id'), "
                 "(SELECT max(id) FROM activities_activity))")
        events = self.sql("""
            INSERT INTO activities_activityevent (activity_id, at, note, from_status, to_status, actor_id)
            SELECT id, starts_at - interval '14 days', '', '', 'planned', clerk FROM _act
            UNION ALL SELECT id, starts_at + interval '2 hours', '', 'planned', status, clerk FROM _act
                      WHERE status <> 'planned'
        """)
        people = max(1, round(0.02 * self.n["units"] / len(self.estates)))
        participations = self.sql(f"""
            INSERT INTO activities_participation (people, attended, recorded_at, activity_id, owner_id, recorded_by_id,
                                                  unit_id)
            SELECT DISTINCT ON (a.id, o.unit_id) 1 + floor({r('a.id * 1000 + k', 385)} * 3)::int,
                   a.status = 'held' AND {r('a.id * 1000 + k', 386)} >= 0.1, a.starts_at - interval '3 days', a.id,
                   o.owner_id, a.clerk, o.unit_id
            FROM _act a CROSS JOIN generate_series(1, {people}) k
            JOIN _owned o ON o.rn = a.first_rn + mod(abs(hashint8extended(a.id * 1000 + k, {self.seed})), a.households)
            WHERE a.status <> 'cancelled'
            ORDER BY a.id, o.unit_id
        """)
        rule = default_rule("activity").months or 1
        before = self.scalar("SELECT coalesce(max(id), 0) FROM callbacks_callback")
        callbacks = self.sql(f"""
            INSERT INTO callbacks_callback (estate_id, kind, source_key, activity_id, round, unit_id, owner_id,
                contact_name, event_at, due_on, status, created_at, created_by_job, done_at, cancel_reason)
            SELECT a.estate_id, 'activity', 'activity:' || a.id || ':unit:' || p.unit_id, a.id, 1, p.unit_id,
                   p.owner_id, o.name, a.starts_at + interval '2 hours', d.due_on,
                   CASE WHEN d.due_on < (%(now)s AT TIME ZONE %(tz)s)::date AND {r('p.id', 387)} < 0.85 THEN 'done'
                        ELSE 'due' END,
                   a.starts_at + interval '2 hours', false,
                   CASE WHEN d.due_on < (%(now)s AT TIME ZONE %(tz)s)::date AND {r('p.id', 387)} < 0.85
                        THEN (d.due_on - 3)::timestamp AT TIME ZONE %(tz)s + interval '15 hours' END, ''
            FROM _act a JOIN activities_participation p ON p.activity_id = a.id AND p.attended
            JOIN owners_owner o ON o.id = p.owner_id
            CROSS JOIN LATERAL (SELECT ((a.starts_at AT TIME ZONE %(tz)s)::date
                                        + make_interval(months => {rule})::interval)::date AS due_on) d
            WHERE a.status = 'held'
            ORDER BY a.id, p.unit_id
        """)
        new = f"id > {before} AND status = 'done'"
        self.sql(f"""
            INSERT INTO callbacks_callbackevent (callback_id, at, from_status, to_status, note)
            SELECT id, done_at, 'due', 'done', '' FROM callbacks_callback WHERE {new};
            INSERT INTO callbacks_callbackresult (callback_id, method, quality, effect, satisfaction, shortcomings,
                suggestions, owner_words, signer_name, at, correction_reason)
            SELECT id, 'phone', '', '', 'satisfied', '', '', '活动很好，下次还参加。', '', done_at, ''
            FROM callbacks_callback WHERE {new}
        """)
        # The callbacks past their day, flagged as the hourly job would have early the next morning.
        self.sql(f"""
            UPDATE callbacks_callback
            SET overdue_flagged_at = LEAST(((due_on + 1)::timestamp + interval '5 minutes') AT TIME ZONE %(tz)s, %(now)s)
            WHERE id > {before} AND status = 'due' AND due_on < (%(now)s AT TIME ZONE %(tz)s)::date
        """)
        return {"activities": made, "activity_events": events, "participations": participations,
                "activity_callbacks": callbacks}

    # -- notices -------------------------------------------------------------------------------

    def _notices(self, share: float) -> dict[str, int]:
        """A year of notices, eight a month an estate: a quarter to the whole estate, the rest
        to one or two buildings; one in ten an emergency. Each addressed household has its
        receipt row, read by most within days (fewer for the emergencies); the last days'
        still being read, older ones ended."""
        count = max(len(self.estates), round(ROUTINE["notices_per_month"] * 12 * 20 * share))
        r = self.r
        words = texts("notices")
        kinds = {key: value for key, value in words.items() if isinstance(value, dict) and "kind" in value}
        titles = [v["title"] for v in kinds.values()]
        bodies = [v["body"].replace("{place}", "本小区").replace("{start}", "通知之日").replace("{end}", "另行通知")
                  for v in kinds.values()]
        kind_of = [v["kind"] if v["kind"] in NoticeKind.values else "other" for v in kinds.values()]
        span = 365 * 86400
        self.sql(f"""
            DROP TABLE IF EXISTS _nt;
            CREATE TEMP TABLE _nt AS
            SELECT nextval(pg_get_serial_sequence('notices_notice', 'id')) AS id, x.*,
                   x.published + interval '3 days' AS ends_at
            FROM (
                SELECT g, c.estate_id, c.user_id AS clerk, 1 + floor({r('g', 390)} * {len(titles)})::int AS t,
                       {r('g', 391)} < 0.25 AS whole, {r('g', 392)} < 0.1 AS emergency,
                       %(now)s - make_interval(secs => ({span} * (g - 1 + {r('g', 393)}) / %(count)s)::bigint)
                           AS published,
                       (SELECT array_agg(b.id) FROM (SELECT b.id FROM owners_building b
                        WHERE b.estate_id = c.estate_id ORDER BY b.id
                        OFFSET floor({r('g', 394)} * 30)::int LIMIT 1 + floor({r('g', 395)} * 2)::int) b) AS buildings
                FROM generate_series(1, %(count)s) g
                JOIN _clerk c ON c.estate_id = (SELECT estate_id FROM _clerk ORDER BY estate_id
                                                OFFSET mod(g, {len(self.estates)}) LIMIT 1)
            ) x;
            CREATE UNIQUE INDEX ON _nt (id);
            UPDATE _nt SET whole = true WHERE buildings IS NULL
        """, {"count": count})
        array = lambda values: "ARRAY[" + ",".join("'" + v.replace("'", "''").replace("%", "%%") + "'" for v in values) + "]"  # noqa: E731
        made = self.sql(f"""
            INSERT INTO notices_notice (id, kind, emergency, audience, title, body, place, starts_at, ends_at, status,
                created_at, published_at, households, read_households, messages_sent, created_by_id, estate_id,
                published_by_id)
            SELECT n.id, ({array(kind_of)})[n.t], n.emergency, CASE WHEN n.whole THEN 'estate' ELSE 'buildings' END,
                   ({array(titles)})[n.t], ({array(bodies)})[n.t], '', n.published, n.ends_at,
                   CASE WHEN n.ends_at < %(now)s THEN 'ended' ELSE 'published' END, n.published - interval '30 minutes',
                   n.published, 0, 0, 0, n.clerk, n.estate_id, n.clerk
            FROM _nt n ORDER BY n.id
        """)
        self.sql("SELECT setval(pg_get_serial_sequence('notices_notice', 'id'), (SELECT max(id) FROM notices_notice))")
        self.sql("""
            INSERT INTO notices_notice_buildings (notice_id, building_id)
            SELECT n.id, b FROM _nt n CROSS JOIN LATERAL unnest(n.buildings) b WHERE NOT n.whole
        """)
        households = self.sql(f"""
            INSERT INTO notices_noticehousehold (notice_id, unit_id, read_at, read_by_id)
            SELECT n.id, o.unit_id,
                   CASE WHEN {r('n.id * 1000003 + o.unit_id', 396)} < CASE WHEN n.emergency THEN 0.55 ELSE 0.7 END
                         AND n.published + make_interval(mins => (4320 * {r('n.id * 1000003 + o.unit_id', 397)})::int)
                             < %(now)s
                        THEN n.published + make_interval(mins => (4320 * {r('n.id * 1000003 + o.unit_id', 397)})::int)
                   END,
                   o.owner_id
            FROM _nt n JOIN _owned o ON o.estate_id = n.estate_id
            JOIN owners_unit u ON u.id = o.unit_id
            WHERE n.whole OR u.building_id = ANY(n.buildings)
        """)
        self.sql("UPDATE notices_noticehousehold SET read_by_id = NULL WHERE read_at IS NULL "
                 "AND notice_id >= (SELECT min(id) FROM _nt)")
        self.sql("""
            UPDATE notices_notice n SET households = h.total, read_households = h.read, messages_sent = h.total
            FROM (SELECT notice_id, count(*) AS total, count(read_at) AS read FROM notices_noticehousehold
                  WHERE notice_id >= (SELECT min(id) FROM _nt) GROUP BY notice_id) h
            WHERE n.id = h.notice_id
        """)
        events = self.sql("""
            INSERT INTO notices_noticeevent (notice_id, at, note, from_status, to_status, actor_id)
            SELECT id, published - interval '30 minutes', '', '', 'draft', clerk FROM _nt
            UNION ALL SELECT id, published, '', 'draft', 'published', clerk FROM _nt
            UNION ALL SELECT id, ends_at, '', 'published', 'ended', NULL FROM _nt WHERE ends_at < %(now)s
        """)
        return {"notices": made, "notice_households": households, "notice_events": events}
