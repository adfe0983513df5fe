"""What each playbook says: one module per playbook of ``describe_*`` sentences and ``actions``."""
