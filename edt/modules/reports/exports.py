"""CSV and XLSX exports, as streams.

Memory stays bounded whatever the number of rows:
- rows come from the database `yield_per` 1,000 at a time (a server-side cursor on PostgreSQL)
  as plain tuples, so nothing piles up in the session either;
- CSV: a csv.writer writes into a small buffer that is yielded every 200 rows; the view sends the
  generator with stream_with_context, so the first bytes leave before the last row is read;
- XLSX: an openpyxl write-only workbook writes each row straight to a temporary file per sheet
  (inline strings, no shared-strings table), `save` zips them into one more temporary file, and
  the view streams that file in chunks and closes (deletes) it at the end.
On PostgreSQL the export reads one consistent snapshot and blocks no writer. On SQLite the read
holds the writer's lock while a CSV streams (the app begins every transaction IMMEDIATE), so a
very slow download of a very large CSV delays writers; the XLSX is built before it is sent.

Every file is pseudonymous unless a master trainer asked for names: codes and age bands, never
names or birth years. People without data-use consent have no row: one "no data-use consent"
line counts them, its counts suppressed like any other count in an export.
"""
import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime


from . import queries
from .queries import LETTER, Filter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 200
NO_CONSENT_LABEL = "no data-use consent"

# (header, fact column, measure summed in the "no data-use consent" line or None)
PEOPLE_COLUMNS = [("status", "status", None), ("people", "people", "people"), ("completed", "completed", "completed"),
                  ("certified", "certified", "certified"), ("in_training", "in_training", "in_training"),
                  ("not_completed", "not_completed", "not_completed"), ("dropped", "dropped", "dropped"),
                  ("canvas_handed_in", "canvas_in", "canvas_in"), ("canvas_approved", "canvas_ok", "canvas_ok"),
                  ("days_attended", "attended", "attended"), ("days_marked", "marked", "marked")]
ATTENDANCE_COLUMNS = ([("status", "status", None), ("people", "people", "people")]
                      + [(f"day_{n}", f"d{n}", None) for n in range(1, queries.DAYS + 1)]
                      + [(name, name, name) for name in ("present", "late", "excused", "absent")]
                      + [("days_attended", "attended", "attended"), ("days_marked", "marked", "marked")])
CANVAS_COLUMNS = [("people", "people", "people"), ("canvas_status", "canvas_status", None),
                  ("revisions", "revisions", None), ("comments", "comments", None), ("last_saved", "last_saved", None),
                  ("canvas_handed_in", "canvas_in", "canvas_in"), ("canvas_approved", "canvas_ok", "canvas_ok")]
CERTIFICATE_COLUMNS = [("status", "status", None), ("people", "people", "people"),
                       ("completed", "completed", "completed"), ("certified", "certified", "certified"),
                       ("certificate_serial", "serial", None), ("certificate_status", "certificate_status", None),
                       ("issued_on", "issued_on", None)]
COLUMNS = {"participants": PEOPLE_COLUMNS, "attendance": ATTENDANCE_COLUMNS, "canvases": CANVAS_COLUMNS,
           "certificates": CERTIFICATE_COLUMNS}
SHEETS = (("Participants", "participants"), ("Attendance", "attendance"), ("Canvases", "canvases"),
          ("Certificates", "certificates"))
SUMMARY_HEADER = ["section", "category", "people", "completed", "certified", "in_training", "not_completed",
                  "dropped", "canvas_handed_in", "canvas_approved", "days_attended", "days_marked",
                  "attendance_percent", "batches"]
SUMMARY_MEASURES = ["people", "completed", "certified", "in_training", "not_completed", "dropped", "canvas_in",
                    "canvas_ok", "attended", "marked"]


@dataclass
class Context:
    """What one export covers, and the figures already computed for its summary."""

    user: object
    filter: Filter
    names: bool
    limit: int
    no_consent: object  # services.Line, suppressed
    splits: list
    total: object
    batches: dict


