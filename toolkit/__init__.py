"""Dealer relationship playbooks: the helper package behind the notebooks.

Import what you need from its modules (``toolkit.data``, ``toolkit.cadence`` …);
this package imports nothing heavy by itself so a kernel starts quickly.
"""

__version__ = "0.1.0"
