"""Fixtures shared by the integration tests beyond tests/conftest.py."""
from tests.integration.ami_fakes import fake, make_link  # noqa: F401  (fixtures)
