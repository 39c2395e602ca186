"""Reports: the dashboard, the batch report and the exports, assembled from `queries`.

Small counts are hidden beyond master trainers by the rules in suppression.py.

Exports: pseudonymous by default (codes, never names; age bands, never birth years). A master
trainer may include names after choosing why from a fixed list and confirming; every export is
audited with its format, kind, filter field names and, for names, the chosen purpose code.
"""
from dataclasses import dataclass, field
from flask import current_app
from flask_babel import lazy_gettext as _l

from edt import audit
from edt.errors import RuleError
from edt.extensions import db
from edt.modules.attendance import queries as attendance
from edt.modules.batches.models import Batch
from edt.modules.canvas.models import NOT_STARTED, CanvasStatus
from edt.clock import today
from edt.modules.participants.models import GENDERS
from edt.places import DISTRICTS
from edt.security import Role

from . import cache, charts, exports, queries, suppression
from .queries import AGE_BANDS, MEASURES, Filter
from .suppression import show_lines, show_splits, shown_alone

NO_CONSENT = "no_consent"
KINDS = ("participants", "attendance", "canvases", "certificates", "summary")
FORMATS = ("csv", "xlsx")
PURPOSES = (
    ("ceremony", _l("Certificate ceremony: lists to hand out the certificates")),
    ("follow_up", _l("Follow-up contact 2 to 6 months after the training")),
    ("verification", _l("A donor's or auditor's verification visit")),
    ("referral", _l("A referral to counselling, health or legal services")),
)
GENDER_LABELS = {"woman": _l("Women"), "man": _l("Men"), "other": _l("Other"),
                 "undisclosed": _l("Prefer not to say")}
AGE_LABELS = {"under_18": _l("Under 18"), "18_24": "18–24", "25_34": "25–34", "35_44": "35–44",
              "45_plus": _l("45 and over"), "unknown": _l("Age not known")}
STATUS_LABELS = {"planned": _l("Planned"), "running": _l("Running"), "completed": _l("Completed"),
                 "cancelled": _l("Cancelled")}
CANVAS_LABELS = {"none": NOT_STARTED, **{status.value: status.label for status in CanvasStatus}}
OUTCOME_SERIES = [("b1", _l("Completed")), ("b2", _l("In training")), ("b3", _l("Did not complete")),
                  ("b4", _l("Dropped out"))]


class ReportError(RuleError):
    """Bad report input; the message is safe to show."""


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass
class Line:
    """One category of a split (or the total, or the people without data-use consent)."""

    key: str
    label: str
    sums: dict
    shown: dict = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        """Is the number of people shown as it is (so rates may be shown)?"""
        return self.shown.get("people") == str(self.sums["people"])

    @property
    def rate(self) -> int | None:
        return percent(self.sums["attended"], self.sums["marked"]) if self.exact else None

    def cell(self, name: str) -> str:
        return self.shown.get(name, "")


@dataclass
class Split:
    key: str
    title: str
    lines: list[Line]  # the categories, then the people without data-use consent
    total: Line
    chart: charts.Chart | None = None


def _sum(rows) -> dict:
    sums = dict.fromkeys(MEASURES, 0)
    for row in rows:
        for name in MEASURES:
            sums[name] += row[name]
    return sums


def build_splits(rows: list[dict], partners: dict[int, str], *, limit: int | None) -> tuple[list[Split], Line]:
    """The four splits (gender, age band, district, partner) of the cube rows, each with its
    categories, one line for the people without data-use consent, and the total."""
    agreed = [r for r in rows if r["consented"]]
    refused = Line(NO_CONSENT, str(_l("No data-use consent")), _sum(r for r in rows if not r["consented"]))
    total_sums = _sum(rows)
    present_districts = {r["district"] for r in agreed}
    present_partners = {r["partner_id"] for r in agreed}
    dimensions = [
        ("gender", _l("By gender"), [(g, GENDER_LABELS[g]) for g in GENDERS]),
        ("age_band", _l("By age band"), [(a, AGE_LABELS[a]) for a in AGE_BANDS]),
        ("district", _l("By district"), [(d, d) for d in [*DISTRICTS, *sorted(present_districts - set(DISTRICTS))]
                                         if d in present_districts]),
        ("partner_id", _l("By partner"), [(p, name) for p, name in partners.items() if p in present_partners]),
    ]
    splits = []
    for key, title, categories in dimensions:
        lines = [Line(str(value), str(label), _sum(r for r in agreed if r[key] == value))
                 for value, label in categories]
        lines.append(Line(NO_CONSENT, refused.label, dict(refused.sums)))
        total = Line("total", str(_l("Total")), dict(total_sums))
        splits.append(Split(key="partner" if key == "partner_id" else key, title=str(title), lines=lines, total=total))
    show_splits([(split.lines, split.total) for split in splits], limit)  # together: they share a line
    overall = Line("total", str(_l("Total")), dict(total_sums))
    show_lines([], overall, limit)
    return splits, overall


