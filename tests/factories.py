"""Factories that build real records through the services the app itself uses."""
from itertools import count
from types import SimpleNamespace

from edt.modules.accounts import services as accounts
from edt.modules.participants import services as participants
from edt.security import Role

PASSWORD = "correct horse battery"
PIN = "482916"
_seq = count(1)


def make_partner(name=None, district="Khulna"):
    return accounts.save_partner(None, None, name=name or f"Partner {next(_seq)}", district=district)


def make_staff(role=Role.FACILITATOR, partner=None, username=None, password=PASSWORD):
    return accounts.create_staff(None, username=username or f"{role[:4]}{next(_seq)}", password=password,
                                 role=role, display_name="Staff Person",
                                 partner_id=partner.id if partner else None)


def make_participant(partner, actor=None, *, full_name=None, pin=PIN, **fields):
    actor = actor or make_staff(Role.MASTER_TRAINER)
    values = {"gender": "woman", "birth_year": 1995, "district": partner.district, "consent_data_use": True}
    values.update(fields)
    return participants.register(actor, partner_id=partner.id, full_name=full_name or f"Person {next(_seq)}",
                                 pin=pin, **values)


def make_world():
    khulna = make_partner("Khulna Partner", "Khulna")
    jashore = make_partner("Jashore Partner", "Jashore")
    trainer = make_staff(Role.MASTER_TRAINER, username="mtr")
    facilitator = make_staff(Role.FACILITATOR, khulna, username="fac")
    other_facilitator = make_staff(Role.FACILITATOR, jashore, username="fac2")
    participant = make_participant(khulna, trainer, full_name="Rahima Khatun")
    other_participant = make_participant(jashore, trainer, full_name="Shirin Akter")
    return SimpleNamespace(khulna=khulna, jashore=jashore, trainer=trainer, facilitator=facilitator,
                           other_facilitator=other_facilitator, participant=participant,
                           other_participant=other_participant)
