"""Random and mangled CSV text: the loader returns frames or raises DataError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import DataError
from toolkit.inputs.dealer import load_dealer

HEADER = "touch_id,customer_id,occurred_at,channel,direction,template,gives,asks"
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["email", "sms", "outbound", "yes", "2024-01-01", "03/01/2024", "price;info", "", '"', ",", "\r\n", "\ufeff"]
    ),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=10).map(",".join), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.one_of(st.just(HEADER), st.text(max_size=40)),
    body=rows,
    junk=st.binary(max_size=20),
    mangle=st.booleans(),
)
def test_loader_never_raises_anything_but_data_error(header, body, junk, mangle):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = ("\n".join([header, *body])).encode("utf-8", "surrogatepass")
        if mangle:
            data = data[: len(data) // 2] + junk + data[len(data) // 2 :]
        (folder / "touches.csv").write_bytes(data)
        (folder / "dealer.toml").write_text('name = "Fuzz Motors"\n')
        try:
            dealer = load_dealer(folder, cache=False)
        except DataError as exc:
            assert exc.problems
        else:
            assert "touches" in dealer.tables