def cell(value):
    """A value safe for a spreadsheet: text that a spreadsheet would run as a formula is quoted
    (names and partner names are typed by people), dates as ISO dates, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def header(kind: str, names: bool) -> list[str]:
    return (["code"] + (["name"] if names else []) + ["batch", "partner", "district", "gender", "age_band"]
            + [title for title, _source, _measure in COLUMNS[kind]])


def _value(row, source: str):
    value = getattr(row, source, None)
    if source.startswith("d") and source[1:].isdigit():
        return LETTER.get(value, "")
    if source == "canvas_status":
        return value or "none"
    if source in ("revisions", "comments"):
        return value or 0
    return value


def person_rows(context: Context, kind: str):
    """One list per person with data-use consent, streamed, then the "no data-use consent" line."""
    columns = COLUMNS[kind]
    for row in queries.export_rows(context.user, context.filter, kind, names=context.names):
        values = [row.code] + ([row.full_name] if context.names else [])
        values += [row.batch_code, row.partner_name, row.district, row.gender, row.age_band]
        values += [_value(row, source) for _title, source, _measure in columns]
        yield values
    line = context.no_consent
    yield ([NO_CONSENT_LABEL] + ([""] if context.names else []) + ["", "", "", "", ""]
           + [line.cell(measure) if measure else "" for _title, _source, measure in columns])


def summary_rows(context: Context):
    """The dashboard's tables in one sheet: the total, each split (suppressed), batches by status."""
    def line_row(section, category, line):
        rate = line.rate
        return ([section, category] + [line.cell(m) for m in SUMMARY_MEASURES]
                + ["" if rate is None else rate, ""])

    yield line_row("total", "all", context.total)
    for split in context.splits:
        for line in split.lines:
            category = NO_CONSENT_LABEL if line.key == "no_consent" else (
                line.label if split.key == "partner" else line.key)
            yield line_row(split.key, category, line)
    for status in ("planned", "running", "completed", "cancelled"):
        yield ["batches", status] + [""] * (len(SUMMARY_HEADER) - 3) + [context.batches.get(status, 0)]


def csv_stream(context: Context, kind: str):
    """CSV text in chunks: a byte-order mark (so spreadsheets read Bangla names as UTF-8), the
    header, then the rows, CSV_CHUNK_ROWS at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if kind == "summary":
        head, rows = SUMMARY_HEADER, summary_rows(context)
    else:
        head, rows = header(kind, context.names), person_rows(context, kind)
    yield "\ufeff"
    writer.writerow(head)
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if n % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def about_rows(context: Context):
    flt = context.filter
    yield ["EDT report", ""]
    yield ["batches starting from", cell(flt.start_from) or "any date"]
    yield ["batches starting until", cell(flt.start_to) or "any date"]
    yield ["district", flt.district or "all"]
    yield ["ages counted in", flt.reference_year]
    yield ["people", "one row per person: their current enrolment, or the last one they left"]
    yield ["completed", "eligible under the certificate rule"]
    yield ["small counts", f"1 to {context.limit - 1} read <{context.limit}; {context.limit}+ hides one more "
                           "count of a column so the total cannot reveal a small one"]
    yield ["names", "included at a master trainer's request (audited)" if context.names else
           "none: people are known by their codes"]
    yield ["no data-use consent", "people without data-use consent have no row; one line counts them"]


def xlsx_file(context: Context):
    """An open temporary file holding the workbook: Summary, one sheet per kind, About."""
    from openpyxl import Workbook  # openpyxl (and numpy) load on the first XLSX, not in every worker
    book = Workbook(write_only=True)
    sheets = [("Summary", SUMMARY_HEADER, summary_rows(context))]
    sheets += [(title, header(kind, context.names), person_rows(context, kind)) for title, kind in SHEETS]
    sheets += [("About", ["topic", "value"], about_rows(context))]
    for title, head, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(head)
        for row in rows:  # each sheet's query runs only when its turn comes: one cursor at a time
            sheet.append([cell(v) for v in row])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle
