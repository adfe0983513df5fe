"""Batch rendering for consultants: one report set per client and a portfolio table.

``CLIENTS.toml`` holds a ``[clients.<id>]`` table per client::

    [clients.lakeside]
    name = "Lakeside Toyota"          # optional; else dealer.toml's name
    data = "clients/lakeside"         # relative to CLIENTS.toml
    [clients.lakeside.parameters]     # optional playbook parameters
    as_of = "2025-03-31"

Clients run in parallel processes. A client whose data breaks the contract, or
one of whose playbooks fails, is recorded with its message (and the failing
cell) while the others still render.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit import files, playbooks
from toolkit.errors import DataError, UsageError
from toolkit.resources import user_toml
from toolkit.running.cluster import executor

if TYPE_CHECKING:
    from toolkit.running.render import RenderResult


PARAMETERS_PREFIX = "parameters: "
REFUSED = ("bad data", "bad parameters")  # a client's input was refused: nothing of it rendered
CLIENT_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Client:
    """One client of a batch: an id (its output folder), a name, a data folder, parameters, and
    whether its reports show pseudonyms for personal data (``--mask-personal``)."""

    client_id: str
    name: str | None
    data: Path
    parameters: dict
    mask_personal: bool = False


@dataclass
class ClientOutcome:
    """How a client's render went: ``status`` is ok, failed (a playbook), bad data or bad parameters."""

    client_id: str
    name: str
    status: str
    message: str = ""
    as_of: str = ""
    kpis: dict = field(default_factory=dict)
    lists: str = ""  # links to every list of the client's reports, from the portfolio page
    since: str = ""  # as_of of the client's previous render, when its reports had one
    changes: dict = field(default_factory=dict)  # headline KPI → its change since then (history.change)
    moved: dict = field(default_factory=dict)  # headline KPI → improved, slipped, within noise, too few to tell


@dataclass
class BatchSummary:
    clients: list[ClientOutcome]
    portfolio: Path
    index: Path

    @property
    def all_ok(self) -> bool:
        return all(c.status == "ok" for c in self.clients)


def read_clients(path: str | Path) -> list[Client]:
    """The clients of a CLIENTS.toml file; raises UsageError naming what is wrong with it."""
    path = Path(path)
    doc = user_toml(path, str(path))
    tables = doc.get("clients")
    if not isinstance(tables, dict) or not tables:
        raise UsageError(f'{path}: expected one [clients.<id>] table per client, with data = "folder"')
    clients: list[Client] = []
    for cid, spec in tables.items():
        _check_id(path, cid, [c.client_id for c in clients])
        if not isinstance(spec, dict) or not isinstance(spec.get("data"), str):
            raise UsageError(f'{path}: [clients.{cid}] needs data = "folder of the client\'s tables"')
        params = spec.get("parameters", {})
        if not isinstance(params, dict):
            raise UsageError(f"{path}: [clients.{cid}.parameters] must be a table of name = value")
        clients.append(Client(cid, spec.get("name"), (path.parent / spec["data"]).resolve(), params))
    return clients


def _check_id(path: Path, cid: str, earlier: list[str]) -> None:
    """A client id names the client's folder under --out: letters, digits, ".", "_" and "-", not
    starting with "." and unique ignoring case, so that no id reaches outside --out."""
    if not CLIENT_ID.fullmatch(cid):
        raise UsageError(
            f"{path}: client id {cid!r} is not allowed; a client id is letters, digits, '.', '_' and '-' "
            "(not starting with '.'), because it names the client's folder under --out"
        )
    same = [e for e in earlier if e.lower() == cid.lower()]
    if same:
        raise UsageError(f"{path}: client ids {same[0]!r} and {cid!r} differ only in case; they would share a folder")


def _validate(client: Client) -> tuple[str, str | None, str, str, tuple[str, ...]]:
    """(client id, error or None, dealer name, as_of, tables present) — runs in a worker; fills the
    cache. The client's parameters are checked as ``playbook render`` checks them; an error starts
    with "parameters: " when they, not the data, are at fault."""
    from toolkit.inputs.dealer import load_dealer
    from toolkit.running import render
    from toolkit.running.parameters import check_against_data

    as_of = client.parameters.get("as_of") or None
    try:
        render.check_parameters([render.playbook_path(n) for n in playbooks.names()], client.parameters, as_of)
        dealer = load_dealer(client.data, as_of=as_of)
        render.check_parameter_files(client.parameters)
        check_against_data(client.parameters, as_of, dealer)
    except DataError as exc:
        return client.client_id, _private(client, str(exc)), client.name or client.client_id, "", ()
    except UsageError as exc:
        error = f"{PARAMETERS_PREFIX}{_private(client, str(exc))}"
        return client.client_id, error, client.name or client.client_id, "", ()
    present = tuple(sorted(dealer.tables))
    try:
        render.runnable_playbooks([render.playbook_path(n) for n in playbooks.names()], set(present), Path("."))
    except UsageError as exc:  # the folder holds the tables of no playbook: its data is at fault
        return client.client_id, str(exc), dealer.name, dealer.as_of_text, ()
    return client.client_id, None, dealer.name, dealer.as_of_text, present


