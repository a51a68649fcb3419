"""Shared helpers of the binding tests: a settable clock and an event log."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone
from typing import List, Optional

# Run from a source tree without meson: the package is one directory up.
_HERE = os.path.dirname(os.path.abspath(__file__))
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

import backorder  # noqa: E402

UTC = timezone.utc
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return self.now

    def tick(self, delta: timedelta = DAY) -> datetime:
        self.now += delta
        return self.now


class EventLog:
    """An on_event callback that records every event."""

    def __init__(self) -> None:
        self.events: List[backorder.Event] = []

    def __call__(self, event: backorder.Event) -> None:
        self.events.append(event)

    def kinds(self, order: Optional[str] = None) -> List[str]:
        return [e.kind for e in self.events if order is None or e.order == order]

    def take(self) -> List[backorder.Event]:
        out, self.events = self.events, []
        return out


def new_inventory(clock: Optional[FakeClock] = None, **kwargs) -> backorder.Inventory:
    return backorder.Inventory("memory", clock=clock or FakeClock(), **kwargs)
