"""Running playbooks: rendering one dealer's reports, batches for consultants, and the working
folders for JupyterLab and workshops."""
