"""Execute playbooks with papermill and write offline reports.

Each rendered playbook becomes ``OUT/<name>/`` holding ``report.html`` (code
hidden), ``executed.ipynb`` and ``results.json``. A folder is built beside its
final place and moved in when complete, so a crash never leaves half a report.
The data folder is validated once, before any kernel starts
(:func:`toolkit.inputs.dealer.load_dealer` caches the validated tables for the kernels).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path

from toolkit import files, playbooks
from toolkit.errors import RenderError, UsageError
from toolkit.presentation.frontend import STATIC_ENV
from toolkit.presentation.results import RESULTS_MIME

DEFAULT_TIMEOUT = 900  # seconds a single cell may run before the render is retried once


@dataclass
class RenderResult:
    """What became of one playbook: ``status`` is ``ok``, ``failed``, or ``skipped`` (the folder
    lacks its tables; ``error`` says which)."""

    name: str
    title: str
    status: str
    folder: Path
    results: dict | None = None
    error: str | None = None
    seconds: float = 0.0
    parameters: dict = field(default_factory=dict)


def playbook_path(playbook: str) -> Path:
    """A shipped playbook by name, or any notebook by path."""
    if playbook.endswith(".ipynb"):
        path = Path(playbook)
        if not path.is_file():
            raise UsageError(f"no notebook at {playbook}")
        return path.resolve()
    path = playbooks.get(playbook).notebook
    if not path.is_file():
        raise UsageError(f"playbook {playbook!r} is not installed (no {path.name})")
    return path


def playbook_name(path: Path) -> str:
    return path.stem


def notebook_parameters(path: Path) -> dict[str, dict]:
    """The notebook's parameters cell as papermill reads it: name → default, type, help."""
    import papermill

    return papermill.inspect_notebook(str(path))


def _literal(source: str):
    """A parameter's default as a value (papermill reports the literal's source text)."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def parse_parameter(text: str) -> tuple[str, object]:
    """``name=value`` from the command line; the value is read as JSON when it can be."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"parameters are written name=value, not {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return name.strip(), parsed


def select_parameters(path: Path, parameters: dict) -> dict:
    """The subset of ``parameters`` that the notebook declares."""
    declared = notebook_parameters(path)
    return {k: v for k, v in parameters.items() if k in declared}


def check_parameters(paths: list[Path], parameters: dict, as_of: str | None = None) -> None:
    """Refuse a parameter that none of the notebooks declares (naming the ones they do), one of the
    wrong type, and a value that cannot be right (:mod:`toolkit.running.parameters`)."""
    from toolkit.running import parameters as checks

    declared: dict[str, dict] = {}
    for path in paths:
        declared |= notebook_parameters(path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UsageError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"these playbooks take: {', '.join(sorted(set(declared) - set(checks.FROM_THE_COMMAND)))}"
        )
    checks.check_types(declared, parameters)
    checks.check_values({**parameters, "as_of": as_of or parameters.get("as_of", "")})


def check_parameter_files(parameters: dict) -> None:
    """Read every file a parameter names (plan, taxonomy, survey, instrument) before any kernel
    starts, so a bad one stops the render with its message and exit 2, like bad data."""
    from toolkit.inputs import config
    from toolkit.inputs.dealer import load_table_file

    readers = {
        "plan_file": config.load_plan,
        "taxonomy_file": config.load_rules,
        "instrument_file": config.load_instrument,
        "survey_file": lambda path: load_table_file(path, "survey"),
    }
    for name, read in readers.items():
        if parameters.get(name):
            if not Path(parameters[name]).is_file():
                raise UsageError(f"{name}: no such file {parameters[name]}")
            read(parameters[name])


_stopping = threading.Event()  # set while a render set stops its renders (:func:`render_set`)


def _execute(path: Path, output: Path, parameters: dict, timeout: int) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from toolkit.running import kernels

    os.environ[STATIC_ENV] = "1"  # kernels inherit it: no widgets, static charts
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                str(path),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                # the kernel starts in the report set's folder, which outlives a build that is stopped;
                # given as nbclient's resources, not papermill's cwd, which changes the folder of this
                # whole process while a notebook runs (renders run side by side in threads)
                resources={"metadata": {"path": str(output.parent.parent)}},
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                kernel_manager_class=kernels.ForkedKernelManager,  # forked with the imports done
                shutdown_kernel="immediate",  # its work is done and read: no need to wait for it to wind down
                request_save_on_cell_execute=False,  # written once at the end (or on a failure), not after each cell
            )
            return
        except PapermillExecutionError as exc:
            if _stopping.is_set():
                raise KeyboardInterrupt from None
            raise RenderError(_describe_failure(output, exc)) from None
        except Exception as exc:  # a stalled or dead kernel: nbclient raises several types
            if _stopping.is_set():  # its kernel was killed: the render set is being stopped
                raise KeyboardInterrupt from None
            if attempt == 2:
                raise RenderError(f"the kernel did not finish ({type(exc).__name__}: {exc})") from None


