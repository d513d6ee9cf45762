"""WMA and PBX recordings linked to calls and cases (issue 6).

`setup(app)` wires the module into the web application; `hotline recordings …` comes from
`recordings.cli.add_cli`. Importing the package itself stays light (the matcher is pure).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web


def setup(app: "web.Application") -> None:
    """See recordings/app.py."""
    from recordings.app import setup as _setup
    _setup(app)
