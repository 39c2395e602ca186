"""Worker memory: the PDF and spreadsheet libraries load on the first PDF or XLSX, not with the
app (each gunicorn worker would otherwise hold ReportLab, HarfBuzz, Pillow, openpyxl and numpy)."""
import subprocess  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("reportlab", "openpyxl", "uharfbuzz", "PIL", "numpy", "pypdf")


def test_the_app_starts_without_the_pdf_and_spreadsheet_libraries(tmp_path):
    code = ("import sys; from edt import create_app; create_app(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": str(ROOT), "EDT_INSTANCE_PATH": str(tmp_path),
                                 "EDT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
                                 "PATH": "/usr/bin:/bin"})  # nosec B603
    assert result.stdout.strip() == "", result.stdout
