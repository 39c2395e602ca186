"""Registering participants and managing their login (code + PIN)."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from edt.clock import today
from edt import audit, throttle
from edt.errors import RuleError
from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.accounts.models import Partner, User
from edt.places import DISTRICTS
from edt.security import Role
from edt.signals import erases

from .models import GENDERS, Participant
from .queries import normalise_name


class ParticipantError(RuleError):
    """A participants rule was broken; the message is safe to show to the user."""


ERASED = "[erased]"  # what replaces each erased text (so counts of notes and comments stay)
CLOSED_LOGIN = "!erased"  # not a hash: every login attempt is refused


# A participant imported from a roster has no PIN until a facilitator sets one with them in
# private; this marker is not a hash, so every login attempt is refused until then.
NO_PIN = "!no-pin"
NO_CONSENT = _l("We keep a record only with the person's agreement. Explain what we keep and why, then tick "
                "this box once they agree.")
ERASED_LOGIN = _l("This person's data was erased, so their login stays closed: no PIN can be set.")


def next_code(partner: Partner, year: int) -> str:
    prefix = f"{DISTRICTS.get(partner.district, 'EDT')}-{year}-"
    last = db.session.scalar(select(func.max(Participant.code)).where(Participant.code.like(prefix + "%")))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def check_fields(*, full_name: str, gender: str, birth_year: int | None, district: str,
                 phone: str | None) -> list[tuple[str, str]]:
    """Field problems in plain words, as (field, message) pairs; empty when all is well."""
    problems = []
    if not (full_name or "").strip():
        problems.append(("full_name", str(_l("Write the participant's name."))))
    elif len(full_name) > 120:
        problems.append(("full_name", str(_l("The name is too long (at most 120 characters)."))))
    if gender not in GENDERS:
        problems.append(("gender", str(_l("Choose woman, man, other or prefers not to say."))))
    if birth_year is not None and not (1930 <= birth_year <= today().year - 14):
        problems.append(("birth_year", str(_l("The birth year must be between 1930 and %(y)d.",
                                               y=today().year - 14))))
    if district not in DISTRICTS:
        problems.append(("district", str(_l("Choose one of the programme's districts."))))
    if phone and not (phone.replace("+", "", 1).isdigit() and 6 <= len(phone) <= 15):
        problems.append(("phone", str(_l("Write the phone number with digits only, for example 01712345678."))))
    return problems


def register(actor: User, *, partner_id: int, full_name: str, gender: str, birth_year: int | None,
             district: str, phone: str | None = None, consent_data_use: bool,
             consent_photos: bool = False, consent_date: date | None = None, pin: str | None,
             year: int | None = None, commit: bool = True) -> Participant:
    """Register a participant who agreed that we keep their record. `pin=None` leaves the login
    closed until a PIN is set."""
    if not consent_data_use:
        raise ParticipantError(NO_CONSENT, "consent_data_use")
    partner = db.session.get(Partner, partner_id)
    if partner is None or (actor.role == Role.FACILITATOR and actor.partner_id != partner_id):
        raise ParticipantError(_l("You can register participants only for your own partner organisation."),
                               "partner_id")
    problems = check_fields(full_name=full_name, gender=gender, birth_year=birth_year, district=district, phone=phone)
    if problems:
        raise ParticipantError(problems[0][1], problems[0][0])
    problem = accounts.pin_problem(pin) if pin is not None else None
    if problem:
        raise ParticipantError(problem, "pin")
    code = next_code(partner, year or today().year)
    user = User(username=code, role=Role.PARTICIPANT, partner_id=partner.id,
                password_hash=accounts.hash_secret(pin) if pin is not None else NO_PIN)
    participant = Participant(code=code, partner=partner, user=user, full_name=" ".join(full_name.split()),
                              name_key=normalise_name(full_name), gender=gender, birth_year=birth_year,
                              district=district, phone=phone or None, consent_data_use=consent_data_use,
                              consent_photos=consent_photos,
                              consent_date=consent_date or (today() if consent_data_use or consent_photos else None))
    db.session.add_all([user, participant])
    try:
        db.session.flush()
    except IntegrityError as error:  # two registrations raced for the same code
        db.session.rollback()
        raise ParticipantError(_l("Please try again: another registration was saved at the same moment.")) from error
    throttle.forget_account(code)  # guesses at a code before it was given out do not count against her
    audit.record(actor, "participant_created", "participant", participant.id,
                 details={"fields": ["full_name", "gender", "birth_year", "district", "phone", "consent"]})
    if commit:
        db.session.commit()
    return participant


def set_pin(actor: User, participant: Participant, pin: str) -> None:
    """Open (or change) a participant's login. An erased participant's login stays closed for
    good: nothing about them is changed."""
    if participant.erased_at is not None:
        raise ParticipantError(ERASED_LOGIN, "pin")
    try:
        accounts.set_pin(actor, participant.user, pin)
    except accounts.AccountError as error:
        raise ParticipantError(str(error)) from error


def update(actor: User, participant: Participant, *, full_name: str, gender: str, birth_year: int | None,
           district: str, phone: str | None, consent_data_use: bool, consent_photos: bool,
           consent_date: date | None) -> list[str]:
    """Correct a participant's record; returns (and audits) the names of the fields changed."""
    if actor.role == Role.FACILITATOR and actor.partner_id != participant.partner_id:
        raise ParticipantError(_l("You can change participants only of your own partner organisation."))
    problems = check_fields(full_name=full_name, gender=gender, birth_year=birth_year, district=district, phone=phone)
    if problems:
        raise ParticipantError(problems[0][1], problems[0][0])
    if consent_date is not None and consent_date > today():
        raise ParticipantError(_l("The consent date cannot be in the future."), "consent_date")
    if consent_date is None:  # the date of the latest agreement: today when what was agreed changes
        agreed_changed = (consent_data_use, consent_photos) != (participant.consent_data_use,
                                                                participant.consent_photos)
        consent_date = today() if agreed_changed else participant.consent_date
    new = {"full_name": " ".join(full_name.split()), "gender": gender, "birth_year": birth_year,
           "district": district, "phone": phone or None, "consent_data_use": consent_data_use,
           "consent_photos": consent_photos, "consent_date": consent_date}
    changed = [name for name, value in new.items() if getattr(participant, name) != value]
    for name, value in new.items():
        setattr(participant, name, value)
    participant.name_key = normalise_name(new["full_name"])
    audit.record(actor, "participant_updated", "participant", participant.id, details={"fields": changed})
    db.session.commit()
    return changed


@erases("participant.full_name", "participant.name_key", "participant.phone", "user.display_name",
        "user.password_hash", "user.locale")
def _erase_record(participant: Participant, **_context) -> list[str]:
    """Erasure: the name and phone are replaced, consent is cleared and the login is closed for good
    (every open session of theirs ends at the next request). The code, gender, district and
    birth year stay: the programme counts them."""
    participant.full_name, participant.name_key, participant.phone = ERASED, "", None
    participant.consent_data_use, participant.consent_photos, participant.consent_date = False, False, today()
    user = participant.user
    user.is_enabled, user.password_hash, user.display_name, user.locale = False, CLOSED_LOGIN, "", None
    user.session_version += 1
    return ["full_name", "phone", "consent", "login"]

