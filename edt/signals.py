"""Signals a lower module sends and the modules above it answer (the layers only point down, so
accounts cannot call batches). Each receiver does its part inside the sender's transaction; the
sender commits once, with the audit rows every receiver added."""
from blinker import Namespace

_signals = Namespace()

# A staff member's role or partner changed (sent with the user, and `actor=`, before the commit):
# each module drops what the user may no longer reach (the batches module: their assignments to
# batches of another partner).
staff_reach_changed = _signals.signal("staff-reach-changed")
