"""Worker memory: the PDF and spreadsheet libraries load on the first PDF or XLSX, and the migration
tools when a migration runs, not with the app (each gunicorn worker would otherwise hold ReportLab,
HarfBuzz, Pillow, openpyxl and numpy, and Flask-Migrate with Alembic, Mako and Pygments)."""
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "uharfbuzz", "PIL", "numpy", "pypdf", "flask_migrate", "alembic", "mako", "pygments")


def test_the_app_starts_without_the_pdf_and_spreadsheet_libraries(tmp_path):
    code = ("import sys; from edt import create_app; create_app(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT), "EDT_INSTANCE_PATH": str(tmp_path),
                                 "EDT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
                                 "PATH": "/usr/bin:/bin"})  # nosec B603
    assert result.stdout.strip() == "", result.stdout


def test_the_migration_commands_are_still_there(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "EDT_INSTANCE_PATH": str(tmp_path),
           "EDT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "PATH": "/usr/bin:/bin"}
    flask = [sys.executable, "-m", "flask", "--app", "edt"]
    listed = subprocess.run(flask + ["--help"], cwd=ROOT, capture_output=True, text=True, check=True, env=env)  # nosec B603
    assert "Perform database migrations." in listed.stdout
    subprocess.run(flask + ["init-db"], cwd=ROOT, capture_output=True, text=True, check=True, env=env)  # nosec B603
    current = subprocess.run(flask + ["db", "current"], cwd=ROOT, capture_output=True, text=True, check=True,
                             env=env)  # nosec B603
    assert "(head)" in current.stdout + current.stderr
