"""The kernel manager of the workshop's Voila server: Jupyter server's own, with each app's kernel
forked from the kernel server (:mod:`toolkit.running.kernels`), so an app that is not kept ready
still opens without a cold kernel's imports. Apart from renders because it imports Jupyter server.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

from toolkit.running.kernels import Forked


class ForkedServerKernelManager(Forked, ServerKernelManager):
    """A Voila page's kernel, forked from the kernel server of the Voila process."""