def _private(client: Client, message: str) -> str:
    """``message`` without the paths of this machine (it goes into --out, to the client)."""
    from toolkit.running.render import local_folders, without_local_paths

    return without_local_paths(message, local_folders({"data_dir": str(client.data), **client.parameters}))


def _render(client: Client, playbook: str, out: Path, timeout: int):
    from toolkit.running.render import render_playbook

    params = {k: v for k, v in client.parameters.items() if k != "as_of"} | {"mask_personal": client.mask_personal}
    return client.client_id, render_playbook(
        playbook, client.data, out / client.client_id, params, client.parameters.get("as_of"), timeout
    )


def render_batch(
    clients_toml: str | Path,
    out_dir: str | Path,
    jobs: int | None = None,
    timeout: int = 900,
    progress: bool = True,
    scheduler: str | None = None,
    mask_personal: bool = False,
) -> BatchSummary:
    """Render every playbook for every client; write portfolio.csv and index.html in ``out_dir``.
    Renders run in ``jobs`` local processes, or on the Dask scheduler at ``scheduler``
    (:mod:`toolkit.running.cluster`). With ``mask_personal`` every client's reports and lists
    show pseudonyms (:mod:`toolkit.privacy`)."""
    from toolkit.running.render import check_masking

    clients = [replace(c, mask_personal=mask_personal) for c in read_clients(clients_toml)]
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    out = Path(out_dir).resolve()
    check_masking(out, mask_personal)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with executor(jobs or os.cpu_count() or 1, scheduler) as pool:
            outcomes, results = _run(pool, clients, out, timeout, progress)
    except BaseException:  # stopped: the workers have ended, so what they were building is half-built
        for client in clients:
            _remove_builds(out / client.client_id)
        raise
    for cid, outcome in outcomes.items():
        if outcome.status not in REFUSED:
            _finish(outcome, results[cid], out / cid)
    ordered = [outcomes[c.client_id] for c in clients]
    portfolio = write_portfolio(out / "portfolio.csv", ordered)
    index = write_portfolio_index(out / "index.html", ordered)
    return BatchSummary(ordered, portfolio, index)


def _run(pool: Executor, clients: list[Client], out: Path, timeout: int, progress: bool):
    """Validate each client in a worker process, then render its playbooks there; a client whose
    data breaks the contract is recorded (with error.txt) and renders nothing. Interrupted, the
    renders not yet started are cancelled (each render's folder appears whole or not at all)."""
    from tqdm import tqdm

    names = playbooks.names()
    outcomes: dict[str, ClientOutcome] = {}
    results: dict[str, list[RenderResult]] = {c.client_id: [] for c in clients}
    bar = tqdm(total=len(clients) * len(names), unit="playbook", disable=not progress)
    validating: dict[Future, Client] = {pool.submit(_validate, c): c for c in clients}
    rendering: dict[Future, tuple[Client, str]] = {}
    pending: set[Future] = set(validating)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future in rendering:
                    client, name = rendering.pop(future)
                    results[client.client_id].append(_rendered(future, name, out / client.client_id))
                    bar.update(1)
                    continue
                client = validating[future]
                _, error, name, as_of, present = _validation(future, client)
                outcomes[client.client_id] = outcome = _validated(client, error, name, as_of, out)
                if outcome.status in REFUSED:
                    bar.update(len(names))
                    continue
                runnable, skipped = _runnable(client, present, out)
                results[client.client_id] += skipped
                bar.update(len(skipped))
                for p in runnable:
                    rendering[pool.submit(_render, client, p, out, timeout)] = (client, p)
                pending |= set(rendering)
            bar.set_postfix_str(f"clients done {_clients_done(outcomes, results, names)}/{len(clients)}")
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        raise
    finally:
        bar.close()
    return outcomes, results


