"""Reports (issue 7): the master trainers' dashboard, batch reports, CSV and XLSX exports."""
from .views import bp

__all__ = ["bp"]
