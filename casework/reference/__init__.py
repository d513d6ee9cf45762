"""Departments, deadline rules and holiday overrides: the reference data the workflow reads."""
