"""The connection states the monitor reports and the toolbar shows (no network code,
so the window can import them without loading the HTTP stack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Connection(StrEnum):
    UNKNOWN = "unknown"  # no probe has answered yet
    ONLINE = "online"
    OFFLINE = "offline"  # the computer has no network
    UNREACHABLE = "unreachable"  # network up, FieldAgent not answering
    SIGNED_OUT = "signed_out"  # FieldAgent answers but refuses our sign-in


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    state: Connection
    since: datetime
    reason: str  # one sentence for the tooltip

    @property
    def can_sync(self) -> bool:
        return self.state is Connection.ONLINE
