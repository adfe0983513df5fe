"""The ``playbook`` command: parses arguments and makes one call into the toolkit.

Exit codes: 0 all done; 1 some playbook or client failed (the rest still
rendered); 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from toolkit import playbooks
from toolkit.errors import DataError, ToolkitError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

EPILOG = """exit codes: 0 all done; 1 some playbook or client failed (the rest still rendered);
2 bad input or usage. Data folders are only read, never written (holdout design writes the one
new file its --out names, never over an existing one)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with the usage line, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"playbook: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="playbook",
        description="Dealer relationship playbooks: measure a dealership's "
        "customer relationships from its own CRM and service data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for add in (
        _add_demo,
        _add_render,
        _add_batch,
        _add_lab,
        _add_workshop,
        _add_validate,
        _add_import,
        _add_sample,
        _add_holdout,
    ):
        add(sub)
    return parser


def _add_demo(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="render every playbook for the shipped sample dealership",
        description="Render every playbook for the shipped sample dealership "
        "(data/sample) into OUT (default reports/demo), then print the index page's path.",
    )
    p.add_argument("--out", default="reports/demo", help="output folder (default: reports/demo)")
    p.add_argument(
        "--mask-personal",
        action="store_true",
        help="show stable pseudonyms instead of customers' names, e-mails, phones and postal codes and staff "
        "names in every file written (for reports that leave the dealership)",
    )


def _add_render(sub) -> None:
    p = sub.add_parser(
        "render",
        help="render one playbook, or all, for a dealer's data folder",
        description="Execute playbooks on a dealer's data folder and write OUT/<name>/report.html, "
        "executed.ipynb and results.json, plus OUT/index.html.",
        epilog=EPILOG,
    )
    p.add_argument(
        "playbook",
        help=f"a playbook name ({', '.join(playbooks.REGISTRY)}), 'all', or the path of a notebook",
    )
    p.add_argument("--data", required=True, help="the dealer's data folder (CSV or Parquet tables + dealer.toml)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a playbook parameter, e.g. -p salesperson=S04 (repeatable; values read as JSON when possible)",
    )
    p.add_argument(
        "--as-of",
        help="run the analysis as of this date (default: dealer.toml's as_of, else the latest date in the data)",
    )
    p.add_argument("--timeout", type=int, default=900, help="seconds one cell may run (default 900)")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="playbooks rendered at a time (default 1; each holds the data in memory, so a large dealer group "
        "needs memory for each)",
    )
    p.add_argument(
        "--mask-personal",
        action="store_true",
        help="show stable pseudonyms instead of customers' names, e-mails, phones and postal codes and staff "
        "names in every file written (for reports that leave the dealership)",
    )


def _add_batch(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="render a report set per client and a portfolio table",
        description="Render every playbook for every client in CLIENTS.toml: OUT/<client>/..., "
        "OUT/portfolio.csv (a row per client, a column per KPI, a status column) and "
        "OUT/index.html. One client's failure is recorded and the others still render.",
        epilog='CLIENTS.toml holds a [clients.<id>] table per client with data = "path" '
        '(relative to the file) and optional name = "..." and [clients.<id>.parameters].\n\n' + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("clients", help="the CLIENTS.toml file")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--jobs", type=int, default=None, help="parallel processes (default: the number of cores)")
    p.add_argument("--timeout", type=int, default=900, help="seconds one cell may run (default 900)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="render on the Dask scheduler at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster with one "
        'worker per core; workers must see the data folders and --out at the same paths (needs pip install ".[dask]")',
    )
    p.add_argument(
        "--mask-personal",
        action="store_true",
        help="show stable pseudonyms instead of customers' names, e-mails, phones and postal codes and staff "
        "names in every file written (for reports that leave the dealership)",
    )


def _add_lab(sub) -> None:
    p = sub.add_parser(
        "lab",
        help="open JupyterLab on working copies of the playbooks",
        description="Copy the playbooks into a working folder (existing copies are kept) with "
        "the data folder preset, and the mapping helper for importing exports (import_mapping.ipynb), and open "
        "JupyterLab there. The installed originals are never edited.",
    )
    p.add_argument("--data", help="the dealer's data folder (default: the shipped sample dealership)")
    p.add_argument("--exports", help="a folder of DMS/CRM exports for the mapping helper (import_mapping.ipynb)")
    p.add_argument("--dir", default="playbooks-work", help="working folder (default: playbooks-work)")
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    p.add_argument("--reset", action="store_true", help="replace existing working copies with fresh ones")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")


def _add_workshop(sub) -> None:
    p = sub.add_parser(
        "workshop",
        help="prepare a workshop folder and serve the playbooks as apps",
        description="Prepare a workshop folder (a data copy per persona, the playbooks per persona, "
        "the facilitator's guide) and serve it with Voila: code hidden, widgets live.",
    )
    p.add_argument("--out", default="workshop", help="workshop folder (default: workshop)")
    p.add_argument(
        "--personas",
        nargs="+",
        default=["relationship", "transactional", "mixed"],
        help="personas to prepare (default: relationship transactional mixed)",
    )
    p.add_argument("--customers", type=int, default=2000, help="customers per generated store (default 2000)")
    p.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    p.add_argument("--no-serve", action="store_true", help="prepare the folder only")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--ready",
        type=int,
        default=1,
        help="kernels kept ready per app so it opens at once, about 300 MB each (default 1; 0: none)",
    )


