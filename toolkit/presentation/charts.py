"""Altair charts for the playbooks, and how they are shown.

Charts always receive aggregated data (a few hundred rows at most). In a live
front end :func:`show` uses Altair's offline ``jupyter`` renderer; in a static
render it emits the Vega-Lite spec under a private MIME type, which
:mod:`toolkit.presentation.report` embeds with one shared, inline copy of Vega per page, so
reports open offline and keep their tooltips.

The offline renderer gives every chart widget its own copy of Vega (about 0.9 MB), which the
browser receives and evaluates once per chart: an app with seven charts sent 6.5 MB of widget
state before its first control appeared. A workshop app instead loads :data:`LIVE_MODULE`, the
same module written once beside the apps and served by Voila (:func:`live_module`), and each
chart widget carries only the few lines that import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from toolkit.presentation.frontend import is_interactive
from toolkit.presentation.labels import label as named

CHART_MIME = "application/vnd.dealer-playbook.vegalite+json"
WIDTH = 560
# Ten colours that stay apart from each other (and in print): a chart with more categories
# switches to Vega's 20-colour scheme rather than giving two categories one colour.
PALETTE = ["#1f6f8b", "#e07a5f", "#81b29a", "#f2cc8f", "#3d405b", "#9a8c98", "#c44e52", "#8172b2", "#64b5cd", "#8c6d31"]
DATE_AXIS = alt.Axis(format="%b %Y", labelOverlap=True)  # every date label carries its year
_live_renderer_ready = False


def show(chart: alt.TopLevelSpec) -> None:
    """Display a chart: live in JupyterLab/Voila, as an embeddable spec in a static render."""
    from IPython.display import display

    global _live_renderer_ready
    if is_interactive():
        if served_module():
            display(_ServedChart(chart))
            return
        if not _live_renderer_ready:
            alt.renderers.enable("jupyter", offline=True)
            _live_renderer_ready = True
        display(chart)
        return
    spec = chart.to_dict()
    title = spec.get("title", "chart")
    display({CHART_MIME: spec, "text/plain": f"[chart: {title}]"}, raw=True)


LIVE_MODULE = "playbook-charts.js"  # beside a workshop's apps; Voila serves it (workspace.voila_args)

NOT_SERVED = (
    f"This chart cannot be drawn: the server did not send {LIVE_MODULE}. "
    "Serve the workshop folder with `playbook workshop`."
)

# What each chart widget of a workshop app carries: the page's own folder under Voila's file
# handler, where LIVE_MODULE is, imported once however many charts the page draws, and only once
# the browser is idle, so the page's text and controls draw before Vega is evaluated; a server
# that refuses the module gets NOT_SERVED in place of the chart, not an empty space.
_IMPORT_SERVED = f"""
const folder = location.pathname.slice(0, location.pathname.lastIndexOf("/") + 1);
const url = location.origin + folder.replace("/voila/render/", "/voila/files/") + "{LIVE_MODULE}";
const idle = () => new Promise((resolve) =>
  window.requestIdleCallback ? requestIdleCallback(resolve, {{ timeout: 500 }}) : setTimeout(resolve, 0));
let drawing;
export default {{
  async render(context) {{
    drawing ??= idle().then(() => import(url));
    let module;
    try {{ module = await drawing; }} catch (error) {{ context.el.textContent = {NOT_SERVED!r}; return; }}
    return module.default.render(context);
  }}
}};
"""


class _ServedChart(alt.JupyterChart):
    """Altair's chart widget, drawing with the module Voila serves beside the app."""

    _esm = _IMPORT_SERVED


def served_module() -> bool:
    """Whether this kernel runs an app that Voila serves with :data:`LIVE_MODULE` beside it
    (Voila names its server to every kernel it starts, kept ready or not)."""
    return "VOILA_SERVER_URL" in os.environ and Path(LIVE_MODULE).is_file()


def live_module() -> str:
    """Altair's chart widget module with Vega bundled in, as its offline mode builds it (by
    vl-convert), cached on disk: the text of :data:`LIVE_MODULE`."""
    import vl_convert

    from toolkit import files
    from toolkit.resources import cache_root

    path = cache_root() / f"live-charts-{alt.__version__}-{vl_convert.__version__}.js"  # type: ignore[attr-defined]
    if not path.is_file():
        alt.JupyterChart.enable_offline(True)
        files.write_text(path, alt.JupyterChart._esm)
    return path.read_text(encoding="utf-8")


def _base(df: pd.DataFrame, title: str) -> alt.Chart:
    return alt.Chart(df, title=title).properties(width=WIDTH)


def categories(df: pd.DataFrame, field: str) -> alt.Color:
    """A colour per value of ``field``, each one distinct however many there are."""
    many = df[field].nunique() > len(PALETTE) if field in df else False
    scale = alt.Scale(scheme="category20") if many else alt.Scale(range=PALETTE)
    return alt.Color(f"{field}:N", scale=scale, title=named(field))


def measure_scale(domain: tuple[float, float] | None) -> alt.Scale:
    """The scale of a measure: from zero, or over ``domain`` for a measure that starts elsewhere
    (a 1–5 score starts at 1)."""
    return alt.Scale(domain=list(domain), zero=False) if domain else alt.Scale()


