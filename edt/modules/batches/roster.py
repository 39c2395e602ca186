"""Roster import: a CSV of participants, checked row by row before anything is saved.

Every row is validated first; the problems are listed by row and column in plain words; nothing
is saved unless every row is valid. Likely duplicates (the same name, birth year and district,
in the file or already registered) are flagged for the user to confirm, never merged. Imported
people get no PIN: their login stays closed until a facilitator sets a PIN with them in private.

The registry is never an oracle: "already registered" is looked up only among people the importer
may see, in the partner imported into (`_registered_scope`; master trainers see programme-wide
matches). So the answer for a real person of another partner is the answer for an invented one.
Every check and every import leaves an audit row with counts and column names only.
"""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from edt.clock import today
from edt.inputs import CONTROL_CHARACTERS
from edt import audit
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.participants import services as participant_services
from edt.modules.participants.models import Participant
from edt.modules.participants.queries import normalise_name
from edt.modules.participants.queries import scope as participant_scope
from edt.places import DISTRICTS
from edt.security import Role

from . import services
from .models import Batch

COLUMNS = ("full_name", "gender", "birth_year", "district", "phone", "consent_data_use", "consent_photos")
# Optional columns: the baseline before the training (participants.services.clean_intake checks them).
INTAKE_COLUMNS = {"work_before": "intake_work", "income_source": "intake_income_source",
                  "monthly_income": "intake_income", "household_size": "intake_household",
                  "runs_business": "intake_business"}
MAX_BYTES = 512 * 1024
MAX_ROWS = 500

TEMPLATE_HELP = (
    "# EDT roster template. One person per row; keep the first row (the column names) as it is.",
    "# full_name: the name as the person writes it, Bangla or Latin script (required).",
    "# gender: woman, man, other or prefers not to say (required).",
    "# birth_year: four digits, for example 1994 (may be empty).",
    "# district: one of " + ", ".join(DISTRICTS) + " (empty = the partner's district).",
    "# phone: digits only, for example 01712345678 (may be empty).",
    "# consent_data_use: yes when the person agreed that we keep this record (required: yes).",
    "# consent_photos: yes or no (photos are always a choice).",
    "# Optional columns, asked in private (empty = not asked; undisclosed = prefers not to say):",
    "#   work_before: none, wage, self, both; income_source: none, day_labour, job, business, farming, family,",
    "#   other; monthly_income: 0, 1-2000, 2001-5000, 5001-10000, 10001+; household_size: 1 to 30;",
    "#   runs_business: yes or no.",
    "# Save as 'CSV UTF-8'. Lines starting with # are ignored. Delete the two example rows.",
)
EXAMPLES = (("রহিমা খাতুন", "woman", "1994", "Khulna", "01712345678", "yes", "no"),
            ("Shirin Akter", "woman", "1990", "Khulna", "", "yes", "yes"))

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
GENDERS = {
    "woman": "woman", "women": "woman", "female": "woman", "f": "woman", "w": "woman",
    "নারী": "woman", "মহিলা": "woman",
    "man": "man", "men": "man", "male": "man", "m": "man", "পুরুষ": "man",
    "other": "other", "অন্যান্য": "other",
    "prefers not to say": "undisclosed", "prefer not to say": "undisclosed", "undisclosed": "undisclosed",
    "বলতে চান না": "undisclosed",
}
YES = {"yes", "y", "true", "1", "হ্যাঁ", "হ্যা", "হাঁ", "হা"}
NO = {"no", "n", "false", "0", "না", ""}


