"""Accessibility basics, measured inside the page: names of controls, text contrast, width."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The controls without an accessible name: no aria-label(ledby), <label>, text or title.
_UNNAMED_CONTROLS = """() => {
  const controls = document.querySelectorAll(
    "button, a[href], select, textarea, input:not([type=hidden])");
  const named = (el) => {
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/)
      .map((id) => document.getElementById(id)).filter(Boolean);
    return [
      el.getAttribute("aria-label"),
      ...byIds.map((e) => e.textContent),
      ...[...(el.labels || [])].map((l) => l.textContent),
      ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) ? "" : el.textContent,
      el.getAttribute("title"),
    ].some((text) => text && text.trim());
  };
  return [...controls].filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
}"""

# Every visible element with text of its own: its colour against the first opaque background
# behind it, and whether the text is large (24 px, or 18.66 px bold).
_TEXT_CONTRASTS = """() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number)
    .concat([1]).slice(0, 4);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  const luminance = ([r, g, b]) => {
    const channel = (v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("svg, .sr-only, [hidden]") || el.disabled) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    found.push({
      text: el.textContent.trim().slice(0, 40),
      ratio: Math.round(ratio(rgba(style.color), background(el)) * 100) / 100,
      large: size >= 24 || (bold && size >= 18.66),
    });
  }
  return found;
}"""


def unnamed_controls(page: Page) -> list[str]:
    """The buttons, links, inputs and selects that have no accessible name."""
    found: list[str] = page.evaluate(_UNNAMED_CONTROLS)
    return found


def low_contrast_text(page: Page) -> list[dict[str, Any]]:
    """Text below WCAG AA contrast: 4.5 for normal text, 3 for large text."""
    texts: list[dict[str, Any]] = page.evaluate(_TEXT_CONTRASTS)
    return [t for t in texts if t["ratio"] < (3.0 if t["large"] else 4.5)]


def overflow_px(page: Page) -> int:
    """How far the page is wider than the viewport (0: no horizontal scrolling)."""
    width: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def enlarge_text(page: Page, percent: int = 150) -> None:
    """What a large-text setting does: a bigger root font size."""
    page.add_style_tag(content=f"html {{ font-size: {percent}% !important; }}")