def _describe_failure(executed: Path, exc) -> str:
    source = ""
    try:
        nb = json.loads(executed.read_text())
        cell = next(
            c
            for c in nb["cells"]
            if c["cell_type"] == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
        )
        source = "".join(cell["source"])
    except (OSError, ValueError, StopIteration):
        pass
    text = f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    return text + ("\n  the failing cell:\n    " + source.replace("\n", "\n    ") if source else "")


def local_folders(params: dict) -> list[Path]:
    """The folders of this machine that a render's parameters name (the data folder, the folders
    of plan, taxonomy, survey and instrument files), and the user's home, longest first."""
    folders = {Path.home()}
    for name, value in params.items():
        if value and isinstance(value, str) and (name.endswith("_dir") or name.endswith("_file")):
            path = Path(value).resolve()
            folders.add(path if name.endswith("_dir") else path.parent)
    return sorted(folders, key=lambda p: len(str(p)), reverse=True)


def without_local_paths(text: str, folders: list[Path]) -> str:
    """``text`` with each of ``folders`` reduced to its own name (a file inside one keeps the part
    of its path below it), so that reports, results and messages hold no absolute path of the
    machine that rendered them."""
    for folder in folders:
        if folder == Path(folder.anchor):
            continue
        home = folder == Path.home()
        inner, whole = (f"~{os.sep}", "~") if home else ("", folder.name)
        text = text.replace(f"{folder}{os.sep}", inner)
        text = re.sub(re.escape(str(folder)) + r"(?![\w.-])", whole.replace("\\", "\\\\"), text)
    return text


def _results_from(nb: dict) -> dict | None:
    for cell in reversed(nb["cells"]):
        for output in cell.get("outputs", []):
            if RESULTS_MIME in output.get("data", {}):
                return output["data"][RESULTS_MIME]
    return None


def write_lists(folder: Path, lists: dict) -> dict:
    """Each list a playbook recorded (:func:`toolkit.presentation.results.list_payload`) as
    ``folder/lists/<name>.csv``; returns results.json's ``lists``: name → its path beside the
    report and how many rows it has."""
    from toolkit.presentation.results import list_path

    written = {}
    for name, table in lists.items():
        path = list_path(name)
        files.write_text(folder / path, table["csv"])
        written[name] = {"path": path, "rows": table["rows"]}
    return written


def _execute_into(build: Path, final: Path, path: Path, params: dict, timeout: int) -> dict:
    """Run the notebook into ``build``: executed.ipynb, results.json and report.html, with no path
    of this machine in any of them, and the history of the report at ``final`` it will replace
    (:mod:`toolkit.running.history`); returns the results."""
    from toolkit.presentation.report import build_report
    from toolkit.running.history import carry_history
    from toolkit.running.parameters import focus_words

    executed = build / "executed.ipynb"
    local = local_folders(params)
    try:
        _execute(path, executed, params, timeout)
    except RenderError as exc:
        raise RenderError(without_local_paths(str(exc), local)) from None
    nb = json.loads(without_local_paths(executed.read_text(encoding="utf-8"), local))
    ran = nb.get("metadata", {}).get("papermill", {})
    ran.update({k: name for k, name in (("input_path", path.name), ("output_path", executed.name)) if k in ran})
    results = _results_from(nb)
    if results is None:
        raise RenderError(
            "the playbook finished without recording its KPIs (toolkit.presentation.results.record_results)"
        )
    results["lists"] = write_lists(build, results.get("lists", {}))  # the executed notebook keeps only where they are
    executed.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    defaults = {k: _literal(v["default"]) for k, v in notebook_parameters(path).items()}
    shown = {k: without_local_paths(v, local) if isinstance(v, str) else v for k, v in {**defaults, **params}.items()}
    results = carry_history(final, build, {**results, "parameters": shown})
    (build / "results.json").write_text(json.dumps(results, indent=2))
    masked = "personal data shown as pseudonyms" if params.get("mask_personal") else ""
    page = build_report(nb, results["dealer"], results["as_of"], ", ".join(filter(None, [focus_words(params), masked])))
    (build / "report.html").write_text(page, encoding="utf-8")
    return results


