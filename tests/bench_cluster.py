"""`make bench-cluster`: two EDT servers behind nginx on one PostgreSQL, as the README's
deployment section describes, on loopback.

1. A session made on server A works on server B.
2. Wrong passwords sent to A and B count together: the sixth waits, on either.
3. The verify page's cap (EDT_VERIFY_RATE_LIMIT, here 10) holds over both servers together.
4. Attendance saves through nginx keep running while A is killed (SIGKILL, the whole gunicorn
   process group) and started again: every save the client saw acknowledged is in the database
   with its own note, none is there twice, and every request the client saw fail was in flight
   at the moment A was killed (nginx passes a POST to the other server only when it could not
   reach the first; a request already sent to the killed server fails).

Prints the figures and "PASS"/"FAIL" per check; exits 1 on any failure. The database is
EDT_BENCH_DATABASE_URL, or a fresh one made on 127.0.0.1 and dropped afterwards. Bounded:
loopback only, a fixed number of seconds of load (BENCH_CLUSTER_SECONDS, 12), at most one save
per (day, person) pair; every process it starts is stopped at the end.
"""
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess  # nosec B404: starts gunicorn and nginx from fixed argument lists
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from werkzeug.security import generate_password_hash

from edt import create_app
from edt.clock import today
from edt.config import Config
from edt.demo.scale import seed_scale
from edt.demo.seed import DEMO_PASSWORD, DEMO_PIN
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment, EnrolmentStatus, TrainingDay, batch_facilitator
from edt.modules.certificates.models import Certificate
from edt.security import Role
from tests.bench_load import _cookies, _login, _port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_CLUSTER_SECONDS", 12))
CLIENTS = 4
VERIFY_LIMIT = 10
NGINX = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  upstream edt {{ server 127.0.0.1:{a} max_fails=1 fail_timeout=3s; server 127.0.0.1:{b} max_fails=1 fail_timeout=3s; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass http://edt; proxy_set_header Host $host;
                 proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                 proxy_set_header X-Forwarded-Proto $scheme;
                 add_header X-Upstream $upstream_addr always; }}
  }}
}}
"""


def _wait_for(port: int, seconds: float = 120) -> None:
    """Until /healthz answers 200 (a worker has booted and reaches the database)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answers on port {port}")


def _gunicorn(port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "error",
                                "edt:create_app()"], cwd=ROOT, env=env, start_new_session=True)  # nosec B603
    _wait_for(port)
    return process


