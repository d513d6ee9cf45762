"""Typed failures of the AMI link, each with a Chinese message an operator can act on.

Callers (agent desk, supervisor tools, health page) show `str(exc)` as is, so every message says
what happened and whether the action may still have taken effect at the PBX.
"""
from __future__ import annotations


class AmiError(Exception):
    """Base of every link failure; `action` names the AMI action involved, if any."""

    def __init__(self, message: str, *, action: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.action = action
        self.detail = detail


class AmiNotConnected(AmiError):
    """The link is down: nothing was sent, so the action can be retried once the PBX is back."""

    def __init__(self, action: str, last_failure: str = "") -> None:
        why = f"（{last_failure}）" if last_failure else ""
        super().__init__(f"PBX 未连接，{action} 未发送{why}", action=action, detail=last_failure)


class AmiClosed(AmiError):
    """The link was closed on purpose (shutdown); no further actions are accepted."""

    def __init__(self, action: str = "") -> None:
        super().__init__(f"PBX 链路已关闭{f'，{action} 未完成' if action else ''}", action=action)


class AmiTimeout(AmiError):
    """No answer in time. The PBX may still have executed the action: it is never resent."""

    def __init__(self, action: str, seconds: float) -> None:
        hint = "，未重发，请先核实是否已经外呼" if action.lower() == "originate" else ""
        super().__init__(f"PBX 未响应：{action} 在 {seconds:g} 秒内没有应答{hint}", action=action)
        self.seconds = seconds


class AmiConnectionLost(AmiError):
    """The connection dropped while the action waited; it is never resent on reconnect."""

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"PBX 连接中断，{action} 未得到应答且不会重发（{reason}）", action=action, detail=reason)


class AmiActionFailed(AmiError):
    """The PBX answered `Response: Error`; `detail` carries its own Message text."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"PBX 拒绝了 {action}：{message or '未说明原因'}", action=action, detail=message)


class AmiLoginFailed(AmiError):
    """Wrong user or secret (or no AMI permission): the link keeps retrying with backoff."""

    def __init__(self, message: str) -> None:
        super().__init__(f"PBX 登录失败：{message or '用户名或密码错误'}", action="Login", detail=message)
