"""Reports: the dashboard's figures, the SQL twin of the certificate rule, small-cell
suppression, charts, the batch report, access, query counts and page weight.

The exports are tested in test_reports_exports.py, on the same datasets built here."""
import re
from datetime import timedelta
from itertools import count as counter
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from flask import current_app
from sqlalchemy import insert, select

from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.attendance import queries as attendance_queries
from edt.modules.attendance import services as attendance
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches import services as batch_services
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.clock import today
from edt.modules.canvas.models import Canvas
from edt.modules.certificates import eligibility
from edt.modules.certificates import services as certificates
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant
from edt.modules.reports import charts, queries, services, suppression
from edt.modules.reports.queries import Filter
from edt.places import DISTRICTS
from edt.security import Role

from tests.factories import enrol, make_batch, make_certifiable_batch, make_participant, make_staff

# --- datasets --------------------------------------------------------------------------------------

A_PEOPLE = (  # (gender, birth year, data-use consent, days present): Khulna, ten days ending today
    ("woman", 2001, True, 10), ("woman", 1996, True, 10), ("man", 1990, True, 9), ("woman", 1984, False, 8),
    ("woman", None, True, 7), ("other", 1975, True, 10), ("woman", 1999, False, 10), ("man", 1993, True, 4),
    ("woman", 2010, False, 10),
)
B_PEOPLE = (  # Jashore, ten days ending today, plans approved
    ("woman", 1988, True, 10), ("woman", 1979, True, 9), ("woman", 1992, True, 8), ("undisclosed", 1986, True, 8),
    ("woman", 2003, False, 6), ("woman", 1981, True, 10),
)
C_PEOPLE = (  # Khulna, running (day 3 today): one drops out, one moves to a planned batch
    ("woman", 1997, True), ("woman", 1995, True), ("man", 1970, True), ("woman", 2002, False), ("woman", 1989, True),
    ("woman", 1991, True),
)

BULK = counter(1)
C_MARKS = (("present",) * 3, ("late", "absent", "present"), ("absent", "absent", "present"),
           ("excused", "present", "late"), ("present", "absent", "absent"), ("present",) * 3)  # days 1-3


def report_dataset(world) -> SimpleNamespace:
    """Five batches built through the services: two ending today with certificates issued to
    everyone eligible (one Khulna, one Jashore), a running Khulna batch with a drop-out and a
    transfer to a planned one, and a cancelled Khulna batch whose two people count nowhere.
    21 people count: 9 + 6 + 6 (the transferred person once), 5 of them without data-use
    consent; 12 completed and certified; 1 dropped out."""
    trainer = world.trainer

    def people(partner, specs, prefix):
        return [make_participant(partner, trainer, full_name=f"{prefix} Person {i}", gender=spec[0],
                                 birth_year=spec[1], consent_data_use=spec[2]) for i, spec in enumerate(specs)]

    a_people = people(world.khulna, A_PEOPLE, "Alpha")
    batch_a, a_enrolments = make_certifiable_batch(world.khulna, trainer, world.facilitator, a_people,
                                                   attended=[s[3] for s in A_PEOPLE], excused=1)
    certificates.issue_all_eligible(trainer, batch_a)
    b_people = people(world.jashore, B_PEOPLE, "Bravo")
    batch_b, b_enrolments = make_certifiable_batch(world.jashore, trainer, world.other_facilitator, b_people,
                                                   attended=[s[3] for s in B_PEOPLE], canvas="approved")
    certificates.issue_all_eligible(trainer, batch_b)

    c_people = people(world.khulna, C_PEOPLE, "Charlie")
    batch_c = make_batch(world.khulna, facilitators=[world.facilitator], trainer=trainer)
    c_enrolments = enrol(batch_c, c_people, trainer)
    for day in sorted(batch_c.days, key=lambda d: d.number)[:3]:
        attendance.save_day(world.facilitator, day, [attendance.Entry(e.id, C_MARKS[i][day.number - 1])
                                                     for i, e in enumerate(c_enrolments)])
    batch_services.drop_out(world.facilitator, c_enrolments[0], on=today(), reason="work")
    batch_e = make_batch(world.khulna, facilitators=[world.facilitator], trainer=trainer,
                         start=today() + timedelta(days=10))
    moved = batch_services.transfer(world.facilitator, c_enrolments[1], batch_e)

    d_people = people(world.khulna, (("woman", 1990, True), ("man", 1985, True)), "Delta")
    batch_d = make_batch(world.khulna, facilitators=[world.facilitator], trainer=trainer,
                         start=today() + timedelta(days=20))
    enrol(batch_d, d_people, trainer)
    batch_services.set_cancelled(trainer, batch_d, True)
    return SimpleNamespace(a=batch_a, b=batch_b, c=batch_c, d=batch_d, e=batch_e, a_people=a_people,
                           b_people=b_people, c_people=c_people, d_people=d_people, a_enrolments=a_enrolments,
                           b_enrolments=b_enrolments, c_enrolments=c_enrolments, moved=moved)


