"""Reports: the CSV and XLSX exports.

The central test builds a dataset, reads the dashboard, the CSV files and the XLSX workbook for
the same filter, and compares every total: a cell of an export equals the screen's exact figure,
or reads "<5" where that figure is under 5, or "5+" where it is 5 or more and hidden so that a
small one cannot be worked out; the rows of each file plus its "no data-use consent" line add
up to the screen's totals; and the workbook holds exactly what the CSV files hold."""
import csv
import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.accounts.models import Partner
from edt.clock import today
from edt.modules.reports import exports, queries

from tests.conftest import csrf_token
from tests.factories import make_participant
from tests.reports.test_reports import COUNT_COLUMNS, Tables, bulk_people, report_dataset, screen_splits

LIMIT = 5
ROW_KINDS = ("participants", "attendance", "canvases", "certificates")
# export column -> the dashboard measure it adds up to
SUMMED = {"people": "people", "completed": "completed", "certified": "certified", "in_training": "in_training",
          "not_completed": "not_completed", "dropped": "dropped", "canvas_handed_in": "canvas_in",
          "canvas_approved": "canvas_ok"}


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv", response.status_code
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200 and response.mimetype == exports_mime(), response.status_code
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    # Row 1 holds the labels in the user's language, row 2 the field names of the CSV files.
    return {sheet.title: [["" if v is None else str(v) for v in row]
                          for row in sheet.iter_rows(values_only=True)][1:]
            for sheet in book.worksheets}


def exports_mime() -> str:
    from edt.modules.reports.views import XLSX

    return XLSX


def agrees(exported: str, exact: int) -> bool:
    if exported == f"<{LIMIT}":
        return 0 <= exact < LIMIT
    if exported == f"{LIMIT}+":
        return exact >= LIMIT
    return exported == str(exact)


def records(rows: list[list[str]]) -> list[dict]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def audits(action="report_exported") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def dataset(world):
    return report_dataset(world)


# --- the screen and the files agree ----------------------------------------------------------------

def _filters(world):
    return ["", "district=Khulna", f"partner={world.jashore.id}", f"start_to={today().isoformat()}",
            f"start_from={today().isoformat()}"]


