"""The status colours of static/css/edt.css (present, late, excused, absent, and the warning,
muted and brand colours) read well: at least 4.5:1 (WCAG 1.4.3) as text on white, on their own
tint (grid cells, badges) and on the soft grey, and as the background of white text (a chosen
mark); the amber "late" at least 5:1. The ratios are printed (`pytest -s`)."""
import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "edt.css"
TEXT = 4.5


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_known_ratios():
    assert round(ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(ratio("#a86b00", "#ffffff"), 2) == 4.40  # the old amber, as the audit measured it
    assert ratio("#777777", "#ffffff") < 4.5 < ratio("#767676", "#ffffff")


def _variables(css: str) -> dict:
    root = re.search(r":root\{([^}]*)\}", css).group(1)
    return dict(re.findall(r"--([\w-]+):(#[0-9a-fA-F]{3,6})", root))


def _background(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\{[^}]*background:(#[0-9a-fA-F]{3,6})", css)
    assert match, f"no background for {selector}"
    return match.group(1)


def test_status_colours_have_enough_contrast_everywhere_they_are_used():
    css = CSS.read_text(encoding="utf-8")
    colours = _variables(css)
    tints = {name: _background(css, f".cell.m-{name}") for name in ("present", "late", "excused", "absent")}
    statuses = {"present": "ok", "late": "late", "excused": "exc", "absent": "bad"}
    rows, low = [], []
    for status, variable in statuses.items():
        colour = colours[variable]
        measured = {"on white": ratio(colour, "#ffffff"), f"on its tint {tints[status]}": ratio(colour, tints[status]),
                    f"on soft {colours['soft']}": ratio(colour, colours["soft"]),
                    "white text on it": ratio("#ffffff", colour)}
        rows.append(f"{status:8} {colour}  " + "  ".join(f"{k} {v:.2f}:1" for k, v in measured.items()))
        floor = 5.0 if status == "late" else TEXT
        low += [f"{status} {k} {v:.2f}" for k, v in measured.items() if v < floor]
    for variable in ("warn", "muted", "brand", "ink"):
        colour = colours[variable]
        measured = {"on white": ratio(colour, "#ffffff"), f"on soft {colours['soft']}": ratio(colour, colours["soft"])}
        rows.append(f"{variable:8} {colour}  " + "  ".join(f"{k} {v:.2f}:1" for k, v in measured.items()))
        low += [f"{variable} {k} {v:.2f}" for k, v in measured.items() if v < TEXT]
    print("\nStatus colours (contrast ratios):\n" + "\n".join("  " + r for r in rows))
    assert low == [], low
