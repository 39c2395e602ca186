"""Signals a lower module sends and the modules above it answer (the layers only point down, so
accounts cannot call batches). Each receiver does its part inside the sender's transaction; the
sender commits once, with the audit rows every receiver added."""
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

# The certificate rule asks the modules above it for extra conditions (sent with the list of
# enrolments whose standing is computed): each receiver returns {enrolment id: (met, words)};
# a person is eligible only when every condition returned for them is met. The assessments
# module answers when a post-test is required (ASSESSMENT_POST_TEST_REQUIRED, default off).
certificate_conditions = _signals.signal("certificate-conditions")
