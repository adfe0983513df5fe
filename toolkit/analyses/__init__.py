"""The analyses: pure functions from tables to tables and numbers, one module per playbook (with
the give/ask taxonomy beside reciprocity). No prose, no widgets, no writes."""
