"""Supervised background work: every long-running task of the app runs through `supervised`."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


async def supervised(name: str, work: Callable[[], Awaitable[None]], restart_delay: float = 1.0) -> None:
    """Run `work` until it returns: an unexpected error is logged and the work restarted, cancellation ends it."""
    while True:
        try:
            await work()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; restarting in %.1f s", name, restart_delay)
            await asyncio.sleep(restart_delay)
