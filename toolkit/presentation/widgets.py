"""Widgets for exploring a playbook in JupyterLab or Voila.

A playbook describes its controls with :func:`choice`, :func:`slider` …, and
:func:`explore` turns them into ipywidgets only when a front end is present;
executed by papermill, the same call shows the view for the default values
and creates no widget at all.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit.presentation.frontend import is_interactive
from toolkit.presentation.labels import label


@dataclass(frozen=True)
class Control:
    """A control's description: its kind, label, starting value and options or range."""

    kind: str
    label: str
    value: Any
    options: tuple = ()
    low: float = 0
    high: float = 0
    step: float = 1
    extra: dict = field(default_factory=dict)


def choice(label: str, options, value) -> Control:
    """A dropdown; ``options`` are values or (label, value) pairs."""
    return Control("choice", label, value, tuple(options))


def slider(label: str, low: int, high: int, value: int, step: int = 1) -> Control:
    return Control("slider", label, value, low=low, high=high, step=step)


def range_slider(label: str, low: int, high: int, value: tuple[int, int], step: int = 1) -> Control:
    return Control("range", label, tuple(value), low=low, high=high, step=step)


def make_widget(control: Control):
    """The ipywidget for a control description."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    if control.kind == "choice":
        return w.Dropdown(options=list(control.options), value=control.value, description=control.label, style=style)
    if control.kind in ("slider", "range"):
        slider = w.IntSlider if control.kind == "slider" else w.IntRangeSlider
        return slider(
            min=control.low,
            max=control.high,
            step=control.step,
            value=control.value,
            description=control.label,
            style=style,
            continuous_update=False,
        )
    raise ValueError(f"unknown control kind {control.kind!r}")


def explore(view: Callable[..., None], static: bool = True, **controls: Control):
    """Show ``view(**values)``: live with widgets in a front end; otherwise once for the defaults,
    or not at all when ``static`` is false (a view whose defaults repeat what the report shows
    above, such as "every channel, every campaign, every sender").

    Returns the widget box (or None without a front end) so tests can drive it.
    """
    if not is_interactive():
        if static:
            view(**{name: c.value for name, c in controls.items()})
        return None
    import ipywidgets as w
    from IPython.display import display

    widgets = {name: make_widget(c) for name, c in controls.items()}
    out = w.Output()

    def redraw(_=None) -> None:
        draw(out, view, **{name: widget.value for name, widget in widgets.items()})

    for widget in widgets.values():
        widget.observe(redraw, names="value")
    redraw()
    box = w.VBox([w.HBox(list(widgets.values()), layout=w.Layout(flex_flow="row wrap")), out])
    display(box)
    return box


def draw(out, view: Callable[..., None], *args, **kwargs) -> None:
    """Show what ``view(*args, **kwargs)`` displays in the Output widget ``out``, in place of what
    it showed before.

    The outputs are collected in the kernel and set on the widget, rather than captured with
    ``with out:``: under that, Voila 0.5's server-side stand-in for the Output widget now and then
    never finishes a cell, and the app hangs at "Executing n of m" (voila-dashboards/voila issue
    1428; about one load in two of the sold follow-up app here). A UsageError is raised for the
    caller to word and leaves the last view in place; any other error is shown where the view
    would be, as ``with out:`` shows it.
    """
    import traceback

    from IPython.utils.capture import capture_output

    from toolkit.errors import UsageError

    failure = None
    with capture_output(display=True) as captured:
        try:
            view(*args, **kwargs)
        except UsageError:
            raise
        except Exception as error:  # shown to the user, as `with out:` shows it
            failure = error
    outputs: list[dict[str, Any]] = []
    if captured.stdout:
        outputs.append({"output_type": "stream", "name": "stdout", "text": captured.stdout})
    outputs += [{"output_type": "display_data", "data": o.data, "metadata": o.metadata} for o in captured.outputs]
    if failure is not None:
        outputs.append(
            {
                "output_type": "error",
                "ename": type(failure).__name__,
                "evalue": str(failure),
                "traceback": traceback.format_exception(failure),
            }
        )
    out.outputs = tuple(outputs)


class Shared:
    """A value several views on the page depend on, such as the plan being edited: every view shown
    with :meth:`show` is drawn again, in its own place, whenever :meth:`set` changes the value, so
    an edit updates the sentence, the tables, the call list and the actions, not only the chart
    beside the control. ``check(value)`` runs first and may refuse a value (a UsageError), so
    that no view draws a value another would refuse. In a static report each view is drawn once.
    """

    def __init__(self, value, check: Callable[[Any], object] | None = None):
        self.value, self.check = value, check
        self.views: list[tuple[Callable[[Any], None], Any]] = []

    def show(self, view: Callable[[Any], None]) -> None:
        """Draw ``view(value)`` here, and again here after every change."""
        if not is_interactive():
            view(self.value)
            return
        import ipywidgets as w
        from IPython.display import display

        out = w.Output()
        self.views.append((view, out))
        display(out)
        draw(out, view, self.value)

    def set(self, value) -> None:
        """Change the value and redraw every view; a value ``check`` refuses changes nothing."""
        if self.check is not None:
            self.check(value)
        self.value = value
        for view, out in self.views:
            draw(out, view, self.value)


CHOOSE = "Choose your department"


class SurveyForm:
    """The self-assessment form: a department, a 1–5 slider per statement, and a submit button.

    A submit appends one respondent's answers to ``survey_file`` through
    :func:`toolkit.inputs.answers.append_answers`, dated ``answered_on`` (else the day it is
    submitted); the button then disables itself, and a second submit of the same respondent is
    refused, so nothing is written twice. No department is chosen for the participant: a submit
    without one is refused. ``reset()`` readies the form for the next participant.
    """

    def __init__(self, survey_file, statements, departments, answered_on: str | None = None):
        import ipywidgets as w

        self.survey_file, self.statements, self.departments = survey_file, statements, departments
        self.answered_on = answered_on
        style = {"description_width": "initial"}
        choices = [(CHOOSE, None), *((label(d), d) for d in departments)]
        self.department = w.Dropdown(options=choices, value=None, description="Department", style=style)
        from toolkit.inputs.schema import SCORE_RANGE

        low, high = SCORE_RANGE
        self.sliders = {
            row.id: w.IntSlider(value=(low + high) // 2, min=low, max=high, description=row.id, style=style)
            for row in statements.itertuples()
        }
        rows = [
            w.HBox([slider, w.HTML(f"<span>{html.escape(row.text)}</span>")])
            for slider, row in zip(self.sliders.values(), statements.itertuples())
        ]
        self.submit = w.Button(description="Submit my answers", button_style="primary")
        self.next = w.Button(description="Next participant")
        self.status = w.HTML()
        self.submit.on_click(self._on_submit)
        self.next.on_click(lambda _: self.reset())
        self.box = w.VBox(
            [
                self.department,
                w.HTML("<i>1 = strongly disagree … 5 = strongly agree</i>"),
                *rows,
                w.HBox([self.submit, self.next]),
                self.status,
            ]
        )
        self.reset()

    def reset(self) -> None:
        from toolkit.inputs.answers import new_respondent_id

        self.respondent_id = new_respondent_id()
        self.submit.disabled = False
        self.department.value = None
        for slider in self.sliders.values():
            slider.value = 3
        self.status.value = ""

    def _on_submit(self, _button) -> None:
        from toolkit.errors import UsageError
        from toolkit.inputs.answers import append_answers

        if self.submit.disabled:  # already saved; a late second click changes nothing
            return
        if self.department.value is None:
            self.status.value = "<b>Not saved:</b> choose your department first."
            return
        try:
            scores = {qid: int(s.value) for qid, s in self.sliders.items()}
            n = append_answers(
                self.survey_file,
                self.department.value,
                scores,
                self.respondent_id,
                self.answered_on or dt.date.today().isoformat(),
                self.statements,
                self.departments,
            )
        except UsageError as exc:
            self.status.value = f"<b>Not saved:</b> {html.escape(str(exc))}"
            return
        except OSError as exc:  # a full disk, a file another program holds
            self.status.value = (
                f"<b>Not saved:</b> the survey file could not be written ({html.escape(exc.strerror or '')})"
            )
            return
        self.submit.disabled = True
        who = f"{html.escape(label(self.department.value))} (respondent {self.respondent_id})"
        self.status.value = f"Saved {n} answers for {who}." if n else f"Already saved: the answers for {who}."


def show_survey_form(survey_file, statements, departments) -> SurveyForm | None:
    """Display the self-assessment form in a front end (a static report shows none; its text says
    how answers are collected)."""
    from IPython.display import display

    if not is_interactive():
        return None
    form = SurveyForm(survey_file, statements, departments)
    display(form.box)
    return form


class PlanEditor:
    """An editable cadence plan: a row per step (name, start day, end day, remove) and an add
    button. Every valid edit calls ``view(plan)`` again in the editor's output area; an invalid
    one shows what is wrong and keeps the last good view. Days run from 0 to ``max_day``."""

    def __init__(self, plan, view: Callable, max_day: int = 3650):
        import ipywidgets as w

        self._w, self.view, self.max_day = w, view, max_day
        self.counts = plan.attrs.get("counts", "follow_up")  # an edit keeps which touches count
        self.rows: list[tuple] = []
        self.box = w.VBox()
        self.add = w.Button(description="Add a step", icon="plus")
        self.add.on_click(lambda _: self.add_step("new_step", 400, 430))
        self.message = w.HTML()
        self.output = w.Output()
        for step in plan.itertuples():
            self.add_step(step.step, int(step.start), int(step.end), refresh=False)
        self.widget = w.VBox(
            [
                w.HTML(f"<b>Cadence plan</b> (days after the sale, 0 to {max_day}, both ends included)"),
                self.box,
                self.add,
                self.message,
                self.output,
            ]
        )
        self.refresh()

    def add_step(self, name: str, start: int, end: int, refresh: bool = True) -> None:
        w = self._w
        row = (
            w.Text(value=name, layout=w.Layout(width="200px")),
            w.BoundedIntText(value=start, min=0, max=self.max_day, layout=w.Layout(width="90px")),
            w.BoundedIntText(value=end, min=0, max=self.max_day, layout=w.Layout(width="90px")),
            w.Button(description="remove", layout=w.Layout(width="80px")),
        )
        for field_ in row[:3]:
            field_.observe(lambda _: self.refresh(), names="value")
        row[3].on_click(lambda _, r=row: self.remove_step(r))
        self.rows.append(row)
        self.box.children = [w.HBox(list(r)) for r in self.rows]
        if refresh:
            self.refresh()

    def remove_step(self, row) -> None:
        self.rows.remove(row)
        self.box.children = [self._w.HBox(list(r)) for r in self.rows]
        self.refresh()

    def plan(self):
        from toolkit.inputs.config import plan_from_steps

        names = [r[0].value.strip() for r in self.rows]
        if len(set(names)) != len(names) or "" in names:
            from toolkit.errors import UsageError

            raise UsageError("every step needs its own name")
        return plan_from_steps(
            {r[0].value.strip(): (int(r[1].value), int(r[2].value)) for r in self.rows},
            source="the edited plan",
            counts=self.counts,
        )

    def refresh(self) -> None:
        from toolkit.errors import UsageError

        try:
            plan = self.plan()
        except UsageError as exc:
            self.message.value = f"<b>Plan not applied:</b> {exc}"
            return
        self.message.value = ""
        try:
            draw(self.output, self.view, plan)
        except UsageError as exc:
            self.message.value = f"<b>Plan not applied:</b> {exc}"


def edit_plan(plan, view: Callable, max_day: int = 3650) -> PlanEditor | None:
    """``view(plan)`` live under a plan editor in a front end (windows up to ``max_day``); once
    for ``plan`` otherwise."""
    if not is_interactive():
        view(plan)
        return None
    from IPython.display import display

    editor = PlanEditor(plan, view, max_day)
    display(editor.widget)
    return editor


class TaxonomyExplorer:
    """Why a subject was classified as it was, and a way to re-tag it.

    Pick a subject: the rules that matched it are listed with the words they
    matched. Choose gives and asks and press "Re-tag": ``view(overrides)`` runs
    again with every re-tag so far, so the audit changes in front of the user.
    """

    def __init__(self, subjects: list[str], rules, current: Callable[[str], tuple[str, str]], view: Callable):
        import ipywidgets as w

        from toolkit.inputs.schema import ASK_TAGS, GIVE_TAGS

        self.rules, self.current, self.view = rules, current, view
        self.overrides: dict[str, tuple[str, str]] = {}
        self.subject = w.Dropdown(options=subjects, description="Subject", layout=w.Layout(width="600px"))
        self.why = w.HTML()
        self.gives = w.SelectMultiple(options=GIVE_TAGS, description="Gives", rows=5)
        self.asks = w.SelectMultiple(options=ASK_TAGS, description="Asks", rows=5)
        self.retag = w.Button(description="Re-tag this subject", button_style="primary")
        self.output = w.Output()
        self.subject.observe(lambda _: self.show_subject(), names="value")
        self.retag.on_click(lambda _: self.apply())
        self.widget = w.VBox([self.subject, self.why, w.HBox([self.gives, self.asks, self.retag]), self.output])
        self.show_subject()
        self.refresh()

    def show_subject(self) -> None:
        from toolkit.analyses.taxonomy import explain
        from toolkit.presentation.display import table_html

        subject = self.subject.value or ""
        gives, asks = self.overrides.get(subject) or self.current(subject)
        matched = explain(subject, self.rules)
        self.why.value = f"<p>Now: gives <b>{gives or 'nothing'}</b>, asks <b>{asks or 'nothing'}</b>.</p>" + (
            table_html(matched) if len(matched) else "<p>No rule matches this subject.</p>"
        )
        self.gives.value = tuple(t for t in (gives or "").split(";") if t)
        self.asks.value = tuple(t for t in (asks or "").split(";") if t)

    def apply(self) -> None:
        self.overrides[self.subject.value] = (";".join(self.gives.value), ";".join(self.asks.value))
        self.show_subject()
        self.refresh()

    def refresh(self) -> None:
        draw(self.output, self.view, dict(self.overrides))


def explore_taxonomy(subjects: list[str], rules, current: Callable, view: Callable) -> TaxonomyExplorer | None:
    """The taxonomy explorer in a front end; without one, ``view({})`` once."""
    if not is_interactive():
        view({})
        return None
    from IPython.display import display

    explorer = TaxonomyExplorer(subjects, rules, current, view)
    display(explorer.widget)
    return explorer
