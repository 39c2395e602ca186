"""Accessibility checks for the browser journeys: axe-core (npm, pinned in package.json, installed
into node_modules/ by `make test`) evaluated in the page by the test, never served by the app, and
a touch-target measure for WCAG 2.5.8 (24 px) and the participant's 44 px.

axe's source is evaluated through the DevTools protocol, which the app's Content-Security-Policy
does not govern: the pages are checked with their real CSP on, no `bypass_csp`."""
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]

_source = None


def axe_source() -> str:
    global _source
    if _source is None:
        if not AXE_JS.is_file():
            raise RuntimeError(f"{AXE_JS} is missing: run `make node_modules` (npm ci) first")
        _source = AXE_JS.read_text(encoding="utf-8")
    return _source


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    selector: str
    page: str
    summary: str

    def __str__(self) -> str:
        return f"{self.page}  {self.rule} ({self.impact})  {self.selector}  {self.summary}"


# A sticky bar (the attendance page's Save) lies over the rows that scroll under it: axe's
# target-size then measures a row's Note toggle as "partially obscured". The page is checked
# scrolled to its end, where the bar rests in its place (focus never hides under it: the page
# keeps a scroll-padding for it, WCAG 2.4.11).
RUN = """async (tags) => {
  const [x, y] = [window.scrollX, window.scrollY];
  if (document.querySelector('.save-bar')) window.scrollTo(0, document.documentElement.scrollHeight);
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  window.scrollTo(x, y);  // the journey goes on where the page was (a layout check measures from the top)
  const out = [];
  for (const v of result.violations) {
    for (const node of v.nodes) {
      out.push({rule: v.id, impact: v.impact || '', selector: node.target.join(' '),
                summary: (node.failureSummary || '').split('\\n').slice(1, 2).join(' ').trim()});
    }
  }
  return out;
}"""


def page_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def violations(page) -> list[Violation]:
    """Every axe violation on the page as it is now (one per failing element)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {" + axe_source() + "\n}")
    name = page_name(page.url)
    return [Violation(v["rule"], v["impact"], v["selector"], name, v["summary"])
            for v in page.evaluate(RUN, TAGS)]


# Touch targets. A target is what a finger can activate: links, buttons, form controls (a
# checkbox or radio with the label that activates it), summaries. Links inside a sentence are
# the WCAG inline exception. An undersized target passes 2.5.8 when a 24 px circle on its centre
# meets no other target (the spacing exception).
TARGETS = """(minimum) => {
  const seen = [];
  const page = document.documentElement;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return null;  // hidden, or visually hidden behind its label
    if (r.right <= 0 || r.left >= page.scrollWidth) return null;  // off-screen (the skip link until focused)
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || s.opacity === '0') return null;
    return r;
  };
  const inline = (el) => {
    if (el.tagName !== 'A') return false;
    const block = el.closest('p, li, td, dd, blockquote, figcaption, .help, small');
    if (!block) return false;
    const text = (block.innerText || '').replace(/\\s+/g, ' ').trim();
    const own = (el.innerText || '').replace(/\\s+/g, ' ').trim();
    // in a sentence or a cell with other words: its height is the line's (WCAG's inline exception)
    return text.length > own.length && getComputedStyle(el).display === 'inline';
  };
  const boxOf = (el) => {
    let r = visible(el);
    if (!r && (el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      return visible(el.labels[0]);  // a hidden box: its label is the target
    }
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels) {
      for (const label of el.labels) {
        const lr = visible(label);
        if (!lr) continue;
        if (!r) { r = lr; continue; }
        const left = Math.min(r.left, lr.left), top = Math.min(r.top, lr.top);
        const right = Math.max(r.right, lr.right), bottom = Math.max(r.bottom, lr.bottom);
        // only a label next to the box extends it (a label elsewhere is a second target)
        if (right - left <= r.width + lr.width + 16 && bottom - top <= Math.max(r.height, lr.height) + 16) {
          r = {left, top, right, bottom, width: right - left, height: bottom - top};
        }
      }
    }
    return r;
  };
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('label') && el.tagName === 'A') continue;
    if (el.matches('.table-wrap, [role=region]')) continue;  // a scroll region, not a target
    if (el.matches('label input[type=checkbox], label input[type=radio]')) {
      // the wrapping label is the target
      const r = visible(el.closest('label')) || visible(el);
      if (r) out.push({el, r, inline: false});
      continue;
    }
    const r = boxOf(el);
    if (!r) continue;
    out.push({el, r, inline: inline(el)});
  }
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.name) s += '[name=' + el.name + ']';
    else if (el.className && typeof el.className === 'string') s += '.' + el.className.trim().split(/\\s+/).join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\\s+/g, ' ').trim().slice(0, 30);
    return text ? s + ' "' + text + '"' : s;
  };
  const centre = (r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  const result = [];
  for (const t of out) {
    if (t.inline) continue;
    const w = Math.round(t.r.width * 10) / 10, h = Math.round(t.r.height * 10) / 10;
    let spaced = true;
    if (w < minimum || h < minimum) {
      const [cx, cy] = centre(t.r);
      for (const o of out) {
        if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) continue;
        // distance from the centre to the other target's box
        const dx = Math.max(o.r.left - cx, 0, cx - o.r.right), dy = Math.max(o.r.top - cy, 0, cy - o.r.bottom);
        const undersized = o.r.width < minimum || o.r.height < minimum;
        const [ox, oy] = centre(o.r);
        const far = undersized ? Math.hypot(ox - cx, oy - cy) >= minimum : Math.hypot(dx, dy) >= minimum / 2;
        if (!far) { spaced = false; break; }
      }
    }
    result.push({target: describe(t.el), width: w, height: h, spaced});
  }
  return result;
}"""


@dataclass(frozen=True)
class Target:
    target: str
    width: float
    height: float
    spaced: bool  # far enough from every other target for 2.5.8's spacing exception
    page: str

    def under(self, size: float) -> bool:
        return self.width < size or self.height < size

    def __str__(self) -> str:
        return f"{self.page}  {self.target}  {self.width}x{self.height}"


def targets(page, minimum: int = 24) -> list[Target]:
    """Every touch target on the page (inline links excepted) with its size."""
    name = page_name(page.url)
    return [Target(t["target"], t["width"], t["height"], t["spaced"], name)
            for t in page.evaluate(TARGETS, minimum)]


def pattern(url: str) -> str:
    """A page's kind: its path with numbers as N (one batch page stands for all)."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv})
    return path + ("?" + "&".join(keys) if keys else "")