@pytest.mark.parametrize("which", range(5))
def test_every_total_of_the_csv_and_xlsx_exports_equals_the_dashboard(client, login, world, dataset, which):
    query = _filters(world)[which]
    login(world.trainer)
    html = client.get(f"/reports/?{query}").get_data(as_text=True)
    screen, tables = screen_splits(html), Tables(html).tables
    total = {m: int(v) for m, v in screen["gender"]["total"].items() if m in COUNT_COLUMNS}
    refused = {m: int(v) for m, v in screen["gender"]["no_consent"].items() if m in COUNT_COLUMNS}
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())

    # the summary: every cell of every split, the total and the batches
    summary = records(read_csv(client.get(f"/reports/export.csv?kind=summary&{query}")))
    by_key = {(r["section"], r["category"]): r for r in summary}
    for split, lines in screen.items():
        for key, cells in lines.items():
            if key == "total":
                continue
            category = ("no data-use consent" if key == "no_consent" else
                        names[int(key)] if split == "partner" else key)
            exported = by_key[(split, category)]
            for measure, column in SUMMED.items():
                assert agrees(exported[measure], int(cells[column])), (split, key, measure, exported[measure])
            if exported["attendance_percent"]:
                assert cells["attendance"] == exported["attendance_percent"] + "%"
        for measure in SUMMED:  # never exactly one hidden cell next to shown non-zero ones
            column = [by_key[(split, c)][measure] for (s, c) in by_key if s == split]
            hidden = [c for c in column if c in (f"<{LIMIT}", f"{LIMIT}+")]
            assert len(hidden) != 1 or not any(c not in ("0", *hidden) for c in column), (split, measure, column)
    for measure, column in SUMMED.items():
        assert agrees(by_key[("total", "all")][measure], total[column])
    if by_key[("total", "all")]["attendance_percent"]:  # shown for 5 people or more
        assert by_key[("total", "all")]["attendance_percent"] + "%" == tables["table-gender"]["total"][-1]
    for status, cells in tables["table-batches"].items():
        assert by_key[("batches", status)]["batches"] == cells[0]

    # the row files: people with consent, one line each, then the no-consent line
    files = {kind: read_csv(client.get(f"/reports/export.csv?kind={kind}&{query}")) for kind in ROW_KINDS}
    for kind, rows in files.items():
        people, last = records(rows)[:-1], records(rows)[-1]
        assert last["code"] == "no data-use consent"
        assert len(people) == total["people"] - refused["people"]
        for column, measure in SUMMED.items():
            if column not in rows[0]:
                continue
            assert agrees(last[column], refused[measure]), (kind, column)
            assert sum(int(p[column]) for p in people) + refused[measure] == total[measure], (kind, column)
        if kind in ("participants", "attendance"):  # days attended and marked, as on the screen
            marked = sum(int(p["days_marked"]) for p in people)
            attended = sum(int(p["days_attended"]) for p in people)
            shown = [int(n) for n in re.search(r'id="fig-days">\D*(\d+)\D+(\d+)', html).groups()]
            if last["days_marked"] != "":  # the no-consent line shows days when it has 5 people or more
                assert [attended + int(last["days_attended"]), marked + int(last["days_marked"])] == shown
            else:
                assert attended <= shown[0] and marked <= shown[1]
        if kind == "attendance":
            for p in people:
                letters = [p[f"day_{n}"] for n in range(1, 11)]
                assert int(p["present"]) == letters.count("P") and int(p["absent"]) == letters.count("A")
                assert int(p["days_attended"]) == letters.count("P") + letters.count("L")

    # the workbook holds exactly the CSV files
    book = read_xlsx(client.get(f"/reports/export.xlsx?{query}"))
    assert list(book) == ["Summary", "Participants", "Attendance", "Canvases", "Certificates", "About"]
    assert book["Summary"] == read_csv(client.get(f"/reports/export.csv?kind=summary&{query}"))
    for title, kind in exports.SHEETS:
        assert book[title] == files[kind], title


def test_a_facilitators_batch_exports_hold_their_batch_only(client, login, world, dataset):
    login(world.facilitator)
    others = {p.code for p in dataset.b_people} | {world.other_participant.code}
    theirs = {p.code for p in dataset.a_people if p.consent_data_use}
    for kind in (*ROW_KINDS, "summary"):
        rows = read_csv(client.get(f"/reports/batch/{dataset.a.id}/export.csv?kind={kind}"))
        cells = {c for row in rows for c in row}
        assert not cells & others and "name" not in rows[0]
        if kind != "summary":
            assert {r["code"] for r in records(rows)[:-1]} == theirs
            assert {r["batch"] for r in records(rows)[:-1]} == {dataset.a.code}
    book = read_xlsx(client.get(f"/reports/batch/{dataset.a.id}/export.xlsx"))
    assert not {c for rows in book.values() for row in rows for c in row} & others
    summary = records(book["Summary"])
    assert next(r for r in summary if r["section"] == "total")["people"] == "9"
    assert {r["category"] for r in summary if r["section"] == "partner"} == {"Khulna Partner", "no data-use consent"}
    events = audits()
    assert events[-1].target_type == "batch" and events[-1].target_id == str(dataset.a.id)
    assert events[-1].details == {"format": "xlsx", "kind": "all", "names": False, "filters": ["batch"]}
    asked = read_csv(client.get(f"/reports/batch/{dataset.a.id}/export.csv?kind=participants&names=1"))
    assert "name" not in asked[0] and not any("Person" in c for row in asked for c in row)


# --- pseudonymous by default, consent, names ---------------------------------------------------

def test_exports_are_pseudonymous_without_birth_years_or_people_without_consent(client, login, world, dataset):
    login(world.trainer)
    everyone = dataset.a_people + dataset.b_people + dataset.c_people
    refused = {p.code for p in everyone if not p.consent_data_use}
    births = {str(p.birth_year) for p in everyone if p.birth_year}
    book = read_xlsx(client.get("/reports/export.xlsx"))
    for title, rows in book.items():
        cells = {c for row in rows for c in row}
        assert not any("Person" in c for c in cells), title  # no names
        assert not cells & births and not any("birth" in c for c in rows[0]), title
        assert not cells & refused, title
    people = records(book["Participants"])
    assert people[-1]["code"] == "no data-use consent" and people[-1]["people"] == "5"
    assert {p["gender"] for p in people[:-1]} == {"woman", "man", "other", "undisclosed"}
    assert {p["age_band"] for p in people[:-1]} <= set(queries.AGE_BANDS)
    assert audits()[-1].details == {"format": "xlsx", "kind": "all", "names": False, "filters": []}


