"""`make bench`: figures for the certificates on this machine.

Builds a throw-away database with one finished batch of 25 participants (half with Bangla
names), issues their certificates, then prints the time to generate the 25 PDFs, the size of
each, the one print-ready PDF and the ZIP, and the verify page's lookup time for known and
unknown codes. Targets: all 25 in under 1 second, each under 50 KB with the Bengali font
embedded. Nothing here asserts timings: it reports them.
"""
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from edt import create_app
from edt.config import TestConfig
from edt.extensions import db

NAMES = ("রহিমা খাতুন", "Rashida Begum", "নাসিমা আক্তার", "Moushumi Das", "ফাতেমা খাতুন", "Jesmin Nahar",
         "সুমি রানী দাস", "Ayesha Siddika", "পারুল বেগম", "Kulsum Bibi", "মরিয়ম নেছা", "Tania Sultana",
         "শাহানা পারভীন", "Shirin Akter", "লাকি আক্তার", "Rokeya Khatun", "তাসলিমা বেগম", "Nargis Akter",
         "মাহমুদা হক", "Sabina Yasmin", "রুমানা ইসলাম", "Kohinoor Begum", "জান্নাতুল ফেরদৌস", "Lipi Rani Das",
         "সালমা খাতুন")
LOOKUPS = 200


def _is_bangla(text: str) -> bool:
    return any("\u0980" <= ch <= "\u09ff" for ch in text)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="edt-bench-"))
    config = type("BenchConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}", "INSTANCE_PATH": folder,
        "VERIFY_RATE_LIMIT": 1_000_000, "WTF_CSRF_ENABLED": False})
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        from edt.modules.certificates import pdf, queries, services
        from edt.security import Role

        from . import factories

        partner = factories.make_partner("Shapla Development Trust", "Khulna")
        trainer = factories.make_staff(Role.MASTER_TRAINER, username="bench-trainer")
        facilitator = factories.make_staff(Role.FACILITATOR, partner, username="bench-facilitator")
        people = [factories.make_participant(partner, trainer, full_name=name) for name in NAMES]
        batch, _ = factories.make_certifiable_batch(partner, trainer, facilitator, people)

        started = time.perf_counter()
        certificates = services.issue_all_eligible(trainer, batch)
        issue_time = time.perf_counter() - started

        pdf.render(certificates[0])  # font registration and first-use caches, once per process
        started = time.perf_counter()
        documents = [pdf.render(c) for c in certificates]
        render_time = time.perf_counter() - started
        started = time.perf_counter()
        printable = pdf.render_many(certificates)
        print_time = time.perf_counter() - started
        started = time.perf_counter()
        archive = services.batch_zip(trainer, batch)
        zip_time = time.perf_counter() - started

        bangla = sum(1 for name in NAMES if _is_bangla(name))
        print(f"Certificates of one batch ({len(certificates)} participants, {bangla} with Bangla names)")
        print(f"  issue all eligible (one action):      {_ms(issue_time)}")
        print(f"  generate the {len(documents)} PDFs:               {_ms(render_time)}"
              f"  ({_ms(render_time / len(documents))} each; target: all under 1 s)")
        print(f"  one PDF for printing ({len(certificates)} pages):   {_ms(print_time)}, {len(printable) / 1024:.1f} KB")
        print(f"  ZIP of {len(certificates)} PDFs (with audit):       {_ms(zip_time)}, {len(archive) / 1024:.1f} KB")
        print("  size of each PDF (target: under 50 KB, Bengali font embedded):")
        for certificate, data in zip(certificates, documents):
            script = "Bangla" if _is_bangla(certificate.holder_name) else "Latin"
            print(f"    {certificate.serial}  {len(data) / 1024:6.1f} KB  {script} name")
        print(f"    largest {max(map(len, documents)) / 1024:.1f} KB, smallest {min(map(len, documents)) / 1024:.1f} KB")

        known = [c.code for c in certificates]
        unknown = [services.new_code() for _ in range(len(known))] + ["short", "x" * 300, "%27%3B--"]

        def timed_lookups(codes):
            times = []
            for i in range(LOOKUPS):
                code = codes[i % len(codes)]
                started = time.perf_counter()
                queries.by_code(code)
                times.append(time.perf_counter() - started)
            return times

        def timed_pages(codes, expected):
            client = app.test_client()
            times = []
            for i in range(LOOKUPS):
                code = codes[i % len(codes)]
                started = time.perf_counter()
                status = client.get(f"/verify/{code}").status_code
                times.append(time.perf_counter() - started)
                assert status == expected, (code, status)
            return times

        db.session.remove()
        print(f"Verify lookups (median of {LOOKUPS}; one indexed query on certificate.code)")
        for label, codes in (("known codes", known), ("unknown codes", unknown)):
            times = timed_lookups(codes)
            print(f"  {label:14} query: {_ms(statistics.median(times))}  (p95 {_ms(sorted(times)[int(LOOKUPS * .95)])})")
        for label, codes, status in (("known codes", known, 200), ("unknown codes", unknown, 404)):
            times = timed_pages(codes, status)
            print(f"  {label:14} whole /verify/<code> page (rate limit + lookup + render): "
                  f"{_ms(statistics.median(times))}")


if __name__ == "__main__":
    main()