def bars(
    df: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    color: str | None = None,
    x_format: str = "",
    benchmark: float | None = None,
    benchmark_label: str = "",
    sort: str | list | alt.EncodingSortField | None = "-x",
    interval: tuple[str, str] | None = None,
    domain: tuple[float, float] | None = None,
) -> alt.Chart:
    """Horizontal bars of ``x`` (a number) per ``y`` (a label), optionally with a benchmark rule;
    ``interval`` names the columns of each bar's 95% interval, drawn as a line across the bar's end;
    ``domain`` is the measure's range when it does not start at zero."""
    if sort == "-x":  # by value, largest first (spelled out: "-x" is lost once bars carry an x2)
        sort = alt.EncodingSortField(field=x, order="descending")
    enc_x = alt.X(
        f"{x}:Q",
        axis=alt.Axis(format=x_format) if x_format else alt.Axis(),
        title=named(x),
        scale=measure_scale(domain),
    )
    bars = (
        _base(df, title)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=enc_x,
            y=alt.Y(f"{y}:N", sort=sort, title=None),
            tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", format=x_format or ",.2f")],
        )
    )
    if domain:
        bars = bars.encode(x2=alt.datum(domain[0]))  # a bar runs from where the measure starts
    if color:
        bars = bars.encode(color=categories(df, color))
    if interval:
        bounds = interval
        tip = [
            alt.Tooltip(f"{y}:N"),
            *(alt.Tooltip(f"{b}:Q", format=x_format or ",.2f", title=f"95% {b}") for b in bounds),
        ]
        bars = bars + alt.Chart(df).mark_rule(color="#1d2733").encode(
            x=f"{bounds[0]}:Q", x2=f"{bounds[1]}:Q", y=alt.Y(f"{y}:N", sort=sort), tooltip=tip
        )
    if benchmark is None:
        return bars
    rule = (
        alt.Chart(pd.DataFrame({"value": [benchmark], "label": [benchmark_label]}))
        .mark_rule(color="#c0392b", strokeDash=[4, 3])
        .encode(x="value:Q", tooltip=["label:N", alt.Tooltip("value:Q", format=x_format)])
    )
    return bars + rule


