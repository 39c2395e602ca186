"""Demo data for `flask --app edt seed-demo`: every feature populated with realistic records.
All names are invented. Never loaded in production (its logins are public)."""
from datetime import date

from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.participants import services as participants
from edt.security import Role

DEMO_PASSWORD = "edt-demo-password"
DEMO_PIN = "482916"
YEAR = 2026


def seed() -> dict:
    khulna = accounts.save_partner(None, None, name="Shapla Development Trust", district="Khulna")
    jashore = accounts.save_partner(None, None, name="Nodi Women's Forum", district="Jashore")
    trainer = accounts.create_staff(None, username="trainer", password=DEMO_PASSWORD, role=Role.MASTER_TRAINER,
                                    display_name="Farzana Haque")
    facilitator = accounts.create_staff(None, username="facilitator", password=DEMO_PASSWORD, role=Role.FACILITATOR,
                                        display_name="Nasrin Sultana", partner_id=khulna.id)
    facilitator2 = accounts.create_staff(None, username="facilitator2", password=DEMO_PASSWORD,
                                         role=Role.FACILITATOR, display_name="Mahmudul Islam", partner_id=jashore.id)
    first = participants.register(trainer, partner_id=khulna.id, full_name="রহিমা খাতুন", gender="woman",
                                  birth_year=1994, district="Khulna", consent_data_use=True, consent_photos=False,
                                  consent_date=date(YEAR, 1, 10), pin=DEMO_PIN, year=YEAR)
    second = participants.register(trainer, partner_id=jashore.id, full_name="Shirin Akter", gender="woman",
                                   birth_year=1990, district="Jashore", consent_data_use=True, consent_photos=True,
                                   consent_date=date(YEAR, 1, 12), pin=DEMO_PIN, year=YEAR)
    db.session.commit()
    return {"trainer": trainer, "facilitator": facilitator, "facilitator2": facilitator2,
            "participants": [first, second]}


def demo_participant_codes() -> list[str]:
    from sqlalchemy import select

    from edt.modules.participants.models import Participant

    names = ("রহিমা খাতুন", "Shirin Akter")
    rows = db.session.execute(select(Participant.code, Participant.full_name)
                              .where(Participant.full_name.in_(names)).order_by(Participant.code)).all()
    return [code for code, _ in rows]


def logins_text() -> str:
    codes = ", ".join(demo_participant_codes()) or "(none)"
    return (
        "Demo logins (http://127.0.0.1:5000):\n"
        f"  staff: trainer (master trainer), facilitator (Khulna), facilitator2 (Jashore); password {DEMO_PASSWORD}\n"
        f"  participants: {codes}; PIN {DEMO_PIN}"
    )

