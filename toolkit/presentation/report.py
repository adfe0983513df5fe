"""Offline HTML pages: a playbook's report, a report set's index, a batch's portfolio.

nbconvert's own templates load require.js, MathJax and the widget manager from
the web, so reports are assembled here instead: narrative and outputs of the
executed notebook (code hidden), a table of contents, and one inline copy of
Vega/Vega-Lite/vega-embed (from vl-convert) shared by every chart on the page.
Nothing on a page is fetched from a web address, and a page runs only the scripts written here:
its Content-Security-Policy lists their hashes, so markup that reached the page from the data
(a slip in escaping) still cannot run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Sequence

from toolkit import files
from toolkit.presentation.charts import CHART_MIME
from toolkit.presentation.results import RESULTS_MIME
from toolkit.resources import cache_root

HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "live-only"}  # live-only: how to use widgets

CSS = """
:root { --ink:#1d2733; --muted:#5b6770; --accent:#1f6f8b; --line:#e3e7ea; --bg:#fbfcfc; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:var(--accent); color:#fff; padding:18px 32px; }
header.top h1 { margin:0; font-size:24px; } header.top p { margin:4px 0 0; opacity:.9; }
.layout { display:flex; gap:32px; max-width:1200px; margin:0 auto; padding:24px 32px; }
nav.toc { flex:0 0 230px; position:sticky; top:16px; align-self:flex-start; font-size:14px; }
nav.toc ol { padding-left:0; list-style:none; } nav.toc li { margin:4px 0; } nav.toc a { color:var(--accent); text-decoration:none; }
main { flex:1; min-width:0; }
h1 { font-size:26px; } h2 { border-bottom:1px solid var(--line); padding-bottom:4px; margin-top:36px; }
table { border-collapse:collapse; margin:10px 0; font-size:13.5px; display:block; overflow-x:auto; max-width:100%; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:left; vertical-align:top; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; } td:not(.num) { min-width:7em; } thead th { background:#eef3f5; }
pre { background:#f3f5f6; padding:8px 12px; overflow-x:auto; font-size:13px; }
pre.error { background:#fdecea; color:#8a1c12; }
.chart { margin:12px 0 20px; } .kpi-note { color:var(--muted); font-size:13px; }
a { color:var(--accent); }
footer { color:var(--muted); font-size:12px; text-align:center; padding:24px; }
header.top a.back { color:#fff; font-size:13px; opacity:.9; }
@page { margin: 14mm 12mm; }
@media print {
  body { background:#fff; font-size:11pt; }
  header.top { background:none; color:var(--ink); padding:0 0 6px; border-bottom:2px solid var(--accent); }
  header.top a.back, nav.toc { display:none; }
  .layout { display:block; padding:0; max-width:none; }
  table { display:table; width:100%; font-size:8.5pt; overflow:visible; table-layout:auto; }
  th, td { padding:2px 4px; overflow-wrap:anywhere; } td:not(.num) { min-width:0; }
  thead { display:table-header-group; } tr, .chart, pre { break-inside:avoid; }
  h2 { break-after:avoid; margin-top:18px; }
  .chart canvas, .chart svg { max-width:100% !important; height:auto !important; }
  a { color:var(--ink); text-decoration:none; } a.list-link::after { content:" (" attr(href) ")"; color:var(--muted); }
  footer { padding:8px; }
}
"""


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, built by vl-convert and cached on disk."""
    import vl_convert

    path = cache_root() / f"vega-bundle-{vl_convert.__version__}.js"  # type: ignore[attr-defined]
    if not path.is_file():
        files.write_text(path, vl_convert.javascript_bundle())  # type: ignore[call-arg]  # the snippet is optional
    return path.read_text(encoding="utf-8")


SAFE_SCHEMES = ("http", "https", "mailto")
NO_SCRIPT = "'none'"


def _md(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return safe_links(markdown2html_mistune(text))


def safe_links(page: str) -> str:
    """``page`` with every link or image address that is not a web, mail, in-page or relative
    address replaced by ``#`` (a ``[name](javascript:…)`` from the data never becomes a script)."""

    def check(match: re.Match) -> str:
        address = html.unescape(match.group(2)).strip()
        scheme = re.match(r"([^:/?#]*):", address)  # an address without one is in-page or relative
        keep = scheme is None or scheme.group(1).lower() in SAFE_SCHEMES
        return match.group(0) if keep else f'{match.group(1)}="#"'

    return re.sub(r'\b(href|src)="([^"]*)"', check, page, flags=re.I)


def _slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", text).lower()).strip("-") or "section"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


class _Page:
    """Collects a page's body, its headings for the contents, and its charts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.charts: list[dict] = []
        self.headings: list[tuple[str, str]] = []
        self._used: set[str] = set()

    def add_markdown(self, source: str) -> None:
        rendered = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", _md(source), flags=re.S)

        def anchor(match: re.Match) -> str:
            level, inner = match.group(1), match.group(3)
            slug = _slug(inner, self._used)
            if level == "2":
                self.headings.append((slug, re.sub(r"<[^>]+>", "", inner)))
            return f'<h{level} id="{slug}">{inner}</h{level}>'

        self.parts.append(re.sub(r"<h([1-3])([^>]*)>(.*?)</h\1>", anchor, rendered, flags=re.S))

    def add_chart(self, spec: dict) -> None:
        self.parts.append(f'<div class="chart" id="chart-{len(self.charts)}"></div>')
        self.charts.append(spec)

    def add_output(self, output: dict) -> None:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                self.parts.append(f"<pre>{html.escape(''.join(output['text']))}</pre>")
            return
        if kind == "error":
            text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(output.get("traceback", [])))
            self.parts.append(f'<pre class="error">{html.escape(text)}</pre>')
            return
        data = output.get("data", {})
        if RESULTS_MIME in data:
            return
        if CHART_MIME in data:
            self.add_chart(data[CHART_MIME])
        elif "text/html" in data:
            self.parts.append(_text(data["text/html"]))
        elif "image/svg+xml" in data:
            self.parts.append(_text(data["image/svg+xml"]))
        elif "image/png" in data:
            self.parts.append(f'<img alt="figure" src="data:image/png;base64,{_text(data["image/png"]).strip()}">')
        elif "text/markdown" in data:  # sentences built from the data: a name's markup is shown, never run
            self.add_markdown(html.escape(_text(data["text/markdown"]), quote=False))
        elif "text/plain" in data:
            self.parts.append(f"<pre>{html.escape(_text(data['text/plain']))}</pre>")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _chart_scripts(charts: list[dict]) -> list[str]:
    """The page's scripts: Vega once, then one call per chart. Vega reads the charts' expressions
    with its interpreter (``ast``), so the page needs no ``eval``."""
    if not charts:
        return []
    # "<" as its escape, so that no value (a "</script>", a "<!--<script>") can end or bend the script
    specs = json.dumps(charts).replace("<", "\\u003c")
    return [
        vega_bundle(),
        f"\nconst specs = {specs};\n"
        "specs.forEach((spec, i) => vegaEmbed('#chart-' + i, spec, {actions: false, ast: true})"
        ".catch(err => { document.getElementById('chart-' + i).textContent = 'Chart error: ' + err; }));\n",
    ]


def content_policy(scripts: list[str]) -> str:
    """The page's Content-Security-Policy: nothing loaded from anywhere, inline styles and images,
    and only the scripts given (by their SHA-256)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'" for s in scripts
    )
    return (
        f"default-src 'none'; script-src {hashes or NO_SCRIPT}; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )


def _page_html(title: str, subtitle: str, body: str, headings, charts, back: str = "") -> str:
    """A whole page; ``back`` is the address of the index it belongs to (a report links back)."""
    back = f'<a class="back" href="{html.escape(back)}">← All reports</a>' if back else ""
    toc = ""
    if headings:
        items = "".join(f'<li><a href="#{slug}">{html.escape(text)}</a></li>' for slug, text in headings)
        toc = f'<nav class="toc"><strong>Contents</strong><ol>{items}</ol></nav>'
    scripts = _chart_scripts(charts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_policy(scripts)}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f'<header class="top">{back}<h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>'
        f'<div class="layout">{toc}<main>{body}</main></div>'
        "<footer>Dealer relationship playbooks · figures computed from the dealer's own data</footer>"
        f"{''.join(f'<script>{s}</script>' for s in scripts)}</body></html>"
    )


def notebook_title(nb: dict) -> str:
    """The playbook's title: the first level-1 heading of its first markdown cell."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^#\s+(.+)$", _text(cell["source"]), re.M)
            if match:
                return match.group(1).strip()
    return "Playbook"


def build_report(nb: dict, dealer: str, as_of: str, focus: str = "") -> str:
    """The HTML page of an executed playbook: narrative and outputs, code hidden; ``focus`` (such
    as "salesperson S04") says what part of the data it shows."""
    page = _Page()
    title = notebook_title(nb)
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS:
            continue
        if cell["cell_type"] == "markdown":
            source = _text(cell["source"])
            if source.lstrip().startswith("# ") and title in source.split("\n", 1)[0]:
                source = source.split("\n", 1)[1] if "\n" in source else ""  # the header shows the title
            page.add_markdown(source)
        elif cell["cell_type"] == "code" and "remove-output" not in tags:
            for output in cell.get("outputs", []):
                page.add_output(output)
    subtitle = f"{dealer} · data as of {as_of}" + (f" · {focus}" if focus else "")
    return _page_html(title, subtitle, "".join(page.parts), page.headings, page.charts, back="../index.html")


def build_document(markdown: str) -> str:
    """A Markdown document (such as the facilitator's guide) as an offline page, titled by its
    first heading."""
    match = re.search(r"^#\s+(.+)$", markdown, re.M)
    title = match.group(1).strip() if match else "Document"
    body = re.sub(r"^#\s+.+\n", "", markdown, count=1, flags=re.M)
    return _page_html(title, "", _md(html.escape(body, quote=False)), [], [])


def build_index(title: str, subtitle: str, sections: list[tuple[str, str]], charts: Sequence[dict] = ()) -> str:
    """An index page: ``sections`` are (heading, HTML body) pairs; ``charts`` Vega-Lite specs
    placed where a body holds ``<div class="chart" id="chart-N">``."""
    used: set[str] = set()
    headings, parts = [], []
    for heading, body in sections:
        slug = _slug(heading, used)
        headings.append((slug, heading))
        parts.append(f'<h2 id="{slug}">{html.escape(heading)}</h2>{body}')
    return _page_html(title, subtitle, "".join(parts), headings, list(charts))