def lines(df: pd.DataFrame, x: str, y: str, color: str | None, title: str, y_format: str = "") -> alt.Chart:
    """Lines of ``y`` over time ``x``, one per ``color`` group. Rows with ``partial`` true (a period
    as_of cuts short) are drawn as open points off the line, so an unfinished month is not read as
    a fall."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:T", title=None, axis=DATE_AXIS),
        "y": alt.Y(f"{y}:Q", axis=alt.Axis(format=y_format) if y_format else alt.Axis(), title=named(y)),
        "tooltip": [alt.Tooltip(f"{x}:T"), alt.Tooltip(f"{y}:Q", format=y_format or ",.2f")],
    }
    if color:
        enc["color"] = categories(df, color)
        enc["tooltip"].append(alt.Tooltip(f"{color}:N"))
    if "partial" not in df or not df["partial"].any():
        return _base(df, title).mark_line(point=True).encode(**enc)
    whole, cut = df[~df["partial"]], df[df["partial"]].assign(note="so far (partial period)")
    line = _base(whole, title).mark_line(point=True).encode(**enc)
    tip = [*enc["tooltip"], alt.Tooltip("note:N", title="")]
    point = alt.Chart(cut).mark_point(filled=False, size=70).encode(**{**enc, "tooltip": tip})
    return line + point


def heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    value_format: str = "",
    x_sort=None,
    y_sort=None,
    domain: tuple[float, float] | None = None,
) -> alt.Chart:
    """A grid of ``value`` per (``x``, ``y``) cell, shaded over ``domain`` when the measure does not
    start at zero."""
    shade = alt.Scale(scheme="blues", domain=list(domain), zero=False) if domain else alt.Scale(scheme="blues")
    return (
        _base(df, title)
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:O", sort=x_sort, title=named(x)),
            y=alt.Y(f"{y}:N", sort=y_sort, title=named(y)),
            color=alt.Color(f"{value}:Q", scale=shade, title=named(value)),
            tooltip=[f"{x}:O", f"{y}:N", alt.Tooltip(f"{value}:Q", format=value_format or ",.2f")],
        )
    )


def steps(df: pd.DataFrame, x: str, y: str, color: str, title: str, y_format: str = ".0%") -> alt.Chart:
    """Step lines (survival-style curves) of ``y`` against ``x``, one per ``color`` group; with
    ``low`` and ``high`` columns, each curve carries its 95% confidence band."""
    colour = categories(df, color)
    curves = (
        _base(df, title)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X(f"{x}:Q", title=named(x)),
            y=alt.Y(f"{y}:Q", axis=alt.Axis(format=y_format), title=named(y)),
            color=colour,
            tooltip=[f"{color}:N", alt.Tooltip(f"{x}:Q"), alt.Tooltip(f"{y}:Q", format=y_format)],
        )
    )
    if not {"low", "high"} <= set(df.columns):
        return curves
    band = (
        alt.Chart(df)
        .mark_area(interpolate="step-after", opacity=0.12)
        .encode(x=f"{x}:Q", y="low:Q", y2="high:Q", color=colour)
    )
    return band + curves


def stacked(df: pd.DataFrame, x: str, y: str, color: str, title: str) -> alt.Chart:
    """Stacked bars of ``y`` per time ``x``, split by ``color``; a month with ``partial`` true (as_of
    cuts it short) is drawn faint, so its lower count is not read as a fall."""
    if "partial" in df:
        df = df.assign(month_is=np.where(df["partial"], "so far (partial month)", "whole month"))
    faint = (
        {
            "opacity": alt.Opacity(
                "month_is:N",
                scale=alt.Scale(domain=["whole month", "so far (partial month)"], range=[1.0, 0.35]),
                title=None,
            )
        }
        if "partial" in df
        else {}
    )
    return (
        _base(df, title)
        .mark_bar()
        .encode(
            **faint,
            x=alt.X(f"yearmonth({x}):T", title=None, axis=DATE_AXIS),
            y=alt.Y(f"sum({y}):Q", title=named(y)),
            color=categories(df, color),
            tooltip=[
                alt.Tooltip(f"yearmonth({x}):T", title="month"),
                f"{color}:N",
                alt.Tooltip(f"sum({y}):Q", title=y),
            ],
        )
    )


def grouped(
    df: pd.DataFrame, x: str, y: str, group: str, title: str, x_format: str = ".0%", sort: list | None = None
) -> alt.Chart:
    """Horizontal bars of ``x`` per ``y`` (in ``sort`` order, else alphabetical), side by side per
    ``group``; with ``lower`` and ``upper`` columns, each bar carries its 95% interval."""
    enc: dict[str, Any] = {
        "y": alt.Y(f"{y}:N", title=None, sort=sort),
        "yOffset": alt.YOffset(f"{group}:N"),
        "tooltip": [f"{y}:N", f"{group}:N", alt.Tooltip(f"{x}:Q", format=x_format)],
    }
    bars = (
        _base(df, title)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:Q", axis=alt.Axis(format=x_format), title=named(x)),
            color=categories(df, group),
            **enc,
        )
    )
    if not {"lower", "upper"} <= set(df.columns):
        return bars
    tip = [*enc["tooltip"], alt.Tooltip("lower:Q", format=x_format), alt.Tooltip("upper:Q", format=x_format)]
    whiskers = alt.Chart(df).mark_rule(color="#1d2733").encode(x="lower:Q", x2="upper:Q", **{**enc, "tooltip": tip})
    return bars + whiskers


def intervals(
    df: pd.DataFrame,
    estimate: str,
    lower: str,
    upper: str,
    label: str,
    title: str,
    x_format: str = ",.0f",
    x_title: str | None = None,
) -> alt.Chart:
    """A point per ``label`` at ``estimate`` with a bar from ``lower`` to ``upper``, and a rule at
    zero; the axis reads ``x_title`` (else the estimate's label)."""
    base = _base(df, title)
    bars = base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
        x=alt.X(f"{lower}:Q", title=x_title or named(estimate), axis=alt.Axis(format=x_format)),
        x2=f"{upper}:Q",
        y=alt.Y(f"{label}:N", title=None),
    )
    points = base.mark_point(filled=True, size=70, color=PALETTE[1]).encode(
        x=f"{estimate}:Q",
        y=f"{label}:N",
        tooltip=[
            f"{label}:N",
            alt.Tooltip(f"{estimate}:Q", format=x_format),
            alt.Tooltip(f"{lower}:Q", format=x_format),
            alt.Tooltip(f"{upper}:Q", format=x_format),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888", strokeDash=[3, 3]).encode(x="x:Q")
    return bars + points + zero


def trend(df: pd.DataFrame, kpi: str, title: str, y_format: str = "") -> alt.Chart:
    """A monthly trend of ``kpi`` (:func:`toolkit.analyses.trends.monthly`): the value as a line
    over a band from ``lower`` to ``upper`` (95%); a month with nothing to measure is left out, and
    a month as_of cuts short is an open point off the line (:func:`lines`)."""
    data = df.loc[df["n"] > 0, ["month", "value", "lower", "upper", "n", "partial"]].rename(columns={"value": kpi})
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    shown = y_format or ",.2f"
    band = (
        _base(data, title)
        .mark_area(opacity=0.18, color=PALETTE[0])
        .encode(
            x=alt.X("month:T", title=None, axis=DATE_AXIS),
            y=alt.Y("lower:Q", axis=axis, title=named(kpi)),
            y2="upper:Q",
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip(f"{kpi}:Q", format=shown, title=named(kpi)),
                alt.Tooltip("lower:Q", format=shown, title="95% low"),
                alt.Tooltip("upper:Q", format=shown, title="95% high"),
                alt.Tooltip("n:Q", format=",.0f", title="count"),
            ],
        )
    )
    return band + lines(data, "month", kpi, None, title, y_format)
