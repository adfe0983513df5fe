"""Forked kernels (issue 21, "Renders below the floor"): each notebook gets a kernel of its own,
forked from a server that has done the imports, in the folder and environment asked for; nothing
one notebook sets reaches the next; a dead or stalled kernel is seen as one; and without forking
the same notebook gives the same outputs."""

from __future__ import annotations

import os
import sys
import time

import nbformat
import papermill
import psutil
import pytest
from nbclient.exceptions import CellTimeoutError

from tests.test_cli import playbook
from toolkit.running import kernels


def notebook(path, *sources: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def run(tmp_path, *sources: str, **options) -> list[str]:
    """The text each cell printed, run as a render runs it."""
    source = notebook(tmp_path / "in.ipynb", *sources)
    papermill.execute_notebook(
        str(source),
        str(tmp_path / "out.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
        kernel_manager_class=kernels.ForkedKernelManager,
        shutdown_kernel="immediate",
        **options,
    )
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    return ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in nb.cells]


PROBE = (
    "import os, sys, psutil\n"
    "print(sys.modules.get('statsmodels.stats.proportion') is not None, os.getcwd(), "
    "os.environ.get('PROBE_VALUE'), psutil.Process().parent().cmdline()[-1], sep='|')"
)


def test_a_kernel_is_forked_with_the_imports_done_in_the_folder_and_environment_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBE_VALUE", "set by the render")
    preloaded, cwd, value, parent = run(tmp_path, PROBE)[0].split("|")
    assert preloaded == "True"  # a cold kernel has not imported statsmodels before its notebook asks
    assert (cwd, value) == (str(tmp_path), "set by the render")
    assert parent == "toolkit.running.kernel_server"


def test_without_forking_a_kernel_starts_cold_and_says_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.SWITCH, "0")
    monkeypatch.setenv("PROBE_VALUE", "cold")
    preloaded, cwd, value, parent = run(tmp_path, PROBE)[0].split("|")
    assert (preloaded, cwd, value) == ("False", str(tmp_path), "cold")
    assert parent != "toolkit.running.kernel_server"


def test_nothing_one_notebook_sets_reaches_the_next(tmp_path):
    run(
        tmp_path,
        "import pandas as pd, numpy as np\nleft_behind = 1\npd.set_option('display.max_rows', 3)\nnp.random.seed(5)",
    )
    shown = run(
        tmp_path,
        "import pandas as pd, numpy as np\n"
        "print('left_behind' in globals(), pd.get_option('display.max_rows'), np.random.get_state()[1][0] == 5)",
    )
    assert shown == ["False 60 False"]


def test_forked_kernels_do_not_share_a_random_state(tmp_path):
    draw = "import random, numpy as np\nprint(random.random(), np.random.random())"
    assert run(tmp_path, draw) != run(tmp_path, draw)


def test_a_kernel_that_dies_is_seen_as_dead_at_once(tmp_path):
    with pytest.raises(Exception, match="(?i)dead|died"):
        run(tmp_path, "import os\nos._exit(3)", execution_timeout=60)


def test_a_cell_that_runs_too_long_times_out_and_its_kernel_is_killed(tmp_path):
    started = time.monotonic()
    with pytest.raises(CellTimeoutError):
        run(tmp_path, "import os\nprint(os.getpid(), flush=True)\nimport time\ntime.sleep(60)", execution_timeout=2)
    assert time.monotonic() - started < 20
    pid = int(nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs[0]["text"])
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_the_server_is_one_per_process_and_restarted_when_it_has_ended(tmp_path):
    first = kernels.server()
    assert kernels.server() is first
    first._process.kill()
    first._process.wait()
    assert kernels.server() is not first
    assert run(tmp_path, "print(1 + 1)") == ["2"]


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"], ["-f", "c.json"]),
        ([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"], None),
        (["/usr/bin/other-python", "-m", "ipykernel_launcher", "-f", "c.json"], None),
        (["R", "--slave", "-e", "IRkernel::main()"], None),
    ],
    ids=["this-python", "other-options", "other-python", "other-language"],
)
def test_only_this_pythons_ipykernel_is_forked(cmd, expected):
    assert kernels.kernel_arguments(cmd) == expected


def test_a_forked_kernel_process_reports_running_then_ended():
    pid = os.fork()
    if pid == 0:
        import time

        time.sleep(30)
        os._exit(0)
    process = kernels.ForkedProcess(pid)
    assert process.poll() is None and process.wait(0.1) is None
    process.kill()
    os.waitpid(pid, 0)
    assert process.wait(5) == 0 and process.poll() == 0


def test_playbooks_rendered_side_by_side_land_where_a_relative_out_says(tmp_path):
    """Renders in threads share one working folder: nothing may change it while they run (papermill's
    own ``cwd`` does, which once put the index at out/out/index.html)."""
    from toolkit.resources import sample_dir

    side_by_side = ["--out", "out", "--jobs", "2"]  # a relative --out, two renders at a time
    result = playbook("render", "all", "--data", str(sample_dir()), *side_by_side, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    assert not (tmp_path / "out" / "out").exists()
    assert len(list((tmp_path / "out").glob("*/report.html"))) == 5
    assert str(tmp_path / "out" / "index.html") in result.stdout
