"""Widgets driven through their objects, without a browser."""

from __future__ import annotations

import pytest

from toolkit.inputs import config
from toolkit.presentation import widgets
from toolkit.presentation.frontend import STATIC_ENV


@pytest.fixture(autouse=True)
def live(monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)


def test_plan_editor_recomputes_on_every_valid_edit():
    seen = []
    editor = widgets.PlanEditor(config.plan_from_steps({"a": (0, 2), "b": (5, 10)}), seen.append)
    assert list(seen[-1]["step"]) == ["a", "b"]
    editor.rows[1][2].value = 20  # widen b
    assert seen[-1].set_index("step").loc["b", "end"] == 20
    editor.add.click()
    assert list(seen[-1]["step"]) == ["a", "b", "new_step"]
    editor.rows[0][3].click()  # remove a
    assert list(seen[-1]["step"]) == ["b", "new_step"]
    count = len(seen)
    editor.rows[0][1].value = 50  # start after end: refused, the last good view stays
    assert len(seen) == count and "Plan not applied" in editor.message.value


def test_plan_editor_keeps_windows_within_its_reach_and_reports_a_view_that_refuses():
    from toolkit.errors import UsageError

    def view(plan):
        if plan["end"].max() > 20:
            raise UsageError("the touches reach day 20 only")

    editor = widgets.PlanEditor(config.plan_from_steps({"a": (0, 2)}), view, max_day=30)
    editor.rows[0][2].value = 99
    assert editor.rows[0][2].value == 30  # clamped to the editor's reach
    assert "Plan not applied" in editor.message.value and "day 20" in editor.message.value


def test_explore_creates_widgets_only_with_a_front_end(monkeypatch):
    calls = []
    box = widgets.explore(lambda x: calls.append(x), x=widgets.choice("X", ["p", "q"], "q"))
    assert box is not None and calls == ["q"]
    box.children[0].children[0].value = "p"
    assert calls[-1] == "p"
    monkeypatch.setenv(STATIC_ENV, "1")
    assert widgets.explore(lambda x: calls.append(x), x=widgets.choice("X", ["p", "q"], "q")) is None
    assert calls[-1] == "q"


def test_taxonomy_explorer_retags_and_recomputes():

    rules = config.load_rules()
    seen = []
    explorer = widgets.TaxonomyExplorer(
        ["Happy holidays", "Book your service"],
        rules,
        lambda s: ("", "appointment") if "Book" in s else ("", ""),
        seen.append,
    )
    assert seen == [{}] and "No rule matches" in explorer.why.value
    explorer.gives.value = ("gift",)
    explorer.retag.click()
    assert seen[-1] == {"Happy holidays": ("gift", "")} and "gives <b>gift</b>" in explorer.why.value
    explorer.subject.value = "Book your service"
    assert "appointment" in explorer.why.value and explorer.asks.value == ("appointment",)


def test_a_shared_value_redraws_every_view_and_a_refused_one_changes_nothing(monkeypatch):
    from toolkit.errors import UsageError

    monkeypatch.delenv(STATIC_ENV, raising=False)

    def check(value):
        if value < 0:
            raise UsageError("no negative plans")

    shared = widgets.Shared(1, check=check)
    first, second = [], []
    shared.show(first.append)
    shared.show(second.append)
    shared.set(5)
    assert first == [1, 5] and second == [1, 5] and shared.value == 5
    with pytest.raises(UsageError):
        shared.set(-1)
    assert first == [1, 5] and shared.value == 5


def test_a_shared_value_draws_each_view_once_in_a_static_report(monkeypatch):

    monkeypatch.setenv(STATIC_ENV, "1")
    shared, seen = widgets.Shared("plan"), []
    shared.show(seen.append)
    assert seen == ["plan"] and shared.views == []


@pytest.fixture
def shell():
    """An IPython shell for the test alone, so that ``display`` goes through a display publisher."""
    from IPython.core.interactiveshell import InteractiveShell

    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def test_a_view_is_drawn_into_its_output_in_place_of_the_last_one(shell):
    import ipywidgets
    from IPython.display import Markdown, display

    from toolkit.errors import UsageError

    def view(who):
        print("chosen:", who)
        display(Markdown(f"**{who}**"))
        if who == "nobody":
            raise KeyError("no sales for nobody")
        if who == "":
            raise UsageError("choose a salesperson")

    out = ipywidgets.Output()
    widgets.draw(out, view, "S04")
    assert [o["output_type"] for o in out.outputs] == ["stream", "display_data"]
    assert out.outputs[0]["text"] == "chosen: S04\n" and out.outputs[1]["data"]["text/markdown"] == "**S04**"
    widgets.draw(out, view, "S01")
    assert len(out.outputs) == 2 and out.outputs[1]["data"]["text/markdown"] == "**S01**"
    widgets.draw(out, view, "nobody")  # an error shows where the view was, as `with out:` shows it
    assert out.outputs[-1]["output_type"] == "error" and "no sales for nobody" in out.outputs[-1]["evalue"]
    widgets.draw(out, view, "S01")
    with pytest.raises(UsageError):
        widgets.draw(out, view, "")  # the caller words it; the last view stays
    assert out.outputs[1]["data"]["text/markdown"] == "**S01**"