def render_playbook(
    playbook: str,
    data_dir: str | Path,
    out_dir: str | Path,
    parameters: dict | None = None,
    as_of: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
) -> RenderResult:
    """Execute one playbook on a data folder into ``out_dir/<name>/`` (see the module docstring).

    Failures come back as a result with ``status == "failed"``; the error, with
    the failing cell, is also written to ``out_dir/<name>.error.txt``.
    """
    from toolkit.presentation.report import notebook_title
    from toolkit.running.parameters import report_folder

    path = playbook_path(playbook)
    name = playbook_name(path)
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {
        "data_dir": str(Path(data_dir).resolve()),
        "as_of": as_of or "",
        **select_parameters(path, parameters or {}),
    }
    for key, value in params.items():  # a file named relative to where the command runs
        if key.endswith("_file") and isinstance(value, str) and value:
            params[key] = str(Path(value).resolve())
    params = select_parameters(path, params)
    title = (
        playbooks.REGISTRY[name].title if name in playbooks.REGISTRY else notebook_title(json.loads(path.read_text()))
    )
    folder = report_folder(name, params)
    final, error_file = out_dir / folder, out_dir / f"{folder}.error.txt"
    build = files.new_folder(out_dir, f"build-{name}")
    started = time.perf_counter()
    try:
        results = _execute_into(build, final, path, params, timeout)
        files.move_into_place(build, final)
        error_file.unlink(missing_ok=True)
        return RenderResult(name, title, "ok", final, results, None, time.perf_counter() - started, params)
    except RenderError as exc:
        shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)  # a stale report would contradict the data
        files.write_text(error_file, f"{name} failed: {exc}\n")
        return RenderResult(name, title, "failed", final, None, str(exc), time.perf_counter() - started, params)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


def render_set(
    playbooks: list[str],
    data_dir: str | Path,
    out_dir: str | Path,
    parameters: dict | None = None,
    as_of: str | None = None,
    progress: bool = True,
    timeout: int = DEFAULT_TIMEOUT,
    mask_personal: bool = False,
    jobs: int = 1,
) -> list[RenderResult]:
    """Validate the data once, render each playbook, and write ``out_dir/index.html``. With
    ``mask_personal`` every file written shows pseudonyms for personal data (:mod:`toolkit.privacy`).
    ``jobs`` playbooks render at a time, each in its own kernel (memory grows with each).

    Raises :class:`~toolkit.errors.DataError` before any kernel starts when the
    data breaks the contract.
    """
    from tqdm import tqdm

    from toolkit.inputs.dealer import load_dealer
    from toolkit.running import kernels
    from toolkit.running.parameters import check_against_data

    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    paths = [playbook_path(p) for p in playbooks]
    parameters = parameters or {}
    check_parameters(paths, parameters, as_of)
    check_masking(Path(out_dir), mask_personal)
    kernels.prepare()  # its imports run while the data is validated
    as_of = as_of or parameters.get("as_of") or None
    dealer = load_dealer(data_dir, as_of=as_of)  # validates and fills the cache the kernels read
    check_parameter_files(parameters)
    check_against_data(parameters, as_of, dealer)
    runnable, results = runnable_playbooks(paths, set(dealer.tables), Path(out_dir))
    chosen = {**parameters, "mask_personal": mask_personal}
    bar = tqdm(total=len(runnable), desc=dealer.name, unit="playbook", disable=not progress, leave=False)
    with ThreadPoolExecutor(jobs) as pool:
        running = [pool.submit(render_playbook, str(p), data_dir, out_dir, chosen, as_of, timeout) for p in runnable]
        try:
            for future in as_completed(running):
                results.append(future.result())
                bar.update(1)
        except BaseException:  # Ctrl-C: the renders running now stop and remove what they built
            _stop(running)
            raise
        finally:
            bar.close()
    order = [p.stem for p in paths]
    results.sort(key=lambda r: order.index(r.name))
    write_set_index(Path(out_dir), dealer.name, dealer.as_of_text, results)
    return results


