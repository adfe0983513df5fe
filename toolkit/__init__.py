"""Dealer relationship playbooks: the helper package behind the notebooks.

Import what you need from its modules (``toolkit.data``, ``toolkit.cadence`` …);
this package imports nothing heavy by itself so a kernel starts quickly.
"""

import sys

__version__ = "0.1.0"

# jsonschema (imported by altair and nbformat) tries rfc3987-syntax for its "iri" format check, and
# that package compiles some 35 grammars on import: over a second in every render process and
# every kernel (jsonschema issue #1428). Nothing here checks IRIs, so unless something has
# imported it already, its import is refused and jsonschema goes without that one check.
sys.modules.setdefault("rfc3987_syntax", None)
