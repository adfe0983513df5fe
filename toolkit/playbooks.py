"""The playbooks, in one place: what each is called, the question it answers, the tables it needs,
its KPI entry point, the KPIs that headline it and the one its trend follows.

The renderer, the batch, the command line, ``playbook validate`` and the docs' tests read this
registry; nothing else lists the playbooks. Adding a playbook means adding its notebook, its
analysis module (with a ``kpis`` function), its story and an entry here (CONTRIBUTING.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import UsageError
from toolkit.resources import shipped


@dataclass(frozen=True)
class Headline:
    """A KPI shown on index pages and, when ``chart``, side by side on a batch's portfolio page.
    ``format`` is a format spec that Python and Vega-Lite read alike (".0%", ".2f"); ``better``
    says which way is an improvement ("higher" or "lower")."""

    kpi: str
    label: str
    format: str
    chart: bool = True
    better: str = "higher"

    def text(self, value: float | None) -> str:
        """The KPI as an index page shows it: "give ask ratio: 1.88"."""
        return f"{self.kpi.replace('_', ' ')}: {'n/a' if value is None else format(value, self.format)}"


@dataclass(frozen=True)
class Playbook:
    """One playbook. ``tables`` must be in the data folder (``instead`` says what may stand in for
    them); ``optional`` are read when present. ``kpis`` names the KPI entry point as
    ``module:function``; ``trend`` is the KPI the report follows month by month (results.json
    ``trends``)."""

    name: str
    title: str
    question: str
    tables: tuple[str, ...]
    optional: tuple[str, ...]
    kpis: str
    headline: tuple[Headline, ...]
    trend: Headline
    instead: str = ""

    @property
    def notebook(self) -> Path:
        return shipped("playbooks", f"{self.name}.ipynb")

    def kpi_function(self) -> Callable[..., dict]:
        """The function that returns this playbook's KPIs (what results.json records)."""
        module, function = self.kpis.split(":")
        return getattr(importlib.import_module(module), function)


REGISTRY: dict[str, Playbook] = {
    p.name: p
    for p in (
        Playbook(
            "reciprocity",
            "Reciprocity audit",
            "What does each communication give the customer, and what does it ask?",
            tables=("touches", "events", "vehicles"),
            optional=("campaigns", "staff"),
            kpis="toolkit.analyses.reciprocity:kpis",
            headline=(
                Headline("give_ask_ratio", "Give/ask ratio (gives per ask)", ".2f"),
                Headline("ask_only_share", "Outbound touches that only ask", ".0%", chart=False, better="lower"),
            ),
            trend=Headline("give_ask_ratio", "Gives per ask", ".2f"),
        ),
        Playbook(
            "customer_knowledge",
            "Customer knowledge audit",
            "Do we know every contact, household member and vehicle, and who keeps records best?",
            tables=("customers", "vehicles", "sales", "repair_orders"),
            optional=("staff",),
            kpis="toolkit.analyses.knowledge:kpis",
            headline=(
                Headline("email_coverage", "Customers with a valid e-mail", ".0%", chart=False),
                Headline("record_quality_mean", "Record quality (mean of five coverage checks)", ".0%"),
            ),
            trend=Headline("email_coverage", "Customers with a valid e-mail, by the month they were created", ".0%"),
        ),
        Playbook(
            "sold_follow_up",
            "Sold follow-up cadence",
            "After each sale, do we follow up soon, regularly, personally, and hand the buyer to service?",
            tables=("sales", "touches", "appointments", "repair_orders"),
            optional=("staff",),
            kpis="toolkit.analyses.cadence:kpis",
            headline=(
                Headline("full_cadence_share", "Sales that met every follow-up step", ".0%"),
                Headline("service_retention_12m", "Buyers back for service within 12 months", ".0%"),
            ),
            trend=Headline("first_service_set_share", "Sales with a first service appointment set", ".0%"),
        ),
        Playbook(
            "engagement",
            "Engagement measurement",
            "Which kinds of engagement go with later revenue, and where should effort and money go?",
            tables=("customers", "events", "touches", "sales", "repair_orders"),
            optional=("campaigns", "staff", "holdouts"),
            kpis="toolkit.analyses.engagement:kpis",
            headline=(Headline("engaged_share_90d", "Customers engaged in the last 90 days", ".0%"),),
            trend=Headline("engaged_share", "Customers with an event in the month", ".0%"),
        ),
        Playbook(
            "cx_alignment",
            "Customer-experience alignment",
            "Does every department work to one customer-experience strategy?",
            tables=("survey",),
            optional=(),
            instead="-p survey_file=FILE",
            kpis="toolkit.analyses.alignment:kpis",
            headline=(
                Headline("alignment_index", "Customer-experience alignment index (1-5)", ".2f"),
                Headline(
                    "department_gap",
                    "Gap between the highest and lowest department",
                    ".2f",
                    chart=False,
                    better="lower",
                ),
            ),
            trend=Headline("alignment_index", "Mean self-assessment score (1-5)", ".2f"),
        ),
    )
}


def names() -> list[str]:
    """The shipped playbooks, in the order the design lists them."""
    return [name for name, p in REGISTRY.items() if p.notebook.is_file()]


def get(name: str) -> Playbook:
    """A playbook by name; raises UsageError naming the playbooks there are."""
    if name not in REGISTRY:
        raise UsageError(f"unknown playbook {name!r}; the playbooks are: {', '.join(names()) or 'none yet'} (or 'all')")
    return REGISTRY[name]


def readiness(present: set[str]) -> dict[str, str]:
    """Per playbook, whether a folder holding the tables ``present`` can run it, in words."""
    out = {}
    for name, p in REGISTRY.items():
        missing = [f"{t}.csv" for t in p.tables if t not in present]
        out[name] = (
            "ready" if not missing else f"needs {', '.join(missing)}" + (f" (or {p.instead})" if p.instead else "")
        )
    return out
