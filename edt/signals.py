"""Signals a lower module sends and the modules above it answer (the layers only point down, so
accounts cannot call batches). Each receiver does its part inside the sender's transaction; the
sender commits once, with the audit rows every receiver added."""
from dataclasses import dataclass, field

from blinker import Namespace

_signals = Namespace()

# A staff member's role or partner changed (sent with the user, and `actor=`, before the commit):
# each module drops what the user may no longer reach (the batches module: their assignments to
# batches of another partner).
staff_reach_changed = _signals.signal("staff-reach-changed")

# A participant's personal data is being erased (sent with the participant and `actor=`, inside the
# erasure's transaction): each module blanks or deletes its own personal columns and rows. A
# receiver returns the list of "table.column" names it covers, so a test can prove that every
# free-text column of every model is covered by some module.
participant_erased = _signals.signal("participant-erased")

# What the receivers of participant_erased cover, "table.column", registered when each module's
# services.py is imported (the registry imports every module): tests/privacy/test_erasure.py fails when a
# model has a text column that no receiver covers and that is not listed there as not personal.
_erased_columns: dict[str, str] = {}


def erases(*columns: str):
    """Connect the decorated function to participant_erased and register the "table.column"
    names it blanks (or deletes the rows of)."""
    def decorator(receiver):
        for column in columns:
            _erased_columns[column] = f"{receiver.__module__}.{receiver.__name__}"
        participant_erased.connect(receiver)
        return receiver
    return decorator


def erased_columns() -> dict[str, str]:
    """{"table.column": the receiver that erases it}."""
    return dict(_erased_columns)

# A page of a lower module asks the modules above it for their part of the page: sent with the
# page's endpoint as sender ("participants.detail") and the page's objects as keyword arguments
# (`actor=` always). A receiver returns a PagePart: a template the page includes at its slot,
# and/or values the page's template reads. So participants shows attendance without importing it.
page_parts = _signals.signal("page-parts")


@dataclass
class PagePart:
    template: str | None = None
    context: dict = field(default_factory=dict)


def collect_parts(page: str, **objects) -> dict:
    """The render context the modules above contribute to `page`: each part's values, and
    `parts`, the templates to include in order."""
    parts = [part for _receiver, part in page_parts.send(page, **objects) if part is not None]
    context: dict = {}
    for part in parts:
        context.update(part.context)
    return {**context, "parts": [part for part in parts if part.template]}
# Facilitators are being put on a batch (sent by the batches module with the partner id and
# `actor=`, `added=` the users newly assigned, `chosen=` every facilitator the batch will have and
# `reason=` the scheduler's reason for an unusual choice). A receiver refuses by raising the
# batches module's BatchError (the trainers module: only provisional or certified facilitators,
# a provisional one next to a certified one, a lapsed one only with a reason).
facilitators_assigning = _signals.signal("facilitators-assigning")

# The public verify page found no certificate for a code (sent with the code as typed and
# `serial=` when one was typed): a receiver that knows the code returns the page to show (the
# trainers module: a facilitator credential's status and dates), the others return None.
verification_requested = _signals.signal("verification-requested")

# The certificate rule asks the modules above it for extra conditions (sent with the list of
# enrolments whose standing is computed): each receiver returns {enrolment id: (met, words)};
# a person is eligible only when every condition returned for them is met. The assessments
# module answers when a post-test is required (ASSESSMENT_POST_TEST_REQUIRED, default off).
certificate_conditions = _signals.signal("certificate-conditions")