def test_names_need_a_master_trainer_a_reason_and_a_confirmation_and_are_audited(client, login, world, dataset):
    login(world.trainer)
    url = "/reports/export/names?district=Khulna"
    page = client.get(url)
    assert page.status_code == 200 and 'id="names-form"' in page.get_data(as_text=True)
    token = csrf_token(client, url)
    for data in ({"file": "participants", "confirm": "y"}, {"file": "participants", "purpose": "follow_up"},
                 {"file": "participants", "purpose": "gossip", "confirm": "y"}, {"file": "nothing", "purpose":
                 "follow_up", "confirm": "y"}):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 400 and response.mimetype == "text/html"
    assert audits() == []
    response = client.post(url, data={"file": "participants", "purpose": "follow_up", "confirm": "y",
                                      "csrf_token": token})
    rows = records(read_csv(response))
    named = {r["name"] for r in rows[:-1]}
    assert "Alpha Person 0" in named and "Charlie Person 2" in named
    assert not any(n.startswith("Bravo") for n in named)  # Jashore: outside the filter
    assert "Alpha Person 3" not in named  # no data-use consent
    event = audits()[-1]
    assert event.actor_id == world.trainer.id and event.target_type == "report"
    assert event.details == {"format": "csv", "kind": "participants", "names": True, "filters": ["district"],
                             "purpose": "follow_up"}
    book = read_xlsx(client.post(url, data={"file": "xlsx", "purpose": "ceremony", "confirm": "y",
                                            "csrf_token": token}))
    assert book["Certificates"][0][:2] == ["code", "name"]
    assert audits()[-1].details["purpose"] == "ceremony"
    assert "Person" not in str([e.details for e in audits()])


def test_names_are_refused_to_facilitators_whatever_they_send(client, login, world, dataset):
    login(world.facilitator)
    assert client.get("/reports/export/names").status_code == 403
    response = client.post("/reports/export/names", data={"file": "participants", "purpose": "follow_up",
                                                          "confirm": "y", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403 and audits() == []


def test_text_a_spreadsheet_would_run_is_quoted(client, login, world):
    from tests.factories import make_batch, enrol

    person = make_participant(world.khulna, world.trainer, full_name="=HYPERLINK(\"http://x\",\"y\")")
    enrol(make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer), [person])
    login(world.trainer)
    token = csrf_token(client, "/reports/export/names")
    rows = read_csv(client.post("/reports/export/names", data={"file": "participants", "purpose": "verification",
                                                                "confirm": "y", "csrf_token": token}))
    assert rows[1][1].startswith("'=HYPERLINK")
    book = read_xlsx(client.post("/reports/export/names", data={"file": "xlsx", "purpose": "verification",
                                                                 "confirm": "y", "csrf_token": token}))
    assert book["Participants"][1][1].startswith("'=HYPERLINK")
    assert exports.cell("-1") == "'-1" and exports.cell(-1) == -1 and exports.cell("<5") == "<5"


# --- bad input, streaming ----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/reports/export.csv?kind=everything", "/reports/export.csv?kind=summary&start_from=x",
                                 "/reports/export.xlsx?partner=abc", "/reports/export/names?start_to=2026-02-30"])
def test_bad_export_requests_are_a_400_with_a_reason_and_nothing_recorded(client, login, world, url):
    login(world.trainer)
    response = client.get(url)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "went wrong" not in response.get_data(as_text=True)
    assert audits() == []


