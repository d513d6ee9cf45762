"""The case workflow as plain Python: no I/O, no clock of its own, no database."""
