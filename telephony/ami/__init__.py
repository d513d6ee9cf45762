"""The Asterisk AMI link: raw AMI messages in order into one bounded queue, actions with timeouts.

Only `telephony.ami.link` imports panoramisk (see there for the panoramisk defects it covers).

The sink (`asyncio.Queue[SinkItem]`, read by one consumer) receives, in order:
- `AmiMessage` events as they arrive (VarSet only for the kept variables; when the link is given
  the `events` its consumer reads, no other event unless it answers one of our actions; responses
  to our own actions never, they go to whoever sent the action; `OriginateResponse` does, it is an event);
- after each login: `LinkStateChanged(up=True)`, `{"Event": "HotlineResyncStart", "Reason":
  "connect" | "reconnect" | "request"}`, the list items of CoreShowChannels then QueueStatus (their
  `…Complete` events included), `{"Event": "HotlineResyncEnd", "Items": n}`, and then the live
  events that arrived meanwhile — held back so that the model, which resets at the start marker,
  applies them after the snapshot (they may already be reflected in it: apply idempotently);
- when a connection ends: `LinkStateChanged(up=False, reason)`, after the last message that was
  fully received on it (a frame cut by the drop is discarded, never half-delivered).
`AmiLink.state` gives the same facts for health checks (up, last failure and when, since when).
"""
from telephony.ami.errors import (AmiActionFailed, AmiClosed, AmiConnectionLost, AmiError, AmiLoginFailed,
                                  AmiNotConnected, AmiTimeout)
from telephony.ami.link import RESYNC_END, RESYNC_START, AmiLink, SinkItem
from telephony.ami.protocol import DEFAULT_KEEP_VARIABLES, AmiMessage, FrameParser
from telephony.ami.state import LinkState

__all__ = ["AmiActionFailed", "AmiClosed", "AmiConnectionLost", "AmiError", "AmiLink", "AmiLoginFailed",
           "AmiMessage", "AmiNotConnected", "AmiTimeout", "DEFAULT_KEEP_VARIABLES", "FrameParser", "LinkState",
           "RESYNC_END", "RESYNC_START", "SinkItem"]
