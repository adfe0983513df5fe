"""Dealer groups: `playbook sample --stores N` makes a group whose last store is clearly different,
every playbook breaks its headline figures down by store and names only that one, and
`-p store=ID` renders one store (an unknown one is refused before any kernel starts)."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_cli import playbook
from toolkit.analyses import cadence, engagement, knowledge, trends
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer, stores


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("group") / "group"
    result = playbook("sample", "--out", str(folder), "--customers", "2400", "--stores", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert "group of 3 stores" in result.stdout
    return folder


def verdicts(measures: list[trends.Measure]) -> dict[str, dict[str, str]]:
    return {m.kpi: dict(trends.by_store(m)[["store", "verdict"]].to_numpy()) for m in measures}


def test_the_sample_group_is_valid_and_keeps_its_stores_apart(group):
    assert playbook("validate", str(group)).returncode == 0
    d = load_dealer(group, cache=False)
    assert stores(d) == ["ST01", "ST02", "ST03"]
    customers = d["customers"]
    assert (customers["customer_id"].str[:5] == customers["store_id"] + "-").all()
    assert set(customers["store_id"]) == {"ST01", "ST02", "ST03"}  # 800 people each, some entered twice
    assert customers["store_id"].value_counts().between(800, 900).all()
    assert (d["sales"]["salesperson_id"].str[:4] == d["sales"]["store_id"]).all()


def test_only_the_transactional_store_is_below_the_rest(group):
    d = load_dealer(group)
    records = knowledge.customer_records(d["customers"], d["vehicles"])
    plan = config.load_plan()
    pairs = cadence.touches_after_sales(d["sales"], d["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(d["sales"], pairs, d["appointments"], d["repair_orders"], plan, d.as_of)
    found = verdicts(
        knowledge.headline_measures(records, d.as_of)
        + cadence.headline_measures(per_sale, plan, d.as_of)
        + engagement.headline_measures(d["customers"], d["events"], d.as_of)
    )
    for kpi in ("email_coverage", "record_quality_mean", "full_cadence_share", "engaged_share_90d"):
        assert found[kpi]["ST03"] == "below", kpi
        assert "below" not in (found[kpi]["ST01"], found[kpi]["ST02"]), kpi


def test_the_index_sets_the_stores_side_by_side(group, tmp_path):
    out = tmp_path / "out"
    result = playbook("render", "customer_knowledge", "--data", str(group), "--out", str(out))
    assert result.returncode == 0, result.stderr
    recorded = json.loads((out / "customer_knowledge" / "results.json").read_text())
    by_store = {row["store"]: row for row in recorded["stores"]["email_coverage"]}
    assert set(by_store) == {"ST01", "ST02", "ST03"} and by_store["ST03"]["verdict"] == "below"
    assert by_store["ST03"]["lower"] < by_store["ST03"]["value"] < by_store["ST03"]["upper"]
    index = (out / "index.html").read_text()
    section = index[index.index('id="stores-side-by-side"') :]
    row = re.search(r"<tr><td>ST03</td>(.*?)</tr>", section).group(1)
    low, high = (format(by_store["ST03"][k], ".0%") for k in ("lower", "upper"))
    assert f"{by_store['ST03']['value']:.0%} ({low}–{high}), below" in row
    assert section.count('class="chart"') == 2  # e-mail coverage and record quality, by store
    alone = playbook("render", "customer_knowledge", "--data", str(group), "--out", str(out), "-p", "store=ST02")
    assert alone.returncode == 0, alone.stderr
    index = (out / "index.html").read_text()  # the group's report still sets its stores side by side
    assert 'id="stores-side-by-side"' in index and "<tr><td>ST03</td>" in index


def test_one_store_renders_alone_and_an_unknown_store_is_refused(group, tmp_path):
    out = tmp_path / "out"
    result = playbook("render", "customer_knowledge", "--data", str(group), "--out", str(out), "-p", "store=ST02")
    assert result.returncode == 0, result.stderr
    recorded = json.loads((out / "customer_knowledge--store-ST02" / "results.json").read_text())
    d = load_dealer(group, store="ST02")
    everyone = load_dealer(group)["customers"]
    assert set(d["customers"]["store_id"]) == {"ST02"}
    assert len(d["customers"]) == everyone["store_id"].eq("ST02").sum()
    assert d["vehicles"]["customer_id"].str.startswith("ST02-").all()  # no store_id: its customers' rows
    expected = knowledge.customer_records(d["customers"], d["vehicles"])
    assert recorded["kpis"]["email_coverage"] == pytest.approx(expected["email_valid"].mean(), abs=1e-6)
    assert recorded["stores"] == {}  # one store has no rest to compare with
    assert "store ST02" in (out / "index.html").read_text()

    refused = playbook("render", "all", "--data", str(group), "--out", str(tmp_path / "x"), "-p", "store=ST09")
    assert refused.returncode == 2
    assert "store 'ST09' is not in the data; the stores are: ST01, ST02, ST03" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x" / "customer_knowledge").exists()


def test_store_ids_that_look_alike_keep_their_own_folders_and_a_number_is_explained():
    from toolkit.running.parameters import report_folder

    folders = {report_folder("customer_knowledge", {"store": s}) for s in ("A/B", "A_B", "A B", "ST01")}
    assert len(folders) == 4 and "customer_knowledge--store-ST01" in folders
    assert all("/" not in f and ".." not in f.replace("--", "") for f in folders)


def test_a_numeric_store_id_is_explained(group, tmp_path):
    refused = playbook("render", "all", "--data", str(group), "--out", str(tmp_path), "-p", "store=12")
    assert refused.returncode == 2 and """write -p 'store="12"'""" in refused.stderr


def test_a_single_store_has_no_stores_to_name(tmp_path):
    from toolkit.resources import sample_dir

    refused = playbook("render", "all", "--data", str(sample_dir()), "--out", str(tmp_path), "-p", "store=ST01")
    assert refused.returncode == 2 and "none (no table has a store_id)" in refused.stderr