def _runnable(client: Client, present: tuple[str, ...], out: Path) -> tuple[list[str], list[RenderResult]]:
    """The playbooks the client's folder (holding the tables ``present``) can run, and a skipped
    result for each of the others."""
    from toolkit.running import render

    paths = [render.playbook_path(n) for n in playbooks.names()]
    runnable, skipped = render.runnable_playbooks(paths, set(present), out / client.client_id)
    return [p.stem for p in runnable], skipped


def _rendered(future: Future, name: str, folder: Path) -> RenderResult:
    """A render's result; a render whose process or worker was lost (and, on a cluster, lost again
    on retry) is a failed playbook, recorded like any other failure."""
    from toolkit.running.render import RenderResult

    try:
        return future.result()[1]
    except Exception as exc:  # BrokenProcessPool, a Dask KilledWorker, a connection lost
        error = f"the process rendering it was lost ({type(exc).__name__}: {exc})".replace("\n", " ")
        files.write_text(folder / f"{name}.error.txt", f"{name} failed: {error}\n")
        return RenderResult(name, playbooks.get(name).title, "failed", folder / name, error=error)


def _validation(future: Future, client: Client) -> tuple[str, str | None, str, str, tuple[str, ...]]:
    """A client's validation, or its loss recorded as an error of that client."""
    try:
        return future.result()
    except Exception as exc:
        return client.client_id, f"the process checking the data was lost ({type(exc).__name__}: {exc})", "", "", ()


def _validated(client: Client, error: str | None, name: str, as_of: str, out: Path) -> ClientOutcome:
    if not error:
        return ClientOutcome(client.client_id, client.name or name, "ok", "", as_of)
    files.write_text(out / client.client_id / "error.txt", error + "\n")
    status = "bad parameters" if error.startswith(PARAMETERS_PREFIX) else "bad data"
    return ClientOutcome(
        client.client_id, client.name or name, status, error.splitlines()[0] + " (see error.txt)", as_of
    )


def _finish(outcome: ClientOutcome, results: list[RenderResult], folder: Path) -> None:
    """A rendered client's status, message and KPIs from its playbooks' results, and its index page.
    Build folders a lost process left behind are removed: every render of the client is over."""
    from toolkit.running.history import movement
    from toolkit.running.render import list_links, write_set_index

    _remove_builds(folder)
    names = playbooks.names()
    rendered = sorted(results, key=lambda r: names.index(r.name))
    failed = [r for r in rendered if r.status == "failed"]
    if failed:
        outcome.status = "failed"
        outcome.message = "; ".join(f"{r.name}: {(r.error or '').splitlines()[0]}" for r in failed)
    for r in rendered:
        if r.results:
            outcome.kpis.update(r.results["kpis"])
            since = r.results.get("since")
            if since:
                outcome.since = max(outcome.since, since["as_of"])
                outcome.changes.update(since["changes"])
                outcome.moved.update(movement(r.name, since))
    outcome.lists = ", ".join(
        filter(
            None,
            (list_links(f"{folder.name}/{r.folder.name}", r.results.get("lists", {})) for r in rendered if r.results),
        )
    )
    write_set_index(folder, outcome.name, outcome.as_of, rendered)


def _remove_builds(folder: Path) -> None:
    """Remove the build folders in a client's report set once no process renders into it: a worker
    that was lost or stopped may have left one (a stopped worker that cannot unwind in time is
    killed before it removes its own)."""
    for stale in folder.glob(".build-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _clients_done(outcomes, results, names) -> int:
    return sum(o.status in REFUSED or len(results[cid]) == len(names) for cid, o in outcomes.items())


def flatten_kpis(kpis: dict, prefix: str = "") -> dict:
    """KPIs as flat columns: maps become ``name.key`` columns; lists are left out."""
    flat = {}
    for key, value in kpis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_kpis(value, f"{name}."))
        elif not isinstance(value, list):
            flat[name] = value
    return flat


def portfolio_rows(outcomes: list[ClientOutcome]) -> list[dict]:
    """A row per client: id, name, status, message, as_of, every KPI, then — once a client has been
    rendered before into the same --out — the previous as_of (``since``), the headline KPIs that improved and slipped
    beyond noise, and each headline KPI's change (``change.<kpi>``) with its verdict
    (``moved.<kpi>``)."""
    headlines = [h.kpi for p in playbooks.REGISTRY.values() for h in p.headline]
    return [
        {
            "client": o.client_id,
            "name": o.name,
            "status": o.status,
            "message": o.message,
            "as_of": o.as_of,
            **flatten_kpis(o.kpis),
            **_movement_columns(o, headlines),
        }
        for o in outcomes
    ]


