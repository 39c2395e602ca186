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
