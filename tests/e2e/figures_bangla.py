"""Figures for issue 13's closing note, not a test of behaviour (the journey is): the share of
Bengali letters and the tap-target problems of each participant page in Bangla mode. It only uses
pages and ids that existed before the issue, so it measures the tree before and after alike:

    .venv/bin/python -m pytest -q -s -p no:randomly tests/e2e/figures_bangla.py
"""
from ..factories import PIN
from .bangla_text import bengali_share, leftovers, tap_target_problems, visible_text
from .test_bangla_journey import bangla_world


def test_print_figures(server, phone, world):
    person, _ = bangla_world(world)
    phone.goto(f"{server}/accounts/login/participant")
    phone.click("footer button[value=bn]")  # Bangla on this phone, whatever the default
    phone.fill("#code", person.code)
    phone.fill("#pin", PIN)
    with phone.expect_navigation():
        phone.click("main button[type=submit]")
    pid = person.id
    rows = []

    def measure(name):
        text = visible_text(phone)
        latin, digits = leftovers(text)
        taps = tap_target_problems(phone)
        rows.append((name, bengali_share(text), len(set(latin)), len(digits), len(taps), taps))
        print(f"{name}: Latin {sorted(set(latin))} digits {sorted(set(digits))[:15]}")

    for name, path in (("home", "/"), ("day 5", "/curriculum/day/5"), ("days", "/curriculum/"),
                       ("canvas", f"/canvas/{pid}"), ("money plan", f"/canvas/{pid}/plan"),
                       ("search লাভ", "/curriculum/search?q=লাভ")):
        phone.goto(server + path)
        measure(name)
    phone.goto(f"{server}/canvas/{pid}")
    with phone.expect_navigation():
        phone.click("#add-channels-button")
    measure("canvas, empty note")
    on_screen = phone.evaluate("() => { const e = document.querySelector('#add-channels-err, .error');"
                               " if (!e) return 'no error shown'; const r = e.getBoundingClientRect();"
                               " return (r.top >= 0 && r.bottom <= innerHeight) ? 'in view' : 'out of view'; }")
    with phone.expect_navigation():
        phone.click("header .logout button")
    measure("logged out")
    print("\npage                    Bengali letters  Latin words  ASCII digits  tap problems")
    for name, share, latin, digits, taps, _ in rows:
        print(f"{name:24}{share:8.1f} %{latin:13}{digits:14}{taps:14}")
    print("empty note error:", on_screen)
    for name, *_, taps in rows:
        for t in taps[:12]:
            print(f"  {name}: {t}")
