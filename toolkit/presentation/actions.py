"""The "What to do next" list as records: each action's kind, whom or what it concerns, its text,
and the evidence behind it, as results.json ``actions`` holds them (DESIGN.md "Result names").

Kinds that single out one person, step, channel, event type or department (:data:`SINGLING_OUT`)
are issued only when :mod:`toolkit.analyses.evidence` separates the subject from the rest; when
nothing separates, a ``within_noise`` item says so and what would settle it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SINGLING_OUT = ("coach", "fix_step", "shift_budget", "grow_channel", "focus_department")


@dataclass(frozen=True)
class Evidence:
    """What an action rests on: the subject's ``estimate`` with its 95% interval, the observations
    ``n`` behind it, and the ``reference`` it was compared with (the rest, a benchmark)."""

    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    n: int | None = None
    reference: float | None = None


@dataclass(frozen=True)
class Action:
    """One item of "What to do next". ``subject`` names whom or what it concerns (a staff_id, a step,
    ``"from->to"`` channels, a department, or the list it refers to)."""

    kind: str
    subject: str
    text: str
    evidence: Evidence = field(default_factory=Evidence)

    def record(self) -> dict:
        """The action as results.json holds it."""
        e = self.evidence
        return {
            "kind": self.kind,
            "subject": self.subject,
            "text": self.text,
            "evidence": {
                "estimate": e.estimate,
                "lower": e.lower,
                "upper": e.upper,
                "n": e.n,
                "reference": e.reference,
            },
        }


def evidence_of(row, estimate: str = "share", n: str = "n") -> Evidence:
    """:class:`Evidence` from a row of :func:`~toolkit.analyses.evidence.shares_vs_rest` (or
    ``means_vs_rest`` with ``estimate="mean"``)."""
    return Evidence(float(row[estimate]), float(row["lower"]), float(row["upper"]), int(row[n]), float(row["rest"]))
