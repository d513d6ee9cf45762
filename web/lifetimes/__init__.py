"""Cleanup contexts: each resource's lifetime, started and ended by create_app."""