def _add_validate(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check a data folder against the data contract",
        description="Check a data folder against the data contract. Prints a summary per table "
        "(exit 0) or every problem found, naming file, column and rows (exit 2).",
    )
    p.add_argument("data", help="the dealer's data folder")


def _add_import(sub) -> None:
    p = sub.add_parser(
        "import",
        help="turn a folder of DMS/CRM exports into a data folder",
        description="Read a folder of a dealer's own exports (CSV in any common encoding or delimiter, Excel), "
        "recognise the table each holds, map its columns and values to the data contract and write OUT as a data "
        "folder with the mapping used (OUT/mapping.toml). SOURCE is only read. When an export cannot be "
        "converted, only OUT/mapping-draft.toml is written, saying what it still needs (exit 2).",
    )
    p.add_argument("source", help="the folder of exports")
    p.add_argument("--out", required=True, help="the data folder to write (new, empty or an earlier import)")
    p.add_argument("--mapping", help="a mapping file (an earlier mapping.toml, edited) to use instead of suggestions")
    p.add_argument("--name", help="the dealership's name, when SOURCE has no dealer.toml")


def _add_sample(sub) -> None:
    p = sub.add_parser(
        "sample",
        help="generate a synthetic dealership",
        description="Write a synthetic dealership with every table of the data contract.",
    )
    p.add_argument("--out", required=True, help="folder to write (created if missing)")
    p.add_argument("--customers", type=int, default=2000, help="number of customers (default 2000)")
    p.add_argument(
        "--persona",
        default="mixed",
        choices=["relationship", "transactional", "mixed"],
        help="how the staff behave (default mixed: a relationship store with one transactional salesperson)",
    )
    p.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data (default 7)")
    p.add_argument("--as-of", default="2025-06-30", help="the last day of the data (default 2025-06-30)")
    p.add_argument("--format", default="csv", choices=["csv", "parquet"], help="table file format (default csv)")
    p.add_argument(
        "--stores",
        type=int,
        default=0,
        help="make a dealer group of N stores sharing the customers, each row with its store_id; every store is "
        "of --persona except the last, its contrast (default: one store, no store_id)",
    )


def _add_holdout(sub) -> None:
    p = sub.add_parser(
        "holdout",
        help="design a randomised holdout test for a campaign",
        description="Draw the customers to keep back from a campaign (the holdouts table) and say how large a "
        "difference in later service spend the test could see.",
    )
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="ACTION")
    d = actions.add_parser(
        "design",
        help="draw a stratified random holdout group",
        description="Draw a stratified random holdout group for a campaign's audience and write the holdouts "
        "table; a new file only, never over an existing one.",
    )
    d.add_argument("--data", required=True, help="the dealer's data folder (only read)")
    d.add_argument("--campaign", required=True, help="the campaign's id, as it will appear in campaigns.csv")
    d.add_argument("--channel", help="the campaign's channel (default: its channel in campaigns.csv)")
    d.add_argument("--share", type=float, default=0.1, help="share of the audience to keep back (default 0.1)")
    d.add_argument("--seed", type=int, required=True, help="random seed, kept so the draw can be repeated")
    d.add_argument("--out", required=True, help="CSV file to write, e.g. DATA/holdouts.csv")
    d.add_argument("--assigned-at", help="the day the groups are drawn, YYYY-MM-DD (default today)")


