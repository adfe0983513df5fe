"""What a person reads or clicks: numbers in words, the stories each playbook tells, tables, charts,
widgets, and the offline HTML pages."""