def _stop(running: list[Future]) -> None:
    """Cancel the renders not started, kill the kernels of those running, and wait for them to
    unwind (each removes its half-built folder and leaves the report it would have replaced)."""
    from toolkit.running import kernels

    for future in running:
        future.cancel()
    _stopping.set()
    try:
        kernels.kill_running()
        wait(running)
    finally:
        _stopping.clear()


def check_masking(out_dir: Path, mask_personal: bool) -> None:
    """Refuse to mix reports with and without ``--mask-personal`` in one output folder: a folder
    of masked reports is made to leave the dealership, and its index would link the others."""
    for recorded in sorted([*out_dir.glob("*/results.json"), *out_dir.glob("*/*/results.json")]):
        try:
            masked = bool(json.loads(recorded.read_text(encoding="utf-8")).get("parameters", {}).get("mask_personal"))
        except (OSError, ValueError, AttributeError):
            continue
        if masked != mask_personal:
            report = recorded.parent.relative_to(out_dir)
            if mask_personal:
                raise UsageError(
                    f"--out {out_dir.name}: {report} there shows personal data; render masked reports into a "
                    "folder of their own (they are made to leave the dealership)"
                )
            raise UsageError(
                f"--out {out_dir.name}: {report} there was rendered with --mask-personal; render unmasked "
                "reports into another folder, or add --mask-personal"
            )


def runnable_playbooks(paths: list[Path], present: set[str], out_dir: Path) -> tuple[list[Path], list[RenderResult]]:
    """The playbooks a folder holding the tables ``present`` can run, and a ``skipped`` result for
    each of the others saying which tables it needs. A single playbook that cannot run, or a set of
    which none can, is a UsageError (exit 2) before any kernel starts."""
    ready = playbooks.readiness(present)
    runnable = [p for p in paths if ready.get(p.stem, "ready") == "ready"]
    if not runnable:
        can = [n for n, state in ready.items() if state == "ready"]
        needs = "; ".join(f"{p.stem} {ready[p.stem]}" for p in paths)
        raise UsageError(f"{needs}. This folder can run: {', '.join(can) or 'none of the playbooks'}")
    skipped = [
        RenderResult(p.stem, playbooks.get(p.stem).title, "skipped", out_dir / p.stem, error=ready[p.stem])
        for p in paths
        if p not in runnable
    ]
    return runnable, skipped


def headline(name: str, kpis: dict) -> str:
    """A playbook's headline KPIs (:mod:`toolkit.playbooks`) as short text for an index page."""
    shown = playbooks.REGISTRY[name].headline if name in playbooks.REGISTRY else ()
    return " · ".join(h.text(kpis.get(h.kpi)) for h in shown)


def write_set_index(out_dir: Path, dealer: str, as_of: str, results: list[RenderResult]) -> Path:
    """``out_dir/index.html``: a link to every report in ``out_dir`` — those of this render, with
    their status, and those rendered earlier (a focused one beside the store-wide one) — with each
    report's focus, date and headline figures, or its error; and, for a dealer group, its stores
    side by side from the reports that cover every store."""
    from toolkit.presentation.report import build_index
    from toolkit.running.parameters import focus

    now = {r.folder.name: r for r in results}
    earlier = [
        p.parent for p in sorted(out_dir.glob("*/results.json")) if p.parent.name not in now and p.parent.is_dir()
    ]
    shown = list(results)
    for folder in earlier:
        try:
            recorded = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = recorded.get("playbook", folder.name)
        shown.append(
            RenderResult(name, _title(name), "ok", folder, recorded, parameters=recorded.get("parameters", {}))
        )
    rows = [(_order(r.name, r.folder.name), _result_row(r)) for r in shown]
    table = (
        "<table><thead><tr><th>Playbook</th><th>Status</th><th>As of</th><th>Headline</th><th>Lists</th></tr></thead>"
        f"<tbody>{''.join(row for _, row in sorted(rows))}</tbody></table>"
    )
    sections = [("Reports", table)]
    recorded = [r.results for r in shown if r.status == "ok" and r.results and not focus(r.parameters)]
    compared = store_table(recorded)
    charts = store_charts(recorded)
    if compared:
        bodies = "".join(f'<div class="chart" id="chart-{i}"></div>' for i in range(len(charts)))
        sections.append(("Stores side by side", compared + bodies))
    page = build_index(f"Relationship playbooks: {dealer}", f"data as of {as_of}", sections, charts)
    path = out_dir / "index.html"
    files.write_text(path, page)
    return path