def _cmd_holdout(args) -> int:
    import datetime as dt

    import pandas as pd

    from toolkit import files
    from toolkit.analyses import holdouts
    from toolkit.inputs.dealer import load_dealer
    from toolkit.inputs.schema import CHANNELS
    from toolkit.presentation.stories.engagement import describe_design

    out = Path(args.out)
    if out.exists():
        raise UsageError(f"--out {out.name} already exists; a holdout draw never replaces one (choose another name)")
    if out.suffix.lower() != ".csv":
        raise UsageError(f"--out must name a .csv file; got {out.name}")
    try:
        assigned = pd.Timestamp(args.assigned_at or dt.date.today().isoformat())
    except ValueError:
        raise UsageError(f"--assigned-at must be a date such as 2025-07-01; got {args.assigned_at!r}") from None
    dealer = load_dealer(args.data, cache=False)
    campaigns = dealer.tables.get("campaigns")
    known = campaigns.set_index("campaign_id")["channel"] if campaigns is not None else pd.Series(dtype="str")
    channel = args.channel or (known.get(args.campaign) if args.campaign in known.index else None)
    if channel is None or pd.isna(channel):
        raise UsageError(
            f"campaign {args.campaign} has no channel in campaigns.csv; give --channel ({', '.join(CHANNELS)})"
        )
    if channel not in CHANNELS:
        raise UsageError(f"--channel must be one of {', '.join(CHANNELS)}; got {channel!r}")
    as_of = dealer.as_of or assigned
    rows = holdouts.design(
        dealer["customers"], dealer["repair_orders"], as_of, args.campaign, channel, args.share, args.seed, assigned
    )
    files.write_csv(out, rows.to_dict("records"), list(rows.columns))
    print(
        describe_design(args.campaign, channel, holdouts.power(rows, dealer["repair_orders"], as_of), dealer.currency)
    )
    print(f"wrote {len(rows):,} rows to {out}")
    return EXIT_OK


def _cmd_validate(args) -> int:
    from toolkit.inputs.dealer import load_dealer, summarise_folder

    dealer = load_dealer(args.data, cache=False)
    print(f"{dealer.name}: the data follows the contract (as of {dealer.as_of_text or 'no dates in the data'})\n")
    print(summarise_folder(dealer).to_string(index=False))
    print("\nplaybooks:")
    for name, state in playbooks.readiness(set(dealer.tables)).items():
        print(f"  {name:20} {state}")
    if dealer.warnings:
        print(f"\n{len(dealer.warnings)} warning{'s' if len(dealer.warnings) > 1 else ''} (rows kept):")
        for warning in dealer.warnings:
            print(f"  - {warning}")
    return EXIT_OK


def _cmd_import(args) -> int:
    from toolkit.inputs import importing

    source, out = Path(args.source), Path(args.out)
    mapping = Path(args.mapping) if args.mapping else None
    importing.check_folders(source, out)
    name = args.name
    if not name and importing.name_needed(source, mapping) and sys.stdin.isatty():
        name = input("The dealership's name (for dealer.toml): ").strip() or None
    try:
        result = importing.imported(source, mapping, name)
    except importing.UnfinishedImport as exc:
        draft = importing.write_draft(exc.draft, out)
        exc.after = f"nothing imported; the mapping so far, with what each export still needs, is in {draft}"
        raise
    importing.write_import(result, out)
    print("\n".join(importing.summary_lines(result, out)))
    return EXIT_OK


