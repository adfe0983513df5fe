"""Everything that reads a user's files: the data contract, parsing, checks, the cache, loading a
dealer folder, the files that change how a playbook reads the data, and collected survey answers."""
