"""The desk hub: a slow browser is cut off, the others keep getting their frames."""
from __future__ import annotations

import asyncio

from agent_desk.hub import QUEUE_SIZE, Client, Hub
from casework.accounts.model import User
from casework.domain.enums import Role


class StuckSocket:
    """Stands in for aiohttp's WebSocketResponse of a browser that stopped reading."""

    def __init__(self, stuck: bool) -> None:
        self.stuck, self.sent, self.closed = stuck, [], None

    async def send_str(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(text)

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        self.closed = code


def user(uid: int) -> User:
    return User(uid, f"u{uid}", f"用户{uid}", frozenset({Role.CALL_TAKER}), None, frozenset())


async def test_slow_client_is_disconnected_and_others_are_not_slowed() -> None:
    hub = Hub()
    slow, fast = Client(user(1), StuckSocket(True)), Client(user(2), StuckSocket(False))
    for client in (slow, fast):
        hub._add(client)
        client.topics.add("board")
    writers = [asyncio.create_task(c.write_all()) for c in (slow, fast)]
    for i in range(QUEUE_SIZE + 10):
        hub.to_topic("board", {"type": "board", "n": i})
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    assert slow.dropped and slow not in hub.clients and hub.slow_disconnects == 1
    assert slow.ws.closed is not None
    assert len(fast.ws.sent) == QUEUE_SIZE + 10
    for w in writers:
        w.cancel()
    await asyncio.gather(*writers, return_exceptions=True)


async def test_frames_for_a_user_reach_only_that_users_desks() -> None:
    hub = Hub()
    mine, other = Client(user(1), StuckSocket(False)), Client(user(2), StuckSocket(False))
    hub._add(mine)
    hub._add(other)
    assert hub.to_user(1, {"type": "pop"}) == 1
    assert mine.queue.qsize() == 1 and other.queue.qsize() == 0
