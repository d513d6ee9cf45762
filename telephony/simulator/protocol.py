"""The AMI wire format: `Key: Value\\r\\n` lines, a message ends with an empty line; UTF-8 text."""
from __future__ import annotations

from typing import Iterable, Sequence

Fields = Sequence[tuple[str, str]]


class Message:
    """An action received from a client. Header lookup is case-insensitive, first match wins."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers

    def get(self, key: str, default: str = "") -> str:
        wanted = key.lower()
        for name, value in self.headers:
            if name.lower() == wanted:
                return value
        return default

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.headers if name.lower() == wanted]

    @property
    def action(self) -> str:
        for name, value in self.headers:
            if name.lower() == "action" and value:
                return value
        return ""

    @property
    def action_id(self) -> str:
        return self.get("ActionID")

    def variables(self) -> list[tuple[str, str]]:
        """`Variable: a=1,b=2` headers (repeatable, comma separated) as (name, value) pairs."""
        out: list[tuple[str, str]] = []
        for header in self.get_all("Variable"):
            for item in header.split(","):
                name, sep, value = item.partition("=")
                if sep and name.strip():
                    out.append((name.strip(), value))
        return out


def parse_line(line: str) -> tuple[str, str] | None:
    """`Key: Value` → (Key, Value); Asterisk skips the blanks after the colon."""
    name, sep, value = line.partition(":")
    if not sep:
        return None
    return name.strip(), value.lstrip(" \t")


def encode(fields: Iterable[tuple[str, str]]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n").encode("utf-8")


def response(msg: Message, status: str = "Success", message: str | None = None,
             extra: Fields = (), listflag: str | None = None) -> list[tuple[str, str]]:
    """astman_send_response_full(): Response, ActionID, EventList, Message, then any extra lines."""
    fields = [("Response", status)]
    if msg.action_id:
        fields.append(("ActionID", msg.action_id))
    if listflag:
        fields.append(("EventList", listflag))
    if message is not None:
        fields.append(("Message", message))
    fields.extend(extra)
    return fields


def error(msg: Message, message: str) -> list[tuple[str, str]]:
    return response(msg, "Error", message)


def list_complete(msg: Message, event: str, count: int) -> list[tuple[str, str]]:
    """astman_send_list_complete_start/end(): the `…Complete` event closing an event list."""
    fields = [("Event", event)]
    if msg.action_id:
        fields.append(("ActionID", msg.action_id))
    fields += [("EventList", "Complete"), ("ListItems", str(count))]
    return fields


def parse_callerid(text: str) -> tuple[str, str]:
    """`"王五" <13800138000>` → ("王五", "13800138000"); a bare number is a number."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        name, _, num = text[:-1].rpartition("<")
        return name.strip().strip('"'), num.strip()
    if text.replace("+", "").isdigit():
        return "", text
    return text.strip('"'), ""
