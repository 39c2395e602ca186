"""Every page each role reaches from its home page, checked by axe-core (WCAG 2.0/2.1/2.2 A and
AA, best practices) in English and Bangla on a 360 px phone, and for staff at 1280 px (English)
too; and
every touch target measured: 24 px (WCAG 2.5.8, with its spacing exception) everywhere, 44 px for
a participant's controls.

The demo data (`flask seed-demo`) is loaded, then each role crawls the links of its pages within
the site, breadth first: one page of each kind (numbers in the path stand for any record; every
curriculum day and guide page is its own page; one card set and one test form stand for all),
downloads (PDF, CSV, XLSX, ZIP) left out. Curriculum and guide pages, the same for every role
but the menu, are checked by the first role that reaches them (once per language, at 360 px). The test prints the
pages crawled, the violations per role and language, and the targets under 24 and 44 px; it
fails on any violation or undersized target, naming rule, element and page."""
import os
import re
import time
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from edt.demo import seed
from edt.extensions import db
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant

from . import axe

SKIP_SUFFIXES = (".pdf", ".csv", ".xlsx", ".zip", "/pdf", "/healthz")
SKIP_PATHS = ("/static/",)
EVERY_ONE = re.compile(r"/curriculum/day/\d+$")  # pages whose content differs by number
CONTENT = ("/curriculum/", "/guide/")
# one template whatever the record: one card set (of 30) and one test form stand for all
SAME_PAGE = [(re.compile(r"/guide/cards/[^/]+$"), "/guide/cards/X"),
             (re.compile(r"/guide/cards/[^/]+/print$"), "/guide/cards/X/print"),
             (re.compile(r"/guide/tests/[^/]+$"), "/guide/tests/X")]
MAX_PAGES = 150  # per role: a bound, the demo's pages of a role are well under it
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
LOCALES = {"en": "en-US", "bn": "bn-BD"}


def _follow(url: str, origin: str) -> str | None:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path
    if path.endswith(SKIP_SUFFIXES) or path.startswith(SKIP_PATHS):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _kind(path: str) -> str:
    bare = path.split("?", 1)[0]
    if EVERY_ONE.match(bare):
        return bare
    for same, kind in SAME_PAGE:
        if same.match(bare):
            return kind
    return axe.pattern(path)


def _context(browser, server, locale, viewport, login):
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale=LOCALES[locale],
                                  extra_http_headers={"Accept-Language": LOCALES[locale]})
    page = context.new_page()
    if login:
        kind, name, secret = login
        if kind == "participant":
            page.goto(f"{server}/accounts/login/participant")
            page.fill("#code", name)
            page.fill("#pin", secret)
        else:
            page.goto(f"{server}/accounts/login")
            page.fill("#username", name)
            page.fill("#password", secret)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/login" not in page.url, f"{name} could not log in"
    return context, page


def _visit(page, server, path):
    """Open a page; None when it is no HTML page (a download)."""
    try:
        response = page.goto(server + path)
    except Exception as error:  # a download instead of a page  # noqa: BLE001
        if "Download is starting" in str(error):
            return None
        raise
    if response is None or "text/html" not in (response.headers.get("content-type") or ""):
        return None
    return response


def _is_content(path: str) -> bool:
    """A curriculum or guide page: the same for every role but the menu, checked by the first
    role that reaches it (in each language and width)."""
    return path.startswith(CONTENT) and path not in ("/curriculum/", "/guide/")


def _crawl(page, server, check, starts=("/",)):
    """Breadth-first from the home page, one page per kind, `check(path)` on each HTML page
    while it is open; returns the paths."""
    queue, kinds, pages = deque(starts), set(), []
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        kind = _kind(path)
        if kind in kinds:
            continue
        kinds.add(kind)
        response = _visit(page, server, path)
        if response is None:
            continue
        pages.append(path)
        check(path)
        if response.status != 200:
            continue
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = _follow(urljoin(page.url, href.split("#", 1)[0]), server)
            if target and _kind(target) not in kinds:
                queue.append(target)
    return pages