def _store_columns(recorded: list[dict]) -> list[tuple[playbooks.Headline, list[dict]]]:
    """Each headline KPI that a report broke down by store, with its rows (results.json ``stores``)."""
    return [
        (h, r["stores"][h.kpi])
        for r in recorded
        for h in (playbooks.REGISTRY[r["playbook"]].headline if r.get("playbook") in playbooks.REGISTRY else ())
        if h.kpi in r.get("stores", {})
    ]


def store_charts(recorded: list[dict]) -> list[dict]:
    """A chart per headline KPI broken down by store: each store's value with its 95% interval."""
    import pandas as pd

    from toolkit.presentation.trends import store_chart

    return [
        store_chart(pd.DataFrame(rows).dropna(subset=["value"]), h).to_dict()
        for h, rows in _store_columns(recorded)
        if any(row["value"] is not None for row in rows)
    ]


def store_table(recorded: list[dict]) -> str:
    """The stores of a dealer group side by side: a row per store, a column per headline KPI
    broken down by store (results.json ``stores``), each value with its 95% interval and, where
    the evidence separates it, whether it is above or below the rest of the group. Blank for a
    single store."""
    import html

    columns = _store_columns(recorded)
    if not columns:
        return ""
    stores = sorted({row["store"] for _, rows in columns for row in rows})
    head = "".join(f"<th>{html.escape(h.label)}</th>" for h, _ in columns)
    body = []
    for store in stores:
        cells = []
        for h, rows in columns:
            row = next((x for x in rows if x["store"] == store), None)
            cells.append(f"<td>{html.escape(_store_cell(row, h.format))}</td>")
        body.append(f"<tr><td>{html.escape(store)}</td>{''.join(cells)}</tr>")
    note = (
        "<p class='kpi-note'>Each store against the rest of the group; above or below only where the 95% test, "
        "corrected for the stores compared, separates it.</p>"
    )
    return f"<table><thead><tr><th>Store</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _store_cell(row: dict | None, fmt: str) -> str:
    if row is None or row["value"] is None:
        return "n/a"
    shown = format(row["value"], fmt)
    if row["lower"] is not None and row["upper"] is not None:
        shown += f" ({format(row['lower'], fmt)}–{format(row['upper'], fmt)})"
    return f"{shown}, {row['verdict']}" if row["verdict"] in ("above", "below", "too few") else shown


def _title(name: str) -> str:
    return playbooks.REGISTRY[name].title if name in playbooks.REGISTRY else name


def _order(name: str, folder: str) -> tuple[int, str]:
    names = playbooks.names()
    return (names.index(name) if name in names else len(names), folder)


def _result_row(r: RenderResult) -> str:
    """One report's row of an index page."""
    import html

    from toolkit.running.history import change_text
    from toolkit.running.parameters import focus_words

    focus = focus_words(r.parameters)
    title = html.escape(r.title + (f" — {focus}" if focus else ""))
    if r.status == "ok":
        kpis = r.results["kpis"] if r.results else {}
        recorded = html.escape(str((r.results or {}).get("as_of", "")))
        link = f'<a href="{html.escape(r.folder.name)}/report.html">{title}</a>'
        lists = list_links(r.folder.name, (r.results or {}).get("lists", {}))
        moved = change_text(r.name, (r.results or {}).get("since"))
        change = f"<br><span class='kpi-note'>{html.escape(moved)}</span>" if moved else ""
        return (
            f"<tr><td>{link}</td><td>ok</td><td>{recorded}</td><td>{html.escape(headline(r.name, kpis))}{change}</td>"
            f"<td>{lists}</td></tr>"
        )
    if r.status == "skipped":
        return f"<tr><td>{title}</td><td>not run</td><td></td><td>{html.escape(r.error or '')}</td><td></td></tr>"
    first = html.escape((r.error or "").splitlines()[0] if r.error else "")
    details = f'<a href="{html.escape(r.folder.name)}.error.txt">details</a>'
    return f"<tr><td>{title}</td><td>failed</td><td></td><td>{first} ({details})</td><td></td></tr>"


def list_links(folder: str, lists: dict) -> str:
    """Links to a report's lists (results.json ``lists``) from the page one level above its
    ``folder``: "call list (134)", each to its CSV."""
    import html

    return ", ".join(
        f'<a href="{html.escape(folder)}/{html.escape(spec["path"])}">{html.escape(name.replace("_", " "))}</a> '
        f"({spec['rows']:,})"
        for name, spec in lists.items()
    )