def _outcome_chart(split: Split) -> charts.Chart:
    """A bar's length would give a hidden count away: lines not shown exactly get no bar."""
    rows = [(line.label, [line.sums[k] if line.exact else 0 for k in ("completed", "in_training", "not_completed",
                                                                       "dropped")], line.cell("people"))
            for line in split.lines]
    return charts.stacked(f"chart-{split.key}", _l("%(split)s: completed, in training, did not complete, dropped out",
                                                   split=split.title), rows, OUTCOME_SERIES)


# --- the dashboard -------------------------------------------------------------------------------

@dataclass
class Target:
    participants: int
    women_share: float
    completed: int
    in_training: int
    women: int
    known: int  # people with data-use consent (whose gender may be counted)

    @property
    def completed_percent(self) -> int | None:
        return percent(self.completed, self.participants)

    @property
    def women_percent(self) -> int | None:
        return percent(self.women, self.known)

    @property
    def women_target_percent(self) -> int:
        return round(self.women_share * 100)


@dataclass
class Dashboard:
    filter: Filter
    total: Line
    splits: list[Split]
    batches: dict[str, int]
    target: Target
    charts: dict = field(default_factory=dict)
    overview: list = field(default_factory=list)

    @property
    def batch_count(self) -> int:
        return sum(self.batches.values())

    @property
    def batch_lines(self) -> list[tuple[str, str, int]]:
        return [(key, str(STATUS_LABELS[key]), self.batches.get(key, 0)) for key in STATUS_LABELS]


def cube(actor, flt: Filter) -> list[dict]:
    """The cube of a filter. A master trainer's covers every batch whoever asks, so it is kept
    between requests (cache.py) and shared by the dashboard and the summary export: both show the
    same figures by construction, and an export after a view costs no second computation."""
    if actor.role != Role.MASTER_TRAINER:
        return queries.cube(actor, flt)
    return cache.kept("cube", (flt,), lambda: queries.cube(actor, flt))


def dashboard(actor, flt: Filter, partners: dict[int, str] | None = None) -> Dashboard:
    """Every figure of the dashboard in three queries (the partners' names too when not given),
    whatever the number of people. Exact for master trainers; suppressed for anyone else."""
    rows = cube(actor, flt)
    partners = queries.partner_names() if partners is None else partners
    limit = None if actor.role == Role.MASTER_TRAINER else suppression.threshold()
    splits, total = build_splits(rows, partners, limit=limit)
    config = current_app.config
    women = sum(r["people"] for r in rows if r["consented"] and r["gender"] == "woman")
    known = sum(r["people"] for r in rows if r["consented"])
    target = Target(participants=int(config["PROGRAMME_TARGET_PARTICIPANTS"]),
                    women_share=float(config["PROGRAMME_TARGET_WOMEN_SHARE"]), completed=total.sums["completed"],
                    in_training=total.sums["in_training"], women=women, known=known)
    board = Dashboard(filter=flt, total=total, splits=splits, batches=queries.batch_statuses(actor, flt), target=target)
    for split in splits:
        split.chart = _outcome_chart(split)
    board.charts["target"] = charts.progress(
        "chart-target", _l("Progress against the target"),
        [(_l("People"), [target.completed, target.in_training], f"{target.completed_percent or 0}%")],
        [("b1", _l("Completed")), ("b2", _l("In training"))], top=max(target.participants, 1))
    board.charts["women"] = charts.progress(
        "chart-women", _l("Share of women against the target"),
        [(_l("Women"), [target.women_percent or 0], f"{target.women_percent or 0}%")], [("b1", _l("Women"))],
        top=100, marker=target.women_target_percent)
    board.charts["batches"] = charts.bars("chart-batches", _l("Batches by status"),
                                          [(label, n, n) for _key, label, n in board.batch_lines])
    overview = [(_l("Enrolled"), total.sums["people"]), (_l("Completed"), total.sums["completed"]),
                (_l("Certified"), total.sums["certified"]), (_l("Dropped out"), total.sums["dropped"]),
                (_l("Plans handed in"), total.sums["canvas_in"]), (_l("Plans approved"), total.sums["canvas_ok"])]
    board.charts["overview"] = charts.bars("chart-overview", _l("People at each step"),
                                           [(label, n, n) for label, n in overview])
    board.overview = overview
    return board


# --- the batch report ----------------------------------------------------------------------------

@dataclass
class Comparison:
    label: str
    cells: list[str]  # this batch, the partner, the programme


@dataclass
class BatchReport:
    batch: Batch
    status: str
    days: list
    at_risk: list
    canvases: list[tuple[str, str, int]]
    certificates: dict
    comparison: list[Comparison]
    charts: dict = field(default_factory=dict)


