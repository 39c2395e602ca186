"""`make bench-load`: requests per second, latency and memory of EDT's pages under load.

Starts, on loopback, a Flask hello-world (the ceiling: what gunicorn and Flask alone can serve on
this machine in this run) and EDT in its production configuration, both under gunicorn with 2
workers, against a database you name (EDT_BENCH_DATABASE_URL, PostgreSQL in production) or by
default a fresh SQLite file filled by `seed-scale`. Logs in as each role, runs
`wrk -t2 -c16 -d<seconds>s` on each page (after a warm-up of BENCH_WARM_UP seconds, 3 by
default, not measured), and prints req/s, p50, p99, the share of the ceiling,
the bytes of the page and the queries it costs; then each worker's memory (RSS, PSS and USS).

    make bench-load                                   # 6,000 participants on SQLite
    BENCH_PARTICIPANTS=100000 EDT_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench make bench-load

Nothing here asserts a timing; it prints figures. Bounded: loopback only, fixed duration per page.
"""
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404: starts gunicorn and wrk from fixed argument lists
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import event, func, select
from werkzeug.security import generate_password_hash

from edt import create_app
from edt.clock import today
from edt.config import Config
from edt.demo.seed import DEMO_PASSWORD, DEMO_PIN
from edt.demo.scale import seed_scale
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.batches.models import Batch, TrainingDay, batch_facilitator
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant
from edt.security import Role

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", 8))
# Each page is loaded for this long before its measured run, so that every worker has answered it
# once (its first answer computes what it keeps, such as the dashboard's figures: the cost of a
# first view after a change is measured in-process, docs/architecture.md).
WARM_UP = int(os.environ.get("BENCH_WARM_UP", 3))
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", 6000))
HELLO = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\ndef hello():\n    return 'Hello, World!'\n"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app_spec: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                app_spec], cwd=cwd, env=env, start_new_session=True)  # nosec B603
    # Until a worker answers (the port opens before the workers have booted, which takes tens of
    # seconds on a loaded machine).
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"{app_spec} did not start on port {port}")


def _get(port: int, path: str, cookie: str = "") -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def _cookies(headers: list[tuple[str, str]]) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]
    return jar