def bulk_people(count: int, *, partners: int = 2, districts=("Khulna", "Jashore"), per_batch: int = 25,
                finished: bool = True) -> dict:
    """`count` participants in batches of `per_batch`, with ten days of marks each, canvases and
    certificates for some, written with bulk INSERTs (not the services) so that 5,000 take a few
    seconds. Batches end yesterday when `finished`. Returns the partners and batch ids."""
    if db.engine.dialect.name == "sqlite":  # the suite's own reads autocommit: one transaction, not one per row
        db.session.connection().exec_driver_sql("BEGIN")
    tag = f"{count}-{next(BULK)}"
    start = today() - timedelta(days=11 if finished else 3)

    def ids(column, prefix):
        return dict(db.session.execute(select(column, column.class_.id).where(column.like(prefix + "%"))).all())

    db.session.execute(insert(Partner), [{"name": f"Bulk Partner {tag} {i:02d}",
                                          "district": districts[i % len(districts)]} for i in range(partners)])
    partner_ids = list(ids(Partner.name, f"Bulk Partner {tag} ").values())
    batch_count = (count + per_batch - 1) // per_batch
    db.session.execute(insert(Batch), [
        {"code": f"B{tag}-{i:04d}", "partner_id": partner_ids[i % partners],
         "district": districts[i % partners % len(districts)], "venue": "Hall", "start_date": start,
         "end_date": start + timedelta(days=9), "off_days": "", "language": "bn", "capacity": 60}
        for i in range(batch_count)])
    batch_ids = [ids(Batch.code, f"B{tag}-")[f"B{tag}-{i:04d}"] for i in range(batch_count)]
    db.session.execute(insert(TrainingDay), [{"batch_id": b, "number": n, "date": start + timedelta(days=n - 1)}
                                             for b in batch_ids for n in range(1, 11)])
    days: dict[int, list[int]] = {}
    day_rows = select(TrainingDay.id, TrainingDay.batch_id).where(TrainingDay.batch_id.in_(batch_ids))
    for day_id, batch_id in db.session.execute(day_rows.order_by(TrainingDay.number)):
        days.setdefault(batch_id, []).append(day_id)
    codes = [f"P{tag}-{i:05d}" for i in range(count)]
    db.session.execute(insert(User), [{"username": codes[i], "role": "participant", "password_hash": "!no-pin",
                                       "partner_id": partner_ids[(i // per_batch) % partners]} for i in range(count)])
    users = ids(User.username, f"P{tag}-")
    genders = ("woman", "woman", "woman", "man", "other", "undisclosed")
    db.session.execute(insert(Participant), [
        {"code": codes[i], "partner_id": partner_ids[(i // per_batch) % partners], "user_id": users[codes[i]],
         "full_name": f"Bulk Person {i}", "name_key": f"bulk person {i}", "gender": genders[i % len(genders)],
         "birth_year": 1960 + i % 50 if i % 17 else None,
         "district": districts[(i // per_batch) % partners % len(districts)], "consent_data_use": i % 9 != 0}
        for i in range(count)])
    people = ids(Participant.code, f"P{tag}-")
    db.session.execute(insert(Enrolment), [
        {"batch_id": batch_ids[i // per_batch], "participant_id": people[codes[i]],
         "status": "dropped" if i % 13 == 0 else "active", "enrolled_on": start} for i in range(count)])
    enrolments = dict(db.session.execute(select(Enrolment.participant_id, Enrolment.id)
                                         .where(Enrolment.batch_id.in_(batch_ids))).all())
    statuses = ("present", "present", "present", "late", "excused", "absent", "present")
    db.session.execute(insert(AttendanceMark), [
        {"training_day_id": day_id, "enrolment_id": enrolments[people[codes[i]]], "status": statuses[(i + n) % 7],
         "note": ""} for i in range(count) for n, day_id in enumerate(days[batch_ids[i // per_batch]])])
    db.session.execute(insert(Canvas), [
        {"participant_id": people[codes[i]], "status": ("draft", "submitted", "approved")[i % 3], "revision": 1,
         "blocks": {}} for i in range(count) if i % 4])
    db.session.execute(insert(Certificate), [
        {"serial": f"E{tag}-{i:05d}", "code": f"BULK{tag}X{i:06d}", "participant_id": people[codes[i]],
         "enrolment_id": enrolments[people[codes[i]]], "batch_id": batch_ids[i // per_batch], "status": "valid",
         "holder_name": "", "partner_name": "Bulk", "training_start": start, "training_end": start + timedelta(days=9),
         "signatories": [], "issued_on": today(), "verify_url": "http://x/verify"}
        for i in range(count) if i % 5 == 0])
    db.session.commit()
    return {"partners": partner_ids, "batches": batch_ids}


class Tables(HTMLParser):
    """The tables of a page, head rows left out: {table id: {row key: cells}}, the key being the
    row's data-key (cells then after the row header), else its first cell (cells then all)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables, self._table, self._row, self._cell, self._key = {}, None, None, None, None
        self._head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], {})
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and self._table is not None and not self._head:
            self._row, self._key = [], attrs.get("data-key")
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row:
                self._table[self._key or self._row[0]] = self._row[1:] if self._key else self._row
            self._row = None
        elif tag == "thead":
            self._head = False
        elif tag == "table":
            self._table = None


COUNT_COLUMNS = ("people", "completed", "certified", "in_training", "not_completed", "dropped", "canvas_in",
                 "canvas_ok")


def screen_splits(html: str) -> dict:
    """{split: {row key: {measure: cell}}} from the dashboard's split tables."""
    tables = Tables(html).tables
    result = {}
    for split in ("gender", "age_band", "district", "partner"):
        result[split] = {key: dict(zip(COUNT_COLUMNS + ("attendance",), cells))
                         for key, cells in tables[f"table-{split}"].items()}
    return result


@pytest.fixture
def dataset(world):
    return report_dataset(world)


# --- the figures -----------------------------------------------------------------------------------

def test_dashboard_counts_each_person_once_and_leaves_cancelled_batches_out(client, login, world, dataset):
    login(world.trainer)
    html = client.get("/reports/").get_data(as_text=True)
    splits = screen_splits(html)
    total = splits["gender"]["total"]
    assert total["people"] == "21"  # 9 + 6 + 6; the transferred person once; the cancelled batch's two nowhere
    assert total["completed"] == "12" and total["certified"] == "12"  # A: 7 of 9, B: 5 of 6 (rule: 8 days + plan)
    assert total["dropped"] == "1"
    assert total["in_training"] == "8"  # everyone else: batches A and B end today, C runs, E is planned
    assert splits["gender"]["no_consent"]["people"] == "5"
    assert splits["gender"]["woman"]["people"] == "11" and splits["gender"]["man"]["people"] == "3"
    tables = Tables(html).tables
    assert tables["table-batches"]["running"] == ["3"] and tables["table-batches"]["planned"] == ["1"]
    assert tables["table-batches"]["cancelled"] == ["1"] and tables["table-batches"]["completed"] == ["0"]
    for split in splits.values():  # every split adds up to the same total, the no-consent line included
        for measure in COUNT_COLUMNS:
            assert sum(int(row[measure]) for key, row in split.items() if key != "total") == int(total[measure])


def test_the_sql_rule_matches_the_certificate_page_for_every_person(app, world, dataset, monkeypatch):
    """"Completed" on the dashboard is exactly "eligible" on the certificate page, whatever the
    rule's settings (excused days counted or not, plan submitted or approved)."""
    for settings in ({}, {"CERTIFICATE_COUNT_EXCUSED": True}, {"CERTIFICATE_CANVAS_STATUS": "approved"},
                     {"CERTIFICATE_MIN_DAYS": 10}):
        for key, value in settings.items():
            monkeypatch.setitem(current_app.config, key, value)
        for batch in (dataset.a, dataset.b, dataset.c, dataset.e):
            batch = db.session.get(Batch, batch.id)
            eligible = {s.enrolment.id for s in eligibility.standings(batch) if s.eligible}
            facts = db.session.execute(queries.facts(world.trainer, Filter(batch_id=batch.id))).all()
            assert {f.enrolment_id for f in facts if f.completed} == eligible, (settings, batch.code)
        monkeypatch.undo()


def test_attendance_counts_marks_carried_over_a_transfer_like_the_grid(app, world, dataset):
    batch_e = db.session.get(Batch, dataset.e.id)
    summary = attendance_queries.summaries([batch_e.id])[dataset.moved.id]
    row = next(f for f in db.session.execute(queries.facts(world.trainer, Filter(batch_id=batch_e.id)))
               if f.enrolment_id == dataset.moved.id)
    assert summary.carried and row.marked == len(summary.marks) == 3
    assert row.attended == summary.attended and row.absent == summary.absent


def test_age_bands_follow_the_reference_year_of_the_filter(app, world, dataset):
    def bands(flt):
        splits, _total = services.build_splits(queries.cube(world.trainer, flt), queries.partner_names(), limit=None)
        return {line.key: line.sums["people"] for line in splits[1].lines}

    def expected_over_45(year):
        specs = [s[:3] for s in A_PEOPLE + B_PEOPLE] + list(C_PEOPLE)
        return sum(1 for _g, born, agreed in specs if agreed and born is not None and year - born >= 45)

    year = today().year
    now = bands(Filter())
    assert now["under_18"] == 0  # born 2010, without data-use consent: counted in the no-consent line only
    assert now["unknown"] == 1 and now["45_plus"] == expected_over_45(year)
    later = bands(Filter(start_to=today().replace(year=year + 10)))
    assert later["45_plus"] == expected_over_45(year + 10) > now["45_plus"] and later["unknown"] == 1
    assert sum(now.values()) == sum(later.values()) == 21
    band = db.session.scalar(select(queries.age_band(year)).where(Participant.id == dataset.a_people[0].id))
    assert band == ("25_34" if year - 2001 >= 25 else "18_24")


def test_filters_by_district_partner_and_start_date(client, login, world, dataset):
    login(world.trainer)
    khulna = screen_splits(client.get("/reports/?district=Khulna").get_data(as_text=True))
    assert khulna["gender"]["total"]["people"] == "15" and set(khulna["district"]) == {"Khulna", "no_consent", "total"}
    jashore = screen_splits(client.get(f"/reports/?partner={world.jashore.id}").get_data(as_text=True))
    assert jashore["gender"]["total"]["people"] == "6"
    later = today() + timedelta(days=1)
    planned_only = client.get(f"/reports/?start_from={later.isoformat()}").get_data(as_text=True)
    assert screen_splits(planned_only)["gender"]["total"]["people"] == "1"  # the person moved to batch E
    assert Tables(planned_only).tables["table-batches"]["planned"] == ["1"]


@pytest.mark.parametrize("query, message", [
    ("start_from=2026-13-40", "Give a date"), ("start_from=2026-05-01&start_to=2026-04-01", "comes before"),
    ("partner=999999", "Not a valid choice"), ("district=Atlantis", "Not a valid choice")])
def test_a_bad_filter_is_a_plain_400_with_nothing_computed(client, login, world, query, message):
    login(world.trainer)
    response = client.get(f"/reports/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'id="figures"' not in html
    assert client.get(f"/reports/export.csv?kind=summary&{query}").status_code == 400


def test_blank_filter_fields_mean_everything(client, login, world, dataset):
    login(world.trainer)
    response = client.get("/reports/?partner=+&district=+&start_from=+")
    assert response.status_code == 200
    assert screen_splits(response.get_data(as_text=True))["gender"]["total"]["people"] == "21"


# --- small cells -----------------------------------------------------------------------------------

def test_suppression_hides_small_counts_and_the_one_cell_that_would_give_them_away():
    # The smallest other cell is hidden too, an empty one first: the large figures stay.
    assert suppression.suppress([12, 3, 0, 7], 5) == ["12", "<5", "<5", "7"]
    assert suppression.suppress([12, 3, 2, 7], 5) == ["12", "<5", "<5", "7"]  # two hidden: their sum is all one learns
    assert suppression.suppress([0, 0, 4], 5) == ["0", "0", "<5"]  # nothing else to hide: the total is "<5" too
    assert suppression.suppress([9, 9], 5, forced={0}) == ["5+", "5+"]
    assert suppression.suppress([5, 6, 0], 5) == ["5", "6", "0"]
    assert suppression.shown_alone(4, 5) == "<5" and suppression.shown_alone(0, 5) == "0"
    assert suppression.suppress([2, 8], 10) == ["<10", "<10"] and suppression.suppress([2, 18], 10) == ["<10", "10+"]


def test_lines_with_few_people_hide_every_figure_and_their_rate():
    rows = [{"consented": 1, "gender": "woman", "age_band": "25_34", "district": "Khulna", "partner_id": 1,
             **dict.fromkeys(queries.MEASURES, 0), "people": 20, "completed": 15, "attended": 150, "marked": 180},
            {"consented": 1, "gender": "man", "age_band": "25_34", "district": "Khulna", "partner_id": 1,
             **dict.fromkeys(queries.MEASURES, 0), "people": 3, "completed": 0, "attended": 20, "marked": 30}]
    splits, total = services.build_splits(rows, {1: "Shapla"}, limit=5)
    gender = {line.key: line for line in splits[0].lines}
    assert gender["man"].cell("people") == "<5" and gender["man"].cell("completed") == "<5"
    assert gender["man"].rate is None and gender["man"].cell("attended") == ""
    # The women's figures stay: the empty "other" line is hidden with the men's instead.
    assert gender["woman"].cell("people") == "20" and gender["woman"].rate == 83
    assert gender["other"].cell("people") == "<5" and gender["other"].cell("completed") == "<5"
    assert total.cell("people") == "23" and total.rate == 81
    exact, _total = services.build_splits(rows, {1: "Shapla"}, limit=None)
    assert {line.key: line.cell("people") for line in exact[0].lines}["man"] == "3"


def test_facilitators_see_other_batches_figures_suppressed(client, login, world):
    """A small Jashore batch: its facilitator's report shows the partner's and the programme's
    counts under 5 as "<5" and no rates for them; a master trainer sees them exactly."""
    few = [make_participant(world.jashore, world.trainer) for _ in range(3)]
    batch, _enrolments = make_certifiable_batch(world.jashore, world.trainer, world.other_facilitator, few)
    login(world.other_facilitator)
    compare = Tables(client.get(f"/reports/batch/{batch.id}").get_data(as_text=True)).tables["table-compare"]
    assert compare["People"] == ["People", "3", "<5", "<5"]
    assert compare["Completed"] == ["Completed", "100%", "—", "—"]
    login(world.trainer)
    compare = Tables(client.get(f"/reports/batch/{batch.id}").get_data(as_text=True)).tables["table-compare"]
    assert compare["People"] == ["People", "3", "3", "3"] and compare["Completed"][2] == "100%"


# --- the batch report ------------------------------------------------------------------------------

def test_batch_report_shows_days_risk_plans_certificates_and_comparison(client, login, world, dataset):
    login(world.facilitator)
    response = client.get(f"/reports/batch/{dataset.c.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    tables = Tables(html).tables
    day1 = tables["table-days"]["1"]  # day 1: present 3, late 1, excused 1, absent 1; all six on the list
    assert day1[1:7] == ["3", "1", "1", "1", "0", "67%"]
    risky = [e.participant.code for e, _s in attendance_queries.at_risk_for(world.facilitator, [dataset.c.id])]
    assert risky and all(code in html for code in risky)
    assert tables["table-canvases"]["none"] == ["5"]  # the person who moved is counted in batch E
    assert 'href="/certificates/batch/' in html and f"/reports/batch/{dataset.c.id}/export.xlsx" in html
    assert tables["table-compare"]["People"][1:] == ["5", "15", "21"]
    a_html = client.get(f"/reports/batch/{dataset.a.id}").get_data(as_text=True)
    assert re.search(r"<dt>Eligible</dt><dd>7</dd>", a_html) and re.search(r"<dt>Certified</dt><dd>7</dd>", a_html)


def test_a_facilitator_never_reaches_another_partners_batch_report(client, login, world, dataset):
    login(world.facilitator)
    for url in (f"/reports/batch/{dataset.b.id}", f"/reports/batch/{dataset.b.id}/export.csv?kind=participants",
                f"/reports/batch/{dataset.b.id}/export.xlsx"):
        assert client.get(url).status_code == 404
    for url in ("/reports/", "/reports/export.csv", "/reports/export.xlsx", "/reports/export/names"):
        assert client.get(url).status_code == 403
    html = client.get(f"/reports/batch/{dataset.a.id}").get_data(as_text=True)
    assert not any(p.code in html for p in dataset.b_people)


def test_a_batch_id_beyond_any_integer_is_a_plain_404(client, login, world):
    login(world.trainer)
    for url in ("/reports/batch/99999999999999999999", "/reports/batch/99999999999999999999/export.xlsx"):
        assert client.get(url).status_code == 404


def test_batch_page_links_to_its_report_and_masters_have_a_reports_link(client, login, world, dataset):
    login(world.facilitator)
    assert f'href="/reports/batch/{dataset.c.id}"' in client.get(f"/batches/{dataset.c.id}").get_data(as_text=True)
    assert 'href="/reports/"' not in client.get("/").get_data(as_text=True)
    login(world.trainer)
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)


# --- charts ----------------------------------------------------------------------------------------

def test_charts_are_inline_svg_with_titles_classes_and_the_same_figures_in_tables(client, login, world, dataset):
    login(world.trainer)
    html = client.get("/reports/").get_data(as_text=True)
    # No inline style and no chart script: the charts are SVG. The one script is the site-wide offline
    # helper of every signed-in page (issue 20: it sends what waits before a logout from any page).
    scripts = re.findall(r"<script[^>]*>", html)
    assert "style=" not in html and all(re.fullmatch(r'<script src="/static/js/offline\.js\?v=\w+" defer>', s)
                                        for s in scripts), scripts
    svgs = re.findall(r"<svg class=\"bars\" id=\"([\w-]+)\"[^>]*role=\"img\"[^>]*>\s*<title id=\"\1-t\">[^<]+</title>",
                      html)
    assert {"chart-target", "chart-women", "chart-overview", "chart-batches", "chart-gender", "chart-age_band",
            "chart-district", "chart-partner"} <= set(svgs)
    tables = Tables(html).tables
    gender_svg = re.search(r'<svg class="bars" id="chart-gender".*?</svg>', html, re.S).group(0)
    values = re.findall(r'class="v">([^<]*)</text>', gender_svg)
    assert values == [row[0] for key, row in tables["table-gender"].items() if key != "total"]
    batches_svg = re.search(r'<svg class="bars" id="chart-batches".*?</svg>', html, re.S).group(0)
    assert re.findall(r'class="v">([^<]*)</text>', batches_svg) == [v[0] for v in tables["table-batches"].values()]


def test_chart_geometry_shares_one_scale_and_stays_in_the_box():
    chart = charts.stacked("c", "T", [("A", [10, 5], 15), ("A much longer label than fits", [30, 0], 30)],
                           [("b1", "x"), ("b2", "y")])
    first, second = chart.rows
    assert second.segments[0].width == charts.BAR_WIDTH and len(second.segments) == 1
    assert first.segments[0].width + first.segments[1].width == pytest.approx(charts.BAR_WIDTH / 2, abs=0.2)
    assert second.label.endswith("…") and len(second.label) <= charts.LABEL_CHARS
    bar = charts.progress("p", "T", [("Women", [95], "95%")], [("b1", "Women")], top=100, marker=65)
    assert bar.rows[0].segments[0].css == "b0"
    assert bar.marker == pytest.approx(charts.BAR_X + 0.65 * charts.BAR_WIDTH, abs=0.1)
    empty = charts.bars("e", "T", [("None", 0, 0)])
    assert empty.rows[0].segments == []


# --- query counts and page weight ----------------------------------------------------------------

def test_the_dashboard_query_count_does_not_grow_with_people(count_queries, login, world):
    bulk_people(50)
    login(world.trainer)
    small = count_queries("/reports/")
    assert screen_splits(count_queries.html)["gender"]["total"]["people"] == "50"
    filtered_small = count_queries("/reports/?district=Khulna")
    bulk_people(5000)
    large = count_queries("/reports/")
    assert screen_splits(count_queries.html)["gender"]["total"]["people"] == "5050"
    filtered_large = count_queries("/reports/?district=Khulna")
    assert small == large and filtered_small == filtered_large, (small, large, filtered_small, filtered_large)


def test_the_batch_report_query_count_does_not_grow_with_people(count_queries, login, world):
    counts = []
    for size in (5, 50):
        people = [make_participant(world.khulna, world.trainer) for _ in range(size)]
        batch, _enrolments = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, people,
                                                    attended=[(i % 10) + 1 for i in range(size)], capacity=60)
        login(world.facilitator)
        counts.append(count_queries(f"/reports/batch/{batch.id}"))
    assert counts[0] == counts[1], counts


def test_the_dashboard_fits_the_page_budget_with_every_district_and_many_partners(client, login, world):
    from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh

    bulk_people(1200, partners=12, districts=tuple(DISTRICTS), per_batch=20, finished=False)
    login(world.trainer)
    status, total, requests = weigh(client, "/reports/")
    assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (total, requests)
    tables = Tables(client.get("/reports/").get_data(as_text=True)).tables
    assert len(tables["table-district"]) == len(DISTRICTS) + 2  # ten districts, no consent, total


def test_reports_are_refused_to_participants_and_anonymous_users(client, login, world):
    assert client.get("/reports/").status_code == 302
    login(world.participant.user)
    assert client.get("/reports/").status_code == 403
    staff = make_staff(Role.FACILITATOR, world.khulna)
    login(staff)
    assert client.get("/reports/").status_code == 403


# --- figures kept between requests (reports/cache.py) --------------------------------------------

def test_the_dashboard_is_kept_until_a_record_behind_a_figure_changes(client, login, world, count_queries):
    """A second view reuses the figures (fewer statements); any write the figures depend on, a
    service's commit or a bulk statement, moves the counter and the next view is exact again."""
    bulk_people(30)
    login(world.trainer)
    first = count_queries("/reports/")
    assert screen_splits(count_queries.html)["gender"]["total"]["people"] == "30"
    again = count_queries("/reports/")
    assert again < first and screen_splits(count_queries.html)["gender"]["total"]["people"] == "30"
    bulk_people(20)  # bulk INSERTs through the session
    count_queries("/reports/")
    assert screen_splits(count_queries.html)["gender"]["total"]["people"] == "50"
    dropped_before = int(screen_splits(count_queries.html)["gender"]["total"]["dropped"])
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.status == "active").order_by(Enrolment.id))
    reason = next(iter(batch_services.DROP_REASONS))
    batch_services.drop_out(world.trainer, enrolment, on=today(), reason=reason)  # a service commits
    count_queries("/reports/")
    assert int(screen_splits(count_queries.html)["gender"]["total"]["dropped"]) == dropped_before + 1


def test_kept_figures_follow_the_settings_and_the_language(client, login, world, dataset, monkeypatch):
    login(world.trainer)
    completed = screen_splits(client.get("/reports/").get_data(as_text=True))["gender"]["total"]["completed"]
    monkeypatch.setitem(current_app.config, "CERTIFICATE_MIN_DAYS", 10)
    monkeypatch.setitem(client.application.config, "CERTIFICATE_MIN_DAYS", 10)
    stricter = screen_splits(client.get("/reports/").get_data(as_text=True))["gender"]["total"]["completed"]
    assert int(stricter) < int(completed)