def _cmd_sample(args) -> int:
    from toolkit.sample import write_sample

    if args.customers < 10:
        raise UsageError("--customers must be at least 10")
    if args.stores < 0 or (args.stores and args.customers // args.stores < 10):
        raise UsageError(
            f"--stores must be 0 (one store) or a number of stores with at least 10 customers each, not {args.stores}"
        )
    out = write_sample(args.out, args.customers, args.persona, args.seed, args.as_of, args.format, args.stores)
    group = f" group of {args.stores} stores" if args.stores else " dealership"
    print(f"wrote a {args.persona} sample{group} of {args.customers} customers to {out}")
    return EXIT_OK


def _report(results) -> int:
    for r in results:
        line = f"  {r.status:7} {r.name:20} {r.seconds:5.1f}s"
        print(line + (f"  {r.error.splitlines()[0]}" if r.error else ""))
    return EXIT_OK if all(r.status in ("ok", "skipped") for r in results) else EXIT_FAILED


def _start_kernel_server() -> None:
    """Start the kernel server before the render side's own imports, which take about a second:
    its imports run beside them, so the first kernel is ready sooner."""
    from toolkit.running import kernels

    kernels.prepare()


def _cmd_render(args) -> int:
    _start_kernel_server()
    from toolkit.running.render import parse_parameter, render_set

    names = playbooks.names() if args.playbook == "all" else [args.playbook]
    params = dict(parse_parameter(p) for p in args.parameter)
    results = render_set(
        names,
        args.data,
        args.out,
        params,
        args.as_of,
        timeout=args.timeout,
        mask_personal=args.mask_personal,
        jobs=args.jobs,
    )
    code = _report(results)
    print(f"index: {Path(args.out).resolve() / 'index.html'}")
    return code


def _cmd_demo(args) -> int:
    _start_kernel_server()
    from toolkit.resources import sample_dir
    from toolkit.running.render import render_set

    results = render_set(
        playbooks.names(), sample_dir(), args.out, mask_personal=args.mask_personal, jobs=os.cpu_count() or 1
    )
    code = _report(results)
    print(f"open {Path(args.out).resolve() / 'index.html'}")
    return code


def _cmd_batch(args) -> int:
    from toolkit.running.batch import render_batch

    summary = render_batch(
        args.clients,
        args.out,
        jobs=args.jobs,
        timeout=args.timeout,
        scheduler=args.scheduler,
        mask_personal=args.mask_personal,
    )
    for client in summary.clients:
        print(f"  {client.status:8} {client.client_id:20} {client.message}")
    print(f"portfolio: {summary.portfolio}\nindex: {summary.index}")
    return EXIT_OK if summary.all_ok else EXIT_FAILED


def _cmd_lab(args) -> int:
    import subprocess

    from toolkit.inputs.dealer import load_dealer
    from toolkit.running.workspace import jupyter_args, prepare_helpers, prepare_playbooks

    if args.data:
        load_dealer(args.data)  # refuse bad data before a server starts
    folder = Path(args.dir).resolve()
    notebooks = prepare_playbooks(folder, args.data, reset=args.reset)
    prepare_helpers(folder, args.exports, reset=args.reset)
    print(f"{len(notebooks)} playbooks in {folder}" + (f", reading {Path(args.data).resolve()}" if args.data else ""))
    return subprocess.call(jupyter_args(folder, args.port, not args.no_browser))


def _cmd_workshop(args) -> int:
    import subprocess

    from toolkit.running.workspace import prepare_workshop, voila_args

    if args.ready < 0:
        raise UsageError("--ready must be 0 or more kernels per app")
    folder = prepare_workshop(args.out, args.personas, args.customers).resolve()
    print(f"workshop folder: {folder}\n  facilitator's guide: {folder / 'facilitator-guide.html'}")
    for persona in args.personas:
        print(f"  {persona}: {folder / persona}")
    if args.no_serve:
        return EXIT_OK
    print(f"serving the apps; start at http://127.0.0.1:{args.port}/voila/render/Welcome.ipynb (Ctrl-C to stop)")
    return subprocess.call(voila_args(folder, args.port, not args.no_browser, args.ready))


COMMANDS = {
    "lab": _cmd_lab,
    "workshop": _cmd_workshop,
    "validate": _cmd_validate,
    "import": _cmd_import,
    "sample": _cmd_sample,
    "holdout": _cmd_holdout,
    "render": _cmd_render,
    "demo": _cmd_demo,
    "batch": _cmd_batch,
}


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)  # a SIGTERM stops the command as Ctrl-C does
    try:
        return COMMANDS[args.command](args)
    except (DataError, UsageError) as exc:
        print(f"playbook {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ToolkitError as exc:  # a render that could not finish
        print(f"playbook {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            f"playbook {args.command}: stopped; reports already finished are kept, none is left half-written",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