def template_csv() -> str:
    out = io.StringIO()
    out.write("\n".join(TEMPLATE_HELP) + "\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLES)
    return "\ufeff" + out.getvalue()  # a BOM so Excel opens Bangla names correctly


@dataclass
class RosterRow:
    line: int  # the row number as a spreadsheet shows it (the header is row 1)
    full_name: str = ""
    gender: str = ""
    birth_year: int | None = None
    district: str = ""
    phone: str | None = None
    consent_data_use: bool = False
    consent_photos: bool = False
    intake: dict = field(default_factory=dict)
    duplicate_of: str | None = None  # why it looks like a duplicate, in plain words

    @property
    def key(self):
        return normalise_name(self.full_name), self.birth_year, self.district


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[tuple[int | None, str | None, str]] = field(default_factory=list)  # (row, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def duplicates(self) -> list[RosterRow]:
        return [r for r in self.rows if r.duplicate_of]


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused in plain words."""
    if len(data) > MAX_BYTES:
        raise services.BatchError(_l("The file is too large (at most 500 KB, about 5,000 people)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise services.BatchError(_l("The file is not saved as UTF-8, so Bangla names would be garbled. In Excel "
                                     "choose “Save as” → “CSV UTF-8”, then upload it again.")) from None

    if CONTROL_CHARACTERS.search(text):
        raise services.BatchError(_l("The file holds invisible control characters, so it is not a plain CSV "
                                     "file. Save it again as “CSV UTF-8” and upload it again."))
    return text


def _yes_no(value: str):
    value = value.strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def check(text: str, *, partner: Partner, actor: User | None = None,
          batch: Batch | None = None) -> RosterCheck:
    """Parse and validate every row; flag likely duplicates. Saves nothing but its audit row
    (counts and column names, never what the file holds)."""
    result = _check(text, partner=partner, actor=actor)
    audit.record(actor, "roster_checked", "partner", partner.id, commit=True, details={
        "rows": len(result.rows), "errors": len(result.errors), "duplicates": len(result.duplicates),
        "fields": sorted({column for _row, column, _message in result.errors if column}),
        "batch": batch.id if batch is not None else None})
    return result


def _check(text: str, *, partner: Partner, actor: User | None) -> RosterCheck:
    result = RosterCheck()
    kept = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.lstrip().startswith("#")]
    records = []  # (row number as a spreadsheet shows it, values)
    first = next((line for _n, line in kept if line.strip()), "")
    # Spreadsheets in some locales save with semicolons or tabs instead of commas.
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.reader((line for _n, line in kept), delimiter=delimiter)
    try:
        consumed = 0
        for values in reader:
            start, consumed = consumed, reader.line_num
            if any(v.strip() for v in values):
                records.append((kept[start][0], values))
    except csv.Error:
        result.errors.append((None, None, str(_l("The file is not a readable CSV file."))))
        return result
    if not records:
        result.errors.append((None, None, str(_l("The file is empty."))))
        return result
    header_line, parsed_header = records[0]
    header = [h.strip().lstrip("\ufeff").casefold() for h in parsed_header]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS and h not in INTAKE_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        message = _l("Row %(row)d must name the columns %(cols)s.", row=header_line, cols=", ".join(COLUMNS))
        details = []
        if missing:
            details.append(str(_l("Missing: %(cols)s.", cols=", ".join(missing))))
        if unknown:
            details.append(str(_l("Not expected: %(cols)s.", cols=", ".join(h or "(empty)" for h in unknown))))
        result.errors.append((header_line, None, " ".join([str(message), *details])))
        return result
    if len(records) - 1 > MAX_ROWS:
        result.errors.append((None, None, str(_l("The file has more than %(n)d people; split it.", n=MAX_ROWS))))
        return result
    districts = {d.casefold(): d for d in DISTRICTS}
    for line_number, values in records[1:]:
        if len(values) != len(header):
            result.errors.append((line_number, None, str(_l("This row has %(n)d values; the header has %(m)d.",
                                                            n=len(values), m=len(header)))))
            continue
        raw = {name: value.strip() for name, value in zip(header, values)}
        row, problems = RosterRow(line=line_number), []
        row.full_name = " ".join(raw["full_name"].split())
        gender = GENDERS.get(" ".join(raw["gender"].casefold().split()))
        if gender is None:
            problems.append(("gender", _l("Write woman, man, other or prefers not to say.")))
        row.gender = gender or ""
        year = raw["birth_year"].translate(BANGLA_DIGITS)
        if year:
            if year.isdigit() and len(year) == 4:
                row.birth_year = int(year)
            else:
                problems.append(("birth_year", _l("Write the birth year with four digits, for example 1994.")))
        district = raw["district"]
        if not district:
            row.district = partner.district
        elif district.casefold() in districts:
            row.district = districts[district.casefold()]
        else:
            problems.append(("district", _l("“%(value)s” is not one of the programme's districts.", value=district)))
        phone = raw["phone"].translate(BANGLA_DIGITS).replace(" ", "").replace("-", "")
        row.phone = phone or None
        consent = _yes_no(raw["consent_data_use"])
        if consent is None:
            problems.append(("consent_data_use", _l("Write yes or no.")))
        elif not consent:
            problems.append(("consent_data_use", _l("We keep a record only with the person's agreement: write yes "
                                                    "once they agreed, or leave them out of the file.")))
        row.consent_data_use = bool(consent)
        photos = _yes_no(raw["consent_photos"])
        if photos is None:
            problems.append(("consent_photos", _l("Write yes or no.")))
        row.consent_photos = bool(photos)
        answers = {}
        for column, name in INTAKE_COLUMNS.items():
            value = " ".join(raw.get(column, "").casefold().split())
            if GENDERS.get(value) == "undisclosed":  # "prefers not to say", in English or Bangla
                value = "undisclosed"
            elif name == "intake_business" and value:
                value = "yes" if value in YES else "no" if value in NO else value
            answers[name] = value
        try:
            row.intake = participant_services.clean_intake(answers)
        except participant_services.ParticipantError as error:
            column = next(c for c, f in INTAKE_COLUMNS.items() if f == error.field)
            problems.append((column, error.message))
        # The shared field rules check the rest; columns already found wrong are not repeated.
        for name, message in participant_services.check_fields(
                full_name=row.full_name, gender=row.gender or "woman", birth_year=row.birth_year,
                district=row.district or partner.district, phone=row.phone):
            if name not in {p[0] for p in problems}:
                problems.append((name, message))
        for column, message in problems:
            result.errors.append((line_number, column, str(message)))
        result.rows.append(row)
    if len(records) == 1:
        result.errors.append((None, None, str(_l("The file has the column names but no people."))))
    if result.ok:
        _flag_duplicates(result.rows, actor, partner)
    result.errors.sort(key=lambda e: (e[0] or 0))
    return result


def _registered_scope(actor: User | None, partner: Partner) -> Select:
    """The people a roster check compares against: for a master trainer the whole programme, for
    anyone else the partner imported into, within what they may see. Nobody outside it can
    change the answer, so the answer tells nothing about them."""
    columns = select(Participant.code, Participant.name_key, Participant.birth_year, Participant.district)
    if actor is not None and actor.role == Role.MASTER_TRAINER:
        return columns
    stmt = columns.where(Participant.partner_id == partner.id)
    return participant_scope(actor, stmt) if actor is not None else stmt


def _flag_duplicates(rows: list[RosterRow], actor: User | None, partner: Partner) -> None:
    first_seen = {}
    for row in rows:
        if row.key in first_seen:
            row.duplicate_of = str(_l("Same name, birth year and district as row %(row)d.", row=first_seen[row.key]))
        else:
            first_seen[row.key] = row.line
    names = {row.key[0] for row in rows}
    existing = db.session.execute(_registered_scope(actor, partner)
                                  .where(Participant.name_key.in_(names), Participant.erased_at.is_(None))
                                  .order_by(Participant.code)).all()
    known = {}
    for code, name_key, birth_year, district in existing:
        known.setdefault((name_key, birth_year, district), []).append(code)
    for row in rows:
        if not row.duplicate_of and row.key in known:
            row.duplicate_of = str(_l("Same name, birth year and district as %(codes)s.",
                                      codes=", ".join(known[row.key])))


def import_rows(actor: User, *, partner: Partner, rows: list[RosterRow], include: set[int],
                batch: Batch | None = None) -> list[tuple[RosterRow, Participant]]:
    """Register the valid rows (flagged duplicates only when their row number is in `include`)
    and optionally enrol them into `batch`, in one transaction: all or nothing."""
    if actor.role == Role.FACILITATOR and actor.partner_id != partner.id:
        raise services.BatchError(_l("You can register participants only for your own partner organisation."))
    chosen = [r for r in rows if not r.duplicate_of or r.line in include]
    if not chosen:
        raise services.BatchError(_l("Nobody left to import: every row was a duplicate you chose to skip."))
    if batch is not None:
        if batch.partner_id != partner.id:
            raise services.BatchError(_l("The batch belongs to another partner organisation."))
        services._check_enrollable(actor, batch)
        left = services._places_left(batch)
        if len(chosen) > left:
            raise services.BatchError(_l("The batch has %(left)d places left; the file has %(n)d people.",
                                         left=max(left, 0), n=len(chosen)))
    created = []
    try:
        for row in chosen:
            person = participant_services.register(
                actor, partner_id=partner.id, full_name=row.full_name, gender=row.gender, birth_year=row.birth_year,
                district=row.district, phone=row.phone, consent_data_use=row.consent_data_use,
                consent_photos=row.consent_photos, consent_date=today(), pin=None, commit=False,
                intake=row.intake)
            created.append((row, person))
        if batch is not None:
            services.enrol(actor, batch, [p for _, p in created], commit=False)
    except participant_services.ParticipantError as error:
        db.session.rollback()
        raise services.BatchError(str(error)) from error
    except services.BatchError:
        db.session.rollback()
        raise
    audit.record(actor, "roster_imported", "partner", partner.id,
                 details={"count": len(created), "skipped_duplicates": len(rows) - len(chosen),
                          "enrolled_in_batch": batch.id if batch else None})
    db.session.commit()
    return created
