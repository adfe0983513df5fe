"""Whether a person is looking: live widgets and charts, or the static report view.

:mod:`toolkit.running.render` sets ``DEALER_PLAYBOOK_STATIC=1`` for the kernels it
starts, so a rendered report is built from its parameters alone and carries no
widgets. In JupyterLab and Voila the variable is unset and widgets appear.
"""

from __future__ import annotations

import os

STATIC_ENV = "DEALER_PLAYBOOK_STATIC"


def is_interactive() -> bool:
    """True when the notebook runs in a live front end (JupyterLab, Voila)."""
    return os.environ.get(STATIC_ENV) != "1"
