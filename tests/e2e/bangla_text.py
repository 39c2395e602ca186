"""What a participant reads on a page in Bangla mode, measured in the browser: the visible text, the
Latin words and ASCII digits left in it, the share of Bengali-script letters, and the tap targets
that are too small or too close (issue 13). Shared by the Bangla journey and the figures script."""
import re
import unicodedata

# Codes and serials stay Latin (KHU-2026-0001, KHU-2026-01, EDT-2026-000001), and so do the brand
# "EDT" and addresses. The name of a language written in its own script ("English" on the language
# switch, marked lang="en") is a link, not a word the participant must read.
KEPT = re.compile(r"\b[A-Z]{3}-\d{4}-\d{2,6}\b|https?://\S+|\b[\w.-]+\.(?:org|com|bd|net)\S*|\bEDT\b")
LATIN_WORD = re.compile(r"[A-Za-z]+")
ASCII_DIGITS = re.compile(r"[0-9]+")

# The visible text without the language links (their text is in their own language).
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[lang=en][hreflang], .language [lang=en], script, style, svg, .skip').forEach(e => e.remove());
  document.body.appendChild(body); body.style.position = 'absolute'; body.style.left = '-10000px';
  const text = body.innerText; body.remove();
  return text;
}"""


def visible_text(page) -> str:
    """The page's text as shown (innerText: no hidden elements), language links left out."""
    return unicodedata.normalize("NFC", page.evaluate(VISIBLE_TEXT))


def leftovers(text: str) -> tuple[list[str], list[str]]:
    """The Latin words and the ASCII digits left once codes, serials, "EDT" and addresses are out."""
    rest = KEPT.sub(" ", text)
    return LATIN_WORD.findall(rest), ASCII_DIGITS.findall(rest)


def bengali_share(text: str) -> float:
    """Bengali-script letters (with their vowel signs) among all the letters of the text, in %."""
    letters = [c for c in text if c.isalpha() or unicodedata.category(c) in ("Mn", "Mc")]
    bengali = [c for c in letters if "\u0980" <= c <= "\u09ff"]
    return round(100 * len(bengali) / len(letters), 1) if letters else 0.0


# Every tap target of the page: its size, and whether another one is nearer than 8 px. Links inside a
# line of text (a sentence, a paragraph of the day) are exempt, as in WCAG 2.5.8.
TAP_TARGETS = """() => {
  const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')];
  const shown = all.filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('.skip')
      && (!e.checkVisibility || e.checkVisibility({visibilityProperty: true})); });
  const inline = e => { if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    const block = e.closest('p, li, td, dd, .prose'); if (!block) return false;
    return block.innerText.trim().length > e.innerText.trim().length + 1; };
  const targets = shown.filter(e => !inline(e));
  const name = e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + e.className.split(' ')[0] : '') + (e.value ? '[' + e.value + ']' : '')) + ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  const boxes = targets.map(e => { const r = e.getBoundingClientRect();
    return {e, l: r.left + scrollX, t: r.top + scrollY, r: r.right + scrollX, b: r.bottom + scrollY, w: r.width, h: r.height}; });
  const out = [];
  for (const a of boxes) {
    if (a.w < 43.5 || a.h < 43.5) out.push(`${name(a.e)}: ${a.w.toFixed(0)}x${a.h.toFixed(0)} px`);
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
    const dx = Math.max(0, b.l - a.r, a.l - b.r), dy = Math.max(0, b.t - a.b, a.t - b.b);
    if (Math.max(dx, dy) < 7.5) out.push(`${name(a.e)} and ${name(b.e)}: ${Math.max(dx, dy).toFixed(0)} px apart`);
  }
  return out;
}"""


def tap_target_problems(page) -> list[str]:
    return page.evaluate(TAP_TARGETS)