def test_csv_streams_in_chunks_and_xlsx_is_sent_from_a_file(client, login, world):
    bulk_people(1000)
    login(world.trainer)
    response = client.get("/reports/export.csv?kind=attendance")
    assert response.is_streamed
    chunks = [c for c in response.response if c]
    assert len(chunks) >= 1000 * 8 // 9 // exports.CSV_CHUNK_ROWS
    rows = list(csv.reader(io.StringIO("".join(c.decode() if isinstance(c, bytes) else c for c in chunks)[1:])))
    assert len(rows) == 1 + 1000 - 112 + 1  # header, people with consent (every ninth has none), no-consent line
    book = client.get("/reports/export.xlsx")
    assert book.is_streamed and book.headers["Content-Disposition"].startswith("attachment; filename=\"edt-")
    assert book.headers["Cache-Control"] == "no-store"
    assert len(read_xlsx(book)["Attendance"]) == len(rows)


def test_the_csv_writer_pulls_rows_as_it_goes(monkeypatch):
    """The first chunks leave before the rows run out: rows are never all in memory."""
    pulled = []

    def endless(*args, **kwargs):
        n = 0
        while True:
            n += 1
            pulled.append(n)
            yield SimpleNamespace(code=f"KHU-2026-{n:04d}", batch_code="KHU-2026-01", partner_name="P",
                                  district="Khulna", gender="woman", age_band="25_34",
                                  status="active", people=1, completed=1, certified=0, in_training=0,
                                  not_completed=0, dropped=0, canvas_in=1, canvas_ok=0, attended=9, marked=10)

    monkeypatch.setattr(queries, "export_rows", endless)
    context = exports.Context(user=None, filter=queries.Filter(), names=False, limit=5, no_consent=None, splits=[],
                              total=None, batches={})
    stream = exports.csv_stream(context, "participants")
    first = [next(stream) for _ in range(3)]
    assert first[0] == "\ufeff" and first[2].count("\n") == exports.CSV_CHUNK_ROWS
    assert len(pulled) <= exports.CSV_CHUNK_ROWS * 2 + 1


# --- the workbook as a spreadsheet user and a machine read it ---------------------------------------

def test_the_workbook_has_numbers_two_frozen_header_rows_widths_and_an_about_sheet(client, login, world, dataset):
    login(world.trainer)
    response = client.get("/reports/export.xlsx?district=Khulna")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))  # not read-only: panes and widths are read too
    summary = book["Summary"]
    assert summary.freeze_panes == "A3"
    assert [c.value for c in summary[1]][:3] == ["Section", "Category", "People"]  # labels
    assert [c.value for c in summary[2]] == exports.SUMMARY_HEADER  # stable field names for machines
    people = [row[2] for row in summary.iter_rows(min_row=3) if row[0].value != "batches"]
    assert people and all(c.data_type == "n" for c in people if c.value not in ("<5", "5+"))
    assert any(c.data_type == "n" and c.value > 0 for c in people)
    assert all(c.data_type == "s" for c in people if c.value in ("<5", "5+"))  # a hidden count stays text
    assert summary.column_dimensions["B"].width >= 20
    participants = book["Participants"]
    assert participants.freeze_panes == "A3" and [c.value for c in participants[2]][0] == "code"
    days = participants[3][[c.value for c in participants[2]].index("days_attended")]
    assert days.data_type == "n"
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=3)}
    assert about["District"] == "Khulna" and "district" in about["Filters in the address"]
    assert "Exported" in book["About"]["B3"].value or any("Bangladesh time" in str(v) for v in about.values())
    assert "sum of two hidden counts" in about["Small counts"] and "Threshold: 5" in about["Small counts"]


def test_the_workbook_labels_follow_the_users_language(client, login, world, dataset):
    login(world.trainer)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    book = load_workbook(io.BytesIO(client.get("/reports/export.xlsx").get_data()))
    labels, fields = [c.value for c in book["Summary"][1]], [c.value for c in book["Summary"][2]]
    assert fields == exports.SUMMARY_HEADER  # the machines' row does not change with the language
    assert labels[2] != "People" and any("\u0980" <= ch <= "\u09ff" for ch in labels[2])


def test_openpyxl_is_loaded_only_when_a_workbook_is_made():
    import subprocess
    import sys

    code = ("import sys; from edt import create_app; from tests.conftest import make_config; "
            "create_app(make_config()); print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