def _group_alive(group: int) -> bool:
    """Is any process of the group still running (zombies, already dead, do not count)?"""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _request(port: int, method: str, path: str, cookie: str = "", body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=urlencode(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, Headers(response.getheaders()), response.read().decode(errors="replace")


class Headers(dict):
    """A response's headers by name, keeping every Set-Cookie in `raw`."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.raw = list(pairs)


def _database() -> tuple[str, str | None]:
    """(url, name of a database made here to drop afterwards, or None)."""
    if os.environ.get("EDT_BENCH_DATABASE_URL"):
        return os.environ["EDT_BENCH_DATABASE_URL"], None
    name = "edt_bench_cluster_" + secrets.token_hex(4)
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def _drop(name: str) -> None:
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _prepare(uri: str, folder: Path) -> dict:
    config = type("ClusterConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder,
                                               "SECRET_KEY": secrets.token_hex(32)})
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if not db.session.scalar(select(func.count()).select_from(User)):
            seed_scale(600, password_hash=generate_password_hash(DEMO_PASSWORD),
                       pin_hash=generate_password_hash(DEMO_PIN), today=today(), public_url="http://127.0.0.1")
        facilitators = list(db.session.scalars(select(User).where(User.role == Role.FACILITATOR).order_by(User.id)))
        worker, victim = facilitators[0], facilitators[1]
        theirs = select(batch_facilitator.c.batch_id).where(batch_facilitator.c.user_id == worker.id)
        days = list(db.session.scalars(
            select(TrainingDay).join(Batch, Batch.id == TrainingDay.batch_id)
            .where(TrainingDay.batch_id.in_(theirs), Batch.cancelled_at.is_(None), TrainingDay.date <= today())
            .order_by(TrainingDay.date.desc())))
        pairs = []  # (day id, enrolment id, status now, note now): each saved at most once
        for day in days:
            marks = {m.enrolment_id: m for m in db.session.scalars(
                select(AttendanceMark).where(AttendanceMark.training_day_id == day.id))}
            for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.batch_id == day.batch_id,
                                                                        Enrolment.status == EnrolmentStatus.ACTIVE)):
                mark = marks.get(enrolment.id)
                pairs.append((day.id, enrolment.id, mark.status if mark else "", mark.note or "" if mark else ""))
        code = db.session.scalar(select(Certificate.code).order_by(Certificate.id))
        return {"worker": worker.username, "victim": victim.username, "pairs": pairs, "verify": code}


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def check_session(a: int, b: int, who: str) -> bool:
    cookie = _login(a, "/accounts/login", {"username": who, "password": DEMO_PASSWORD})
    status, _h, page = _request(b, "GET", "/", cookie)
    ok = status == 200 and "accounts/logout" in page
    print(f"1. session made on A ({a}), page on B ({b}): {status} -> {'PASS' if ok else 'FAIL'}")
    return ok


def check_throttle(a: int, b: int, who: str) -> bool:
    answers = []
    for n in range(7):
        port = a if n % 2 == 0 else b
        status, headers, page = _request(port, "GET", "/accounts/login")
        cookie = "; ".join(f"{k}={v}" for k, v in _cookies(headers.raw).items())
        status, _h, page = _request(port, "POST", "/accounts/login", cookie,
                                    {"csrf_token": _token(page), "username": who, "password": "wrong-password-1234"})
        answers.append("wait" if "Too many attempts" in page else "failed" if "did not work" in page else str(status))
    ok = answers[:5] == ["failed"] * 5 and answers[5:] == ["wait", "wait"]
    print(f"2. seven wrong passwords, alternately on A and B: {', '.join(answers)} -> {'PASS' if ok else 'FAIL'}")
    return ok


def check_verify(a: int, b: int, code: str) -> bool:
    statuses = [_request(a if n % 2 == 0 else b, "GET", f"/verify/{code}")[0] for n in range(VERIFY_LIMIT + 2)]
    ok = statuses[:VERIFY_LIMIT] == [200] * VERIFY_LIMIT and statuses[VERIFY_LIMIT:] == [429, 429]
    print(f"3. verify page {VERIFY_LIMIT + 2} times, alternately on A and B (cap {VERIFY_LIMIT}): "
          f"{' '.join(map(str, statuses))} -> {'PASS' if ok else 'FAIL'}")
    return ok


def load_with_a_kill(proxy: int, a_port: int, env: dict, servers: dict, who: str, pairs: list, uri: str) -> bool:
    cookie = _login(proxy, "/accounts/login", {"username": who, "password": DEMO_PASSWORD})
    status, headers, page = _request(proxy, "GET", f"/attendance/days/{pairs[0][0]}", cookie)
    if status != 200 or "attendance-form" not in page:
        print(f"4. the attendance page through nginx answers {status} {headers.get('Location', '')}: FAIL")
        return False
    # The page put the session's CSRF secret into the session cookie: send that cookie from now on
    # (one token serves every day's form of this session).
    jar = dict(part.split("=", 1) for part in cookie.split("; "))
    jar.update(_cookies(headers.raw))
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    token = _token(page)
    queue = list(reversed(pairs))
    lock = threading.Lock()
    results = []  # (started, ended, status or error, pair, note, upstream)
    began = time.monotonic()
    stop = began + SECONDS

    done = threading.Event()

    def client(n):
        while not done.is_set():
            with lock:
                if not queue:
                    return
                day_id, enrolment_id, was_status, was_note = queue.pop()
            note = f"cluster-{secrets.token_hex(6)}"
            form = {"csrf_token": token, "row": enrolment_id, f"s-{enrolment_id}": "present",
                    f"n-{enrolment_id}": note, f"ws-{enrolment_id}": was_status, f"wn-{enrolment_id}": was_note,
                    f"pf-{enrolment_id}": ""}
            started = time.monotonic()
            try:
                status, headers, _page = _request(proxy, "POST", f"/attendance/days/{day_id}", cookie, form)
                outcome, upstream = status, headers.get("X-Upstream", "")
                if status == 302 and not headers.get("Location", "").endswith(f"/attendance/days/{day_id}"):
                    outcome = f"302 to {headers.get('Location')}"  # not a save: the day page is the answer
            except Exception as error:
                outcome, upstream = f"{type(error).__name__}", ""
            results.append((started, time.monotonic(), outcome, (day_id, enrolment_id), note, upstream))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS / 3)
    killed_at = time.monotonic()
    os.killpg(servers["a"].pid, signal.SIGKILL)
    servers["a"].wait()
    for _ in range(500):  # the workers hold the listening socket too: A is gone when its whole group is
        try:
            os.killpg(servers["a"].pid, 0)
        except ProcessLookupError:
            break
        if not _group_alive(servers["a"].pid):
            break
        time.sleep(0.01)
    dead_at = time.monotonic()  # the kill took effect between killed_at and dead_at
    time.sleep(SECONDS / 4)
    servers["a"] = _gunicorn(a_port, env)
    restarted_at = time.monotonic()
    stop = max(stop, restarted_at + SECONDS / 3)  # the load runs on a while with A back
    time.sleep(max(0.0, stop - time.monotonic()))
    done.set()
    for thread in threads:
        thread.join()

    acknowledged = [r for r in results if r[2] == 302]
    failed = [r for r in results if r[2] != 302]
    engine = create_engine(uri)
    with engine.connect() as connection:
        rows = dict(connection.execute(select(AttendanceMark.note, func.count()).where(
            AttendanceMark.note.like("cluster-%")).group_by(AttendanceMark.note)).all())
        stored = {(d, e): n for d, e, n in connection.execute(select(
            AttendanceMark.training_day_id, AttendanceMark.enrolment_id, AttendanceMark.note)
            .where(AttendanceMark.note.like("cluster-%")))}
    engine.dispose()
    missing = [r for r in acknowledged if stored.get(r[3]) != r[4]]
    twice = [note for note, count in rows.items() if count > 1]
    not_in_flight = [r for r in failed if not (r[0] <= dead_at and r[1] >= killed_at)]
    by_server = {}
    for r in acknowledged:
        by_server[r[5]] = by_server.get(r[5], 0) + 1
    unacknowledged_rows = len(rows) - len(acknowledged)
    print(f"4. {CLIENTS} clients saving attendance through nginx for {SECONDS} s; A killed at "
          f"{killed_at - began:.2f} s (all its processes gone at {dead_at - began:.2f} s), answering again at {restarted_at - began:.1f} s, load until {stop - began:.1f} s")
    print(f"   saves sent: {len(results)}; acknowledged: {len(acknowledged)} "
          f"({', '.join(f'{k or chr(63)}: {v}' for k, v in sorted(by_server.items()))})")
    print(f"   rows found with a save's note: {len(rows)} (of them not acknowledged to the client: "
          f"{unacknowledged_rows}); acknowledged but missing or different: {len(missing)}; notes twice: {len(twice)}")
    print(f"   errors seen: {len(failed)} ({', '.join(sorted({str(r[2]) for r in failed})) or 'none'}; sent at "
          f"{', '.join(f'{r[0] - began:.2f}' for r in failed)} s); "
          f"of them not in flight when A was killed: {len(not_in_flight)}")
    ok = (not missing and not twice and not not_in_flight and len(failed) <= CLIENTS and acknowledged
          and 0 <= unacknowledged_rows <= len(failed))
    print(f"   -> {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> None:
    nginx_bin = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx_bin:
        raise SystemExit("nginx is missing: `make bench-cluster` installs Debian's nginx when run as root.")
    folder = Path(tempfile.mkdtemp(prefix="edt-bench-cluster-"))
    uri, made = _database()
    servers: dict = {}
    nginx = None
    try:
        picked = _prepare(uri, folder)
        a_port, b_port, proxy = _port(), _port(), _port()
        base = {**os.environ, "EDT_ENV": "production", "EDT_SECRET_KEY": secrets.token_hex(32),
                "EDT_DATABASE_URL": uri, "EDT_TRUSTED_PROXIES": "1", "EDT_VERIFY_RATE_LIMIT": str(VERIFY_LIMIT),
                "EDT_PUBLIC_URL": "https://edt.example.org"}  # production refuses a loopback address
        envs = {}
        for name, port in (("a", a_port), ("b", b_port)):
            (folder / name).mkdir()
            envs[name] = {**base, "EDT_INSTANCE_PATH": str(folder / name)}  # nothing shared but the database
            servers[name] = _gunicorn(port, envs[name])
        (folder / "nginx").mkdir()
        (folder / "nginx" / "nginx.conf").write_text(NGINX.format(dir=folder / "nginx", a=a_port, b=b_port,
                                                                   port=proxy))
        nginx = subprocess.Popen([nginx_bin, "-p", str(folder / "nginx"), "-c", str(folder / "nginx" / "nginx.conf"),
                                  "-g", "daemon off;"], start_new_session=True)  # nosec B603 B607
        _wait_for(proxy)
        print(f"nginx on {proxy} in front of A ({a_port}) and B ({b_port}), gunicorn -w 2 each; "
              f"database {uri.split('@')[-1]}\n")
        results = [check_session(a_port, b_port, picked["worker"]), check_throttle(a_port, b_port, picked["victim"]),
                   check_verify(a_port, b_port, picked["verify"]),
                   load_with_a_kill(proxy, a_port, envs["a"], servers, picked["worker"], picked["pairs"], uri)]
        print("\nbench-cluster:", "PASS" if all(results) else "FAIL")
        if not all(results):
            sys.exit(1)
    finally:
        for process in [*servers.values(), nginx]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        if made:
            _drop(made)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