def _movement_columns(o: ClientOutcome, headlines: list[str]) -> dict:
    """A client's columns about its previous render; none for a client rendered for the first time."""
    if not o.since:
        return {}
    return {
        "since": o.since,
        "improved": "; ".join(k for k in headlines if o.moved.get(k) == "improved"),
        "slipped": "; ".join(k for k in headlines if o.moved.get(k) == "slipped"),
        **{f"change.{k}": o.changes[k]["difference"] for k in headlines if k in o.changes},
        **{f"moved.{k}": o.moved[k] for k in headlines if k in o.moved},
    }


def write_portfolio(path: Path, outcomes: list[ClientOutcome]) -> Path:
    """``portfolio.csv``: a row per client, a column per KPI, a status column."""
    files.write_csv(path, portfolio_rows(outcomes))
    return path


def portfolio_charts() -> list[playbooks.Headline]:
    """The headline KPIs drawn side by side for every client, in the registry's order."""
    return [h for p in playbooks.REGISTRY.values() for h in p.headline if h.chart]


def write_portfolio_index(path: Path, outcomes: list[ClientOutcome]) -> Path:
    """The batch's index page: every client's reports, the portfolio table, side-by-side charts."""
    import pandas as pd

    from toolkit.presentation.charts import bars
    from toolkit.presentation.report import build_index

    rows = []
    for o in outcomes:
        link = (
            f'<a href="{html.escape(o.client_id)}/index.html">{html.escape(o.name)}</a>'
            if o.status not in REFUSED
            else html.escape(o.name)
        )
        rows.append(
            f"<tr><td>{link}</td><td>{html.escape(o.status)}</td><td>{html.escape(o.as_of)}</td>"
            f"<td>{html.escape(o.message)}</td><td>{o.lists}</td></tr>"
        )
    clients = (
        "<table><thead><tr><th>Client</th><th>Status</th><th>As of</th><th>Message</th><th>Lists</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    frame = pd.DataFrame([{"client": o.name, **o.kpis} for o in outcomes if o.kpis])
    charts, bodies = [], []
    for h in portfolio_charts():
        if h.kpi in frame and frame[h.kpi].notna().any():
            data = frame[["client", h.kpi]].dropna()
            charts.append(bars(data, h.kpi, "client", h.label, x_format=h.format).to_dict())
            bodies.append(f'<div class="chart" id="chart-{len(charts) - 1}"></div>')
    table = _kpi_table(frame)
    sections = [("Clients", clients), ("Portfolio", table)]
    if any(o.since for o in outcomes):
        sections.append(("Since the previous render", _movement_table(outcomes)))
    if bodies:
        sections.append(("Clients side by side", "".join(bodies)))
    ok = sum(o.status == "ok" for o in outcomes)
    page = build_index(
        "Portfolio of relationship playbooks", f"{ok} of {len(outcomes)} clients rendered", sections, charts
    )
    files.write_text(path, page)
    return path


def _movement_table(outcomes: list[ClientOutcome]) -> str:
    """Per client rendered before: the previous as_of, and each headline KPI's change with whether
    it improved or slipped beyond noise."""
    from toolkit.presentation.stories.trends import difference_text

    headlines = [h for p in playbooks.REGISTRY.values() for h in p.headline]
    shown = [h for h in headlines if any(h.kpi in o.changes for o in outcomes)]
    head = "".join(f"<th>{html.escape(h.kpi.replace('_', ' '))}</th>" for h in shown)
    rows = []
    for o in outcomes:
        if not o.since:
            continue
        cells = "".join(
            f"<td>{html.escape(difference_text(o.changes[h.kpi]['difference'], h.format))} "
            f"({html.escape(o.moved.get(h.kpi, ''))})</td>"
            if h.kpi in o.changes and o.changes[h.kpi].get("difference") is not None
            else "<td>n/a</td>"
            for h in shown
        )
        rows.append(f"<tr><td>{html.escape(o.name)}</td><td>{html.escape(o.since)}</td>{cells}</tr>")
    return (
        f"<table><thead><tr><th>Client</th><th>Since</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<p class='kpi-note'>Each change is beyond noise (improved or slipped) only when its 95% test says so; "
        "otherwise it is within noise.</p>"
    )


def _kpi_table(frame) -> str:
    if frame.empty:
        return "<p>No client rendered.</p>"
    keys = [h.kpi for h in portfolio_charts() if h.kpi in frame]
    shown = frame[["client", *keys]].set_index("client").T
    return shown.to_html(float_format=lambda v: f"{v:.2f}", na_rep="n/a", border=0)
