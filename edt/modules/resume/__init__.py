"""A form sent after the session ended is kept server-side and offered again after the login
(the facilitator who opens the attendance page at 9:00 and saves at 15:00 loses nothing)."""
from .views import bp

__all__ = ["bp"]
