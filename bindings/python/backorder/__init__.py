"""backorder: accept, queue, fill and report backorders (libbackorder via ctypes).

Needs nothing but the shared library ``libbackorder.so.0``: no compiler, no
third-party module.  The library is found through the environment variable
``BACKORDER_LIBRARY`` (a path), else next to the installed package, else
where the dynamic linker looks.

Example::

    import backorder
    from datetime import datetime, timezone

    with backorder.Inventory() as inv:                 # a memory store
        inv.set_item("necklace", lead_time_days=14)
        inv.on_event(lambda ev: print(ev.seq, ev.kind, ev.order, ev.qty, ev.eta))
        inv.place("A-1", {"necklace": 1})              # waits: nothing in stock
        inv.receive("necklace", 1)                     # A-1 is allocated
        inv.ship("A-1")

See :class:`Inventory` for the operations and :mod:`backorder.errors` for
the exceptions (all subclasses of :class:`Error`).
"""

from __future__ import annotations

from . import _ffi
from .errors import (Error, Exists, InvalidArgument, NotFound, OutOfStock,
                     ParseError, StateError, StorageError)
from .inventory import Inventory
from .model import (AGE_BUCKETS, EVENT_KINDS, Event, ItemStatus, Line,
                    LineAllocation, LineView, Location, Order, Report,
                    ReportDay, ReportItem, Stock, Supply, WaitingLine)

__all__ = [
    "Inventory",
    "Error", "ParseError", "InvalidArgument", "NotFound", "Exists", "OutOfStock",
    "StateError", "StorageError",
    "Event", "ItemStatus", "Line", "LineView", "Order", "Supply", "WaitingLine",
    "Location", "Stock", "LineAllocation",
    "Report", "ReportItem", "ReportDay", "EVENT_KINDS", "AGE_BUCKETS",
    "library_version", "library_path", "store_available", "status_name",
]

#: Version of these bindings (they follow the C library's version).
__version__ = "0.3.0"


def library_version() -> str:
    """The loaded C library's version string, e.g. ``"0.3.0"``."""
    return _ffi.decode(_ffi.load().bo_version()) or ""


def library_path() -> str:
    """The path (or name) the C library was loaded from."""
    _ffi.load()
    return _ffi.library_path() or ""


def store_available(kind: str) -> bool:
    """Whether the library was built with the store adapter ``kind``
    (``"memory"``, ``"sqlite"``, ``"postgres"``)."""
    if not isinstance(kind, str):
        raise InvalidArgument("kind must be a str")
    return bool(_ffi.load().bo_store_available(kind.encode("utf-8")))


def status_name(code: int) -> str:
    """The trace-format name of a C status code ("invalid", "not_found", ...)."""
    return _ffi.decode(_ffi.load().bo_status_name(int(code))) or "unknown"
