"""Charts people can read: a colour per category, years on date axes, scales where measures start;
and in a workshop app, charts that share one copy of Vega."""

from __future__ import annotations

import pandas as pd

from toolkit.presentation import charts


def colours(spec: dict) -> dict:
    layer = spec["layer"][0] if "layer" in spec else spec
    return layer["encoding"]["color"]


def test_every_category_gets_its_own_colour():
    types = ["open", "click", "web_visit", "clinic", "event", "review", "reply", "service_visit"]
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01"] * 8), "events": range(8), "type": types})
    scale = colours(charts.stacked(frame, "month", "events", "type", "Events").to_dict())["scale"]
    assert len(set(scale["range"])) == len(charts.PALETTE) >= len(types)
    many = frame.assign(type=[f"t{i}" for i in range(8)]).pipe(lambda f: pd.concat([f, f.assign(type=f["type"] + "b")]))
    assert colours(charts.stacked(many, "month", "events", "type", "Events").to_dict())["scale"] == {
        "scheme": "category20"
    }


def test_date_axes_carry_the_year():
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "compliance": [0.5, 0.6]})
    spec = charts.lines(frame, "month", "compliance", None, "Compliance").to_dict()
    assert "%Y" in spec["encoding"]["x"]["axis"]["format"]
    stacked = charts.stacked(frame.assign(kind="ask"), "month", "compliance", "kind", "By month").to_dict()
    assert "%Y" in stacked["encoding"]["x"]["axis"]["format"]


def test_a_score_from_1_to_5_is_drawn_from_1_and_titles_read_in_words():
    frame = pd.DataFrame({"department": ["sales", "service"], "mean_score": [3.2, 4.1]})
    spec = charts.bars(frame, "mean_score", "department", "Scores", domain=(1, 5)).to_dict()
    assert spec["encoding"]["x"]["scale"] == {"domain": [1, 5], "zero": False}
    assert spec["encoding"]["x2"] == {"datum": 1}  # each bar starts at 1, not off the axis at 0
    assert spec["encoding"]["x"]["title"] == "Mean score"
    assert "domain" not in charts.bars(frame, "mean_score", "department", "Scores").to_dict()["encoding"]["x"].get(
        "scale", {}
    )


def test_a_workshop_app_draws_with_the_module_served_beside_it_and_only_there(tmp_path, monkeypatch):
    import altair as alt

    monkeypatch.chdir(tmp_path)  # a kernel runs in its notebook's folder
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    assert not charts.served_module()  # no module beside the app: the chart carries Vega itself
    (tmp_path / charts.LIVE_MODULE).write_text(charts.live_module())
    assert charts.served_module()
    monkeypatch.delenv("VOILA_SERVER_URL")
    assert not charts.served_module()  # JupyterLab: not served by Voila
    widget = charts._ServedChart(alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a"))
    assert charts.LIVE_MODULE in widget._esm and "/voila/files/" in widget._esm
    assert len(widget._esm) < 1_000  # each chart carries an import, not Vega's 0.9 MB
    module = (tmp_path / charts.LIVE_MODULE).read_text()
    assert len(module) > 500_000 and "export{__default as default}" in module  # what the import draws with
