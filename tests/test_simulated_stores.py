"""The evidence rules on whole simulated stores from the generator, where the truth is known: in
a relationship store every salesperson works alike, so no one may be named; in the mixed store
S04 is the transactional one and must be named; every store neglects the three-month check-in
(toolkit.sample.STEP_FOLLOW_THROUGH), which must be the step to fix."""

from __future__ import annotations

import pytest

from toolkit.analyses import cadence, knowledge
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer
from toolkit.sample import STEP_FOLLOW_THROUGH, write_sample

PLAN = config.load_plan()
SEEDS = (1, 2, 3)


def verdicts(folder) -> dict:
    d = load_dealer(folder, cache=False)
    pairs = cadence.touches_after_sales(d["sales"], d["touches"], cadence.horizon(PLAN))
    per_sale = cadence.sale_follow_up(d["sales"], pairs, d["appointments"], d["repair_orders"], PLAN, d.as_of)
    people = cadence.salesperson_evidence(per_sale)
    steps = cadence.step_evidence(per_sale, PLAN)
    records = knowledge.salesperson_evidence(knowledge.customer_records(d["customers"], d["vehicles"]))
    return {
        "follow_up": set(people.index[people["verdict"] == "below"]),
        "steps": set(steps.index[steps["verdict"] == "below"]),
        "records": set(records.index[records["verdict"] == "below"]),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_where_everyone_works_alike_no_one_is_named(tmp_path, seed):
    found = verdicts(write_sample(tmp_path / "store", customers=800, persona="relationship", seed=seed))
    assert found["follow_up"] == set() and found["records"] == set()
    assert found["steps"] == set(STEP_FOLLOW_THROUGH)  # the neglected step, and only it


@pytest.mark.parametrize("seed", SEEDS)
def test_the_transactional_salesperson_is_named(tmp_path, seed):
    found = verdicts(write_sample(tmp_path / "store", customers=800, persona="mixed", seed=seed))
    assert found["follow_up"] == {"S04"} and found["records"] == {"S04"}
    assert found["steps"] == set(STEP_FOLLOW_THROUGH)