def test_every_page_of_every_role_passes_axe_and_the_target_sizes(server, browser, app, data_app):
    seed.seed()
    code = seed.demo_participant_codes()[0]
    graduate = db.session.scalar(select(Participant.code).where(Participant.full_name == seed.GRADUATES[0][0]))
    roles = {
        "anonymous": None,
        "participant": ("participant", code, seed.DEMO_PIN),
        "graduate": ("participant", graduate, seed.DEMO_PIN),
        "facilitator": ("staff", "facilitator", seed.DEMO_PASSWORD),
        "master trainer": ("staff", "trainer", seed.DEMO_PASSWORD),
    }
    certificate = db.session.scalars(select(Certificate.code).where(Certificate.status == "valid")).first()
    # what anyone may open without logging in: the home page, and the verify page an employer
    # reaches from a certificate's QR code
    starts = {"anonymous": ("/", "/verify", f"/verify/{certificate}")}
    failures, report, sizes, crawled, content_done = [], [], [], {}, set()
    total_runs = 0
    only = os.environ.get("EDT_A11Y_ROLES")  # e.g. "facilitator,master trainer" while fixing a page
    for role, login in roles.items():
        if only and role not in only.split(","):
            continue
        staff = login is not None and login[0] == "staff"
        participant = login is not None and login[0] == "participant"
        # staff also at 1280 px in English (the layout of a wide screen; Bangla's longer words
        # are the narrow phone's problem): four views per staff role would double the run
        views = [("en", PHONE), ("bn", PHONE)] + ([("en", DESKTOP)] if staff else [])
        for locale, viewport in views:
            started = time.monotonic()
            found, small, checked = [], [], []

            def check(path):
                if _is_content(path):
                    key = (_kind(path), locale, viewport["width"])
                    if key in content_done or viewport is DESKTOP:
                        return
                    content_done.add(key)
                checked.append(path)
                found.extend(axe.violations(page))
                for target in axe.targets(page):
                    if target.under(24) and not target.spaced:
                        small.append(("24", target))
                    elif participant and target.under(44):
                        small.append(("44", target))

            context, page = _context(browser, server, locale, viewport, login)
            try:
                if role not in crawled:
                    crawled[role] = _crawl(page, server, check, starts.get(role, ("/",)))
                else:
                    for path in crawled[role]:
                        if _visit(page, server, path) is not None:
                            check(path)
            finally:
                context.close()
            total_runs += len(checked)
            where = f"{role} {locale} {viewport['width']}px"
            by_rule = Counter(v.rule for v in found)
            report.append(f"{where}: {len(checked)} pages checked, {time.monotonic() - started:.0f} s, "
                          f"{len(found)} violations"
                          + (f" ({', '.join(f'{r} {n}' for r, n in by_rule.most_common())})" if found else ""))
            under24 = sum(1 for level, _t in small if level == "24")
            under44 = sum(1 for level, _t in small if level == "44")
            sizes.append(f"{where}: {under24} targets under 24 px (not spaced)"
                         + (f", {under44} participant targets under 44 px" if participant else ""))
            print(report[-1], flush=True)  # progress, with `pytest -s`
            for line in list(dict.fromkeys(f"    {v}" for v in found))[:60]:
                print(line, flush=True)
            print(sizes[-1], flush=True)
            for line in list(dict.fromkeys(f"    under {level} px: {t}" for level, t in small))[:40]:
                print(line, flush=True)
            failures += [f"{where}  {v}" for v in found]
            failures += [f"{where}  target under {level} px: {t}" for level, t in small]
    print(f"\nPages crawled: {', '.join(f'{role} {len(p)}' for role, p in crawled.items())}; "
          f"{total_runs} axe runs")
    for role, paths in crawled.items():
        print(f"  {role}: {' '.join(paths)}")
    print("axe violations per role and language:")
    print("\n".join("  " + line for line in report))
    print("Touch targets:")
    print("\n".join("  " + line for line in sizes))
    unique = list(dict.fromkeys(failures))
    if unique:
        print("Failures:")
        print("\n".join("  " + line for line in unique))
    assert not unique, f"{len(unique)} accessibility failures (listed above)"
