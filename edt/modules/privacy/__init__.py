"""Data protection pages: the audit log (who saw and changed what) and erasure of a participant's
personal data; the erasure and retention commands live in cli.py."""
from .views import bp

__all__ = ["bp"]
