"""Working copies of the playbooks for JupyterLab and for workshops.

People explore copies, never the installed originals: :func:`prepare_playbooks`
copies the shipped notebooks into a folder with the data folder injected as a
parameter (papermill's own ``injected-parameters`` cell), and keeps any copy
that is already there, so a dealer's edits survive the next ``playbook lab``.
:func:`prepare_workshop` builds a workshop folder: a data copy per persona, a
set of playbooks per persona, and the facilitator's guide.
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import sys
from pathlib import Path

from toolkit import files, playbooks
from toolkit.errors import UsageError
from toolkit.presentation.report import build_document
from toolkit.resources import sample_dir, shipped

PERSONA_SUMMARIES = {  # what each store shows, on the workshop's landing page
    "relationship": "everyone follows up personally, books the first service and keeps good records",
    "transactional": "templates, more asking than giving, and buyers lost to other service shops",
    "mixed": "the shipped sample: a relationship-driven store with one transactional salesperson (S04)",
}


def prepare_playbooks(
    dest: str | Path, data_dir: str | Path | None = None, reset: bool = False, mask_personal: bool = False
) -> list[Path]:
    """Copy every shipped playbook into ``dest`` with ``data_dir`` (and ``mask_personal`` when
    set) injected; existing copies are kept unless ``reset``. Returns the notebooks' paths."""
    injected: dict[str, object] = {"data_dir": str(Path(data_dir).resolve())} if data_dir else {}
    if mask_personal:
        injected["mask_personal"] = True
    return [
        _copied(shipped("playbooks", f"{name}.ipynb"), Path(dest), injected, reset, "Data folder")
        for name in playbooks.names()
    ]


HELPERS = ("import_mapping",)  # notebooks beside the playbooks that are not reports


def prepare_helpers(dest: str | Path, exports: str | Path | None = None, reset: bool = False) -> list[Path]:
    """Copy the helper notebooks (the mapping helper) into ``dest``, with the folder of
    ``exports`` injected; existing copies are kept unless ``reset``."""
    injected: dict[str, object] = {"source_dir": str(Path(exports).resolve())} if exports else {}
    return [_copied(shipped("helpers", f"{name}.ipynb"), Path(dest), injected, reset, "Exports") for name in HELPERS]