def _login(port: int, path: str, fields: dict) -> str:
    """Log in through the real form (CSRF token and all) and return the Cookie header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    page = response.read().decode()
    jar = _cookies(response.getheaders())
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    connection.request("POST", path, body=urlencode({"csrf_token": token, **fields}),
                       headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"login at {path} failed with {response.status}")
    jar.update(_cookies(response.getheaders()))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _wrk(port: int, path: str, cookie: str = "", seconds: int | None = None) -> dict:
    command = [shutil.which("wrk"), "-t2", "-c16", f"-d{seconds or SECONDS}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout  # nosec B603
    def latency(label):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), "p50": latency("50%"),
            "p99": latency("99%"), "non2xx": int(errors.group(1)) if errors else 0}


def _memory_mb(master: subprocess.Popen) -> list[dict]:
    """Each worker's resident memory (RSS, the issue's figure), and from /proc/<pid>/smaps_rollup its
    proportional share (PSS: pages shared with the master and the other worker counted once across
    them) and what it holds alone (USS: private pages)."""
    children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        kb = {key: int(value) for key, value in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
        sizes.append({"RSS": kb["Rss"] / 1024, "PSS": kb["Pss"] / 1024,
                      "USS": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024})
    return sizes


def _prepare(uri: str, folder: Path) -> dict:
    """Seed the database when empty and pick the people and pages to load."""
    config = type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder,
                                             "SECRET_KEY": secrets.token_hex(32)})
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if not db.session.scalar(select(func.count()).select_from(Participant)):
            started = time.perf_counter()
            made = seed_scale(PARTICIPANTS, password_hash=generate_password_hash(DEMO_PASSWORD),
                              pin_hash=generate_password_hash(DEMO_PIN), today=today(),
                              public_url="http://127.0.0.1:5000")
            print(f"seed-scale: {made} in {time.perf_counter() - started:.1f} s", flush=True)
        facilitator = db.session.scalar(select(User).where(User.role == Role.FACILITATOR).order_by(User.id))
        theirs = select(batch_facilitator.c.batch_id).where(batch_facilitator.c.user_id == facilitator.id)
        # A participant with a PIN who finished one of this facilitator's batches (and so has a
        # canvas, a plan and a certificate); her batch is the one the staff pages are measured on.
        certificate = db.session.scalar(
            select(Certificate).join(Participant, Participant.id == Certificate.participant_id)
            .join(User, User.id == Participant.user_id)
            .where(Certificate.batch_id.in_(theirs), User.password_hash != "!no-pin")
            .order_by(Certificate.training_end.desc()))
        person = db.session.get(Participant, certificate.participant_id)
        batch = db.session.get(Batch, certificate.batch_id)
        day = db.session.scalar(select(TrainingDay).where(TrainingDay.batch_id == batch.id, TrainingDay.number == 1))
        trainer = db.session.scalar(select(User).where(User.role == Role.MASTER_TRAINER).order_by(User.id))
        return {"facilitator": facilitator.username, "trainer": trainer.username, "participant": person.code,
                "participant_id": person.id, "batch": batch.id, "day": day.id, "verify": certificate.code,
                "query_app": app}


def _queries(app, kind: str, login: dict, path: str) -> int:
    """Statements one request of `path` costs, measured in-process on the same database."""
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    if kind:
        path_, fields = login[kind]
        client.post(path_, data=fields)
    count = 0

    def _count(*_args):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return count


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench-load` installs Debian's wrk when run as root.")
    folder = Path(tempfile.mkdtemp(prefix="edt-bench-load-"))
    uri = os.environ.get("EDT_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
    picked = _prepare(uri, folder)
    (folder / "hello.py").write_text(HELLO)
    env = {**os.environ, "EDT_ENV": "production", "EDT_SECRET_KEY": secrets.token_hex(32), "EDT_DATABASE_URL": uri,
           "EDT_INSTANCE_PATH": str(folder), "EDT_VERIFY_RATE_LIMIT": "100000000",
           # production refuses a loopback address here (certificates carry it); nothing is sent to it
           "EDT_PUBLIC_URL": os.environ.get("EDT_PUBLIC_URL", "https://edt.example.org")}
    hello_port, edt_port = _port(), _port()
    servers = []
    try:
        servers.append(_serve("hello:app", hello_port, env, folder))
        servers.append(_serve("edt:create_app()", edt_port, env, ROOT))
        ceiling = _wrk(hello_port, "/")["rps"]
        staff = {"username": picked["facilitator"], "password": DEMO_PASSWORD}
        trainer = {"username": picked["trainer"], "password": DEMO_PASSWORD}
        person = {"code": picked["participant"], "pin": DEMO_PIN}
        cookies = {"facilitator": _login(edt_port, "/accounts/login", staff),
                   "trainer": _login(edt_port, "/accounts/login", trainer),
                   "participant": _login(edt_port, "/accounts/login/participant", person), "": ""}
        login = {"facilitator": ("/accounts/login", staff), "trainer": ("/accounts/login", trainer),
                 "participant": ("/accounts/login/participant", person)}
        pid, batch, day = picked["participant_id"], picked["batch"], picked["day"]
        pages = [("staff login (anonymous)", "", "/accounts/login"),
                 ("verify page (anonymous)", "", f"/verify/{picked['verify']}"),
                 ("day 5 page (participant)", "participant", "/curriculum/day/5"),
                 ("participant home", "participant", "/"),
                 ("canvas page (participant)", "participant", f"/canvas/{pid}"),
                 ("plan page (participant)", "participant", f"/canvas/{pid}/plan"),
                 ("facilitator home", "facilitator", "/"),
                 ("attendance day, 25 people", "facilitator", f"/attendance/days/{day}"),
                 ("progress grid", "facilitator", f"/attendance/batches/{batch}"),
                 ("batch page", "facilitator", f"/batches/{batch}"),
                 ("certificates of a batch", "trainer", f"/certificates/batch/{batch}"),
                 ("participants list (master trainer)", "trainer", "/participants/"),
                 ("participants search (master trainer)", "trainer", "/participants/?q=begum"),
                 ("batches list", "trainer", "/batches/"),
                 ("reports dashboard", "trainer", "/reports/"),
                 ("CSV export", "trainer", "/reports/export.csv")]
        print(f"\nceiling (Flask hello-world, gunicorn -w 2, wrk -t2 -c16 -d{SECONDS}s): {ceiling:,.0f} req/s")
        print(f"database: {uri.split('@')[-1]}; participants: {PARTICIPANTS:,} (if seeded here)\n")
        print("| page | req/s | p50 | p99 | share of ceiling | bytes | queries |")
        print("|---|---|---|---|---|---|---|")
        for label, kind, path in pages:
            status, _headers, body = _get(edt_port, path, cookies[kind])
            if status != 200:
                print(f"| {label} | answered {status} | | | | | |")
                continue
            _wrk(edt_port, path, cookies[kind], seconds=WARM_UP)  # every worker has the page once: not measured
            figures = _wrk(edt_port, path, cookies[kind])
            queries = _queries(picked["query_app"], kind, login, path)
            flag = f" ({figures['non2xx']} not 2xx)" if figures["non2xx"] else ""
            print(f"| {label} | {figures['rps']:,.0f}{flag} | {figures['p50']:.0f} ms | {figures['p99']:.0f} ms | "
                  f"{figures['rps'] / ceiling:.1%} | {len(body):,} | {queries} |", flush=True)
        # The ceiling again: on a shared virtual machine the speed drifts during a run, and a
        # share is only as good as the ceiling it is divided by.
        after = _wrk(hello_port, "/")["rps"]
        print(f"\nceiling again at the end: {after:,.0f} req/s ({after / ceiling - 1:+.0%} since the start)")
        sizes = _memory_mb(servers[1])
        print("\nEDT workers after the run: " + "; ".join(
            ", ".join(f"{key} {size[key]:.0f} MB" for key in ("RSS", "PSS", "USS")) for size in sizes))
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
