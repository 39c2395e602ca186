"""Profile one page in-process: `python -m tests.profile_pages <page> [N]` against EDT_DATABASE_URL.

Logs in as the role of the page through the test client (the bench-load picks), requests the page
N times under cProfile and prints the top functions by cumulative and own time, plus queries and
milliseconds per request. For finding where time goes before changing code; prints, never asserts.
"""
import cProfile
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

from sqlalchemy import event

from edt import create_app
from edt.config import Config
from edt.demo.seed import DEMO_PASSWORD, DEMO_PIN
from edt.extensions import db
from tests.bench_load import _prepare


def main() -> None:
    page, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    uri = os.environ["EDT_DATABASE_URL"]
    picked = _prepare(uri, Path(os.environ.get("EDT_INSTANCE_PATH", "/tmp")))
    pid, batch, day = picked["participant_id"], picked["batch"], picked["day"]
    pages = {"dashboard": ("trainer", "/reports/"), "home-f": ("facilitator", "/"),
             "attendance": ("facilitator", f"/attendance/days/{day}"),
             "grid": ("facilitator", f"/attendance/batches/{batch}"), "home-p": ("participant", "/"),
             "batch": ("facilitator", f"/batches/{batch}"), "certs": ("trainer", f"/certificates/batch/{batch}"),
             "canvas": ("participant", f"/canvas/{pid}"), "verify": ("", f"/verify/{picked['verify']}"),
             "export": ("trainer", "/reports/export.csv"), "login": ("", "/accounts/login"),
             "day": ("participant", "/curriculum/day/5"), "plan": ("participant", f"/canvas/{pid}/plan"),
             "list": ("trainer", "/participants/"), "search": ("trainer", "/participants/?q=begum"),
             "batches": ("trainer", "/batches/")}
    kind, path = pages[page]
    app = picked["query_app"]
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    if kind == "participant":
        client.post("/accounts/login/participant", data={"code": picked["participant"], "pin": DEMO_PIN})
    elif kind:
        client.post("/accounts/login", data={"username": picked[kind], "password": DEMO_PASSWORD})
    assert client.get(path).status_code == 200, path
    count_q = 0

    def _count(*_a):
        nonlocal count_q
        count_q += 1
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(count):
        client.get(path)
    profile.disable()
    elapsed = (time.perf_counter() - started) / count
    print(f"{page} {path}: {elapsed * 1000:.1f} ms/request (under cProfile), {count_q / count:.0f} queries")
    started = time.perf_counter()
    for _ in range(count):
        client.get(path)
    print(f"without the profiler: {(time.perf_counter() - started) / count * 1000:.1f} ms/request")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