def _copied(notebook: Path, dest: Path, injected: dict[str, object], reset: bool, comment: str) -> Path:
    """``notebook`` copied into ``dest`` with ``injected`` parameters, unless a copy is there and
    not ``reset``."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    dest.mkdir(parents=True, exist_ok=True)
    target = dest / notebook.name
    if target.exists() and not reset:
        return target
    nb = nbformat.read(notebook, as_version=4)
    if injected:
        for cell in nb.cells:  # papermill expects the metadata its own runs add
            cell.metadata.setdefault("tags", [])
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, injected, comment=comment)
    files.write_with(target, functools.partial(nbformat.write, nb))
    return target


def prepare_workshop(out: str | Path, personas: list[str], customers: int = 2000, seed: int = 7) -> Path:
    """A workshop folder: ``data/<persona>`` (the shipped sample for ``mixed``, generated stores
    otherwise), ``<persona>/`` playbooks reading that data, and ``facilitator-guide.md``. The
    apps show pseudonyms for personal data, as a report that leaves the dealership does: a room
    sees the screen, and practising on real exports should not show real customers."""
    from toolkit.presentation.charts import LIVE_MODULE, live_module
    from toolkit.sample import PERSONAS, write_sample

    unknown = [p for p in personas if p not in PERSONAS]
    if unknown:
        raise UsageError(f"unknown persona {', '.join(unknown)}; choose from {', '.join(PERSONAS)}")
    out = Path(out)
    for persona in personas:
        data = out / "data" / persona
        if not data.exists():
            if persona == "mixed":
                shutil.copytree(sample_dir(), data)
            else:
                write_sample(data, customers=customers, persona=persona, seed=seed)
        prepare_playbooks(out / persona, data, mask_personal=True)
        files.write_text(out / persona / LIVE_MODULE, live_module())  # the apps' charts draw with it
    guide = shipped("docs", "workshop.md")
    if guide.is_file():
        shutil.copyfile(guide, out / "facilitator-guide.md")
        files.write_text(out / GUIDE_PAGE, build_document(guide.read_text(encoding="utf-8")))
    write_welcome(out / WELCOME, personas)
    return out


WELCOME = "Welcome.ipynb"  # the workshop's landing page, the first app participants open
GUIDE_PAGE = "facilitator-guide.html"


def write_welcome(path: Path, personas: list[str]) -> Path:
    """The workshop's landing page (Markdown only, so it opens at once): its title, the stores
    and what each shows, each playbook as a card with a link to its app for every store, and a
    link to the facilitator's guide."""
    import nbformat

    from toolkit.sample import STORE_NAMES

    stores = "\n".join(f"- **{STORE_NAMES[p]}**: {PERSONA_SUMMARIES[p]}." for p in personas)
    cards = "\n".join(
        '<div style="border:1px solid #d5dde1;border-radius:8px;padding:10px 16px;margin:10px 0">'
        f"<h3 style='margin:4px 0'>{html.escape(p.title)}</h3><p>{html.escape(p.question)}</p><p>"
        + " · ".join(
            f'<a href="{persona}/{p.name}.ipynb">{html.escape(STORE_NAMES[persona])}</a>' for persona in personas
        )
        + "</p></div>"
        for p in playbooks.REGISTRY.values()
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Relationship playbooks workshop\n\n"
            "How well does a dealership give before it asks, know its customers, follow up after the sale, "
            "and turn engagement into revenue? Each playbook below answers one question from a store's own "
            "data. Open one for the store your table is given.\n\n"
            f"## The stores\n\n{stores}"
        ),
        nbformat.v4.new_markdown_cell(f"## The playbooks\n\n{cards}"),
        nbformat.v4.new_markdown_cell(
            f"For the facilitator: [the guide, with the agenda and the questions to ask](../files/{GUIDE_PAGE})."
        ),
    ]
    files.write_with(path, functools.partial(nbformat.write, nb))
    return path


def jupyter_args(root: Path, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line for a working folder (root needs ``--allow-root``)."""
    args = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        f"--ServerApp.root_dir={root}",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if not open_browser:
        args.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args


CULL_SECONDS = 600


# Apps not kept ready: the alignment app shows the answers given so far, and a kernel run ahead of
# time would show the room's answers as they stood before the last participants submitted.
NOT_KEPT_READY = ("cx_alignment",)
REFILL_SECONDS = 5  # running an app ahead of time takes both cores of a laptop for a few seconds


def voila_args(root: Path, port: int, open_browser: bool, ready: int = 1) -> list[str]:
    """The Voila command line serving a workshop folder as apps (code hidden, widgets live), with
    ``ready`` kernels per app run ahead of time (Voila's preheated kernels) so that an app opens at
    once; each is taken by the next page that opens the app and replaced in the background.
    Voila serves the apps' files of a few kinds only: pictures, pages and the charts' module."""
    from toolkit.presentation.charts import LIVE_MODULE

    args = [
        str(Path(sys.executable).with_name("voila")),
        str(root),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=False",
        # A closed page shuts its kernel down with Voila's own beforeunload call, which carries no
        # XSRF token and is refused without this (voila-dashboards/voila issue 1458); a kernel left
        # behind by a laptop put to sleep is culled once idle and unconnected for CULL_SECONDS.
        "--Voila.tornado_settings=disable_check_xsrf=True",
        f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        rf"--VoilaConfiguration.file_allowlist=.*\.(png|jpg|gif|svg|html)|(.*/)?{re.escape(LIVE_MODULE)}",
        "--VoilaKernelManager.kernel_manager_class=toolkit.running.app_kernels.ForkedServerKernelManager",
    ]
    if ready > 0:
        args += [
            "--preheat_kernel=True",
            f"--pool_size={ready}",
            f"--VoilaKernelManager.preheat_denylist={list(NOT_KEPT_READY)!r}",
            # the ready kernel taken is replaced once its page has drawn, not while it draws
            f"--VoilaKernelManager.fill_delay={REFILL_SECONDS}",
        ]
    if not open_browser:
        args.append("--no-browser")
    return args