def _compare(sums: list[dict], limit: int | None) -> list[Comparison]:
    """Figures of the batch, its partner and the programme side by side. Beyond master trainers
    the partner's and the programme's counts are suppressed and their rates shown only for 5 or
    more people (the batch's own people are in the facilitator's attendance and certificate pages
    anyway)."""
    def count(i, value):
        return str(value) if limit is None or i == 0 else shown_alone(value, limit)

    def rate(i, part, whole):
        if limit is not None and i > 0 and whole < limit:
            return "—"
        value = percent(part, whole)
        return "—" if value is None else f"{value}%"

    rows = [Comparison(str(_l("People")), [count(i, s["people"]) for i, s in enumerate(sums)])]
    for key, label in (("completed", _l("Completed")), ("certified", _l("Certified")), ("dropped", _l("Dropped out")),
                       ("canvas_in", _l("Plans handed in"))):
        rows.append(Comparison(str(label), [rate(i, s[key], s["people"]) for i, s in enumerate(sums)]))
    rows.append(Comparison(str(_l("Attendance")), [
        rate(i, s["attended"], s["marked"]) if (limit is None or i == 0 or s["people"] >= limit) else "—"
        for i, s in enumerate(sums)]))
    return rows


def batch_report(actor, batch: Batch) -> BatchReport:
    """One batch: attendance by day, people at risk, business plans, certificates, and the
    batch's figures against its partner's and the programme's. A fixed number of queries."""
    limit = None if actor.role == Role.MASTER_TRAINER else suppression.threshold()
    mine = queries.totals(actor, Filter(batch_id=batch.id))
    # The partner's and the programme's figures read everyone: kept between views like the
    # dashboard's (cache.py), so a batch page costs its own batch only.
    partner = cache.kept("totals", (batch.partner_id,),
                         lambda: queries.totals(None, Filter(partner_id=batch.partner_id)))
    programme = cache.kept("totals", (None,), lambda: queries.totals(None, Filter()))
    plans = queries.canvas_statuses(actor, Filter(batch_id=batch.id))
    days = queries.attendance_by_day(batch)
    report = BatchReport(
        batch=batch, status=batch.status_on(today()), days=days,
        at_risk=attendance.at_risk_for(actor, [batch.id]),
        canvases=[(key, str(label), plans.get(key, 0)) for key, label in CANVAS_LABELS.items()],
        certificates={"eligible": mine["completed"], "certified": mine["certified"],
                      "waiting": mine["waiting"], "override": mine["override"]},
        comparison=_compare([mine, partner, programme], limit))
    report.charts["days"] = charts.stacked(
        "chart-days", _l("Attendance by day"),
        [(_l("Day %(n)d", n=d.number), [d.counts["present"], d.counts["late"], d.counts["excused"],
                                        d.counts["absent"]], f"{percent(d.attended, d.marked)}%" if d.marked else "—")
         for d in days],
        [("b1", _l("Present")), ("b2", _l("Late")), ("b5", _l("Excused")), ("b4", _l("Absent"))])
    report.charts["canvases"] = charts.bars("chart-canvases", _l("Business plans by status"),
                                            [(label, n, n) for _key, label, n in report.canvases])
    return report


# --- exports -------------------------------------------------------------------------------------

def check_export(actor, fmt: str, kind: str, *, names: bool = False, purpose: str | None = None) -> None:
    if fmt not in FORMATS:
        raise ReportError(_l("Choose CSV or XLSX."))
    if fmt == "csv" and kind not in KINDS:
        raise ReportError(_l("Choose what to export: participants, attendance, canvases, certificates or summary."))
    if names:
        if actor.role != Role.MASTER_TRAINER:
            raise ReportError(_l("Only master trainers may export names."))
        if purpose not in dict(PURPOSES):
            raise ReportError(_l("Choose why the names are needed."))


def export(actor, flt: Filter, fmt: str, kind: str = "summary", *, names: bool = False, purpose: str | None = None,
           batch: Batch | None = None):
    """Audit the export, then return (file name, stream): a generator of CSV text, or an open
    temporary XLSX file. The summary comes from the same cube as the dashboard, suppressed."""
    check_export(actor, fmt, kind, names=names, purpose=purpose)
    who = queries.viewer(actor)
    rows = cube(actor, flt)
    splits, total = build_splits(rows, queries.partner_names(), limit=suppression.threshold())
    statuses = queries.batch_statuses(actor, flt)
    refused = splits[0].lines[-1]
    # Shown as in the splits: a cell hidden there is hidden here too.
    refused_alone = Line(NO_CONSENT, refused.label, dict(refused.sums), shown=dict(refused.shown))
    details = {"format": fmt, "kind": kind if fmt == "csv" else "all", "names": names, "filters": flt.names()}
    if names:
        details["purpose"] = purpose
    audit.record(actor, "report_exported", "batch" if batch else "report", batch.id if batch else None,
                 details=details)
    db.session.commit()
    stamp = (batch.code if batch else "edt") + "-" + today().isoformat()
    context = exports.Context(user=who, filter=flt, names=names, limit=suppression.threshold(), no_consent=refused_alone,
                              splits=splits, total=total, batches=statuses)
    if fmt == "csv":
        return f"{stamp}-{kind}{'-names' if names else ''}.csv", exports.csv_stream(context, kind)
    return f"{stamp}{'-names' if names else ''}.xlsx", exports.xlsx_file(context)
