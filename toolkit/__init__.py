"""Dealer relationship playbooks: the helper package behind the notebooks.

Data flows one way through four layers (docs/architecture.md): ``toolkit.inputs`` reads and
checks a dealer's folder, ``toolkit.analyses`` computes tables and numbers, ``toolkit.presentation``
turns them into sentences, tables, charts and widgets, ``toolkit.running`` renders and batches.
Import what you need from its modules; this package imports nothing heavy by itself so a kernel
starts quickly. The version below is the project's only one (pyproject.toml reads it).
"""

import sys

__version__ = "0.2.0"

# jsonschema (imported by altair and nbformat) tries rfc3987-syntax for its "iri" format check, and
# that package compiles some 35 grammars on import: over a second in every render process and
# every kernel (jsonschema issue #1428). Nothing here checks IRIs, so unless something has
# imported it already, its import is refused and jsonschema goes without that one check.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None blocks the import
