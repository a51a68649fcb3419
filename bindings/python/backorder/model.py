"""Plain Python values copied out of the library: items, orders, lines,
events, supply records and waiting lines.

These objects hold no C memory: they are snapshots, safe to keep after the
inventory that produced them is closed.  Times are aware ``datetime``
objects in UTC, or ``None`` where the library has no time (an unknown ETA,
no due date, no release time).  Quantities are ``int`` whole units.

An ETA is a promise (DESIGN.md section 6): a waiting line keeps the ETA it
was given until what that ETA rests on changes (the supply record that
covers the line, or no longer does; the record's date; the item's lead time
or release time).  It does not move because time passes or because someone
ordered later.  A line whose promised date has passed while it still waits
is *late* (``Line.late``, ``WaitingLine.late``, ``ItemStatus.late_lines``),
judged at the time the snapshot was taken: the clock, or the inventory's
time if a call already ran later than the clock reads.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, List, NamedTuple, Optional, Tuple

from . import _ffi
from .errors import InvalidArgument

__all__ = ["ItemStatus", "Line", "Order", "Event", "Supply", "WaitingLine",
           "LineView", "EVENT_KINDS", "Report", "ReportItem", "ReportDay", "AGE_BUCKETS"]

#: The ageing buckets of :attr:`ReportItem.ageing`: how long waiting lines have waited.
AGE_BUCKETS = ("under 1 day", "1-3 days", "3-7 days", "7-14 days", "14-30 days", "30 days and more")

#: Event kinds, as ``Event.kind`` spells them.
EVENT_KINDS = ("accepted", "backordered", "allocated", "ready", "shipped",
               "cancelled", "eta_changed", "back_in_stock", "released")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _seconds(delta: timedelta) -> int:
    return delta.days * 86400 + delta.seconds


_MAX_TS = _seconds(datetime.max.replace(tzinfo=timezone.utc) - _EPOCH)
_MIN_TS = _seconds(datetime.min.replace(tzinfo=timezone.utc) - _EPOCH)


# --------------------------------------------------------------------------
# Conversions between Python values and C values

def from_c_time(value: int) -> Optional[datetime]:
    """C seconds since the epoch as an aware UTC datetime (None for BO_NO_TIME).

    Times beyond what ``datetime`` can hold are clamped to its range."""
    if value == _ffi.BO_NO_TIME:
        return None
    value = max(_MIN_TS, min(_MAX_TS, value))
    return _EPOCH + timedelta(seconds=value)


def to_c_time(value: Any, what: str) -> int:
    """An aware datetime (or int seconds since the epoch) as C seconds.

    Fractions of a second are dropped (floor).  Naive datetimes are refused:
    the library's times are UTC and a naive one would be guessed."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise InvalidArgument("%s must be an aware datetime (with tzinfo), got a naive one" % what)
        return check_int64(_seconds(value - _EPOCH), what)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_int64(int(value), what)
    raise InvalidArgument("%s must be an aware datetime, got %s" % (what, type(value).__name__))


def check_int64(value: Any, what: str, minimum: Optional[int] = None) -> int:
    """``value`` as an int within int64 (and >= minimum), else InvalidArgument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument("%s must be an int, got %s" % (what, type(value).__name__))
    value = int(value)
    if value < _ffi.INT64_MIN or value > _ffi.INT64_MAX:
        raise InvalidArgument("%s is out of the 64-bit range" % what)
    if minimum is not None and value < minimum:
        raise InvalidArgument("%s must be at least %d, got %d" % (what, minimum, value))
    return value


def to_c_seconds(days: Any, what: str) -> int:
    """A duration in days (int, float or timedelta) as whole C seconds."""
    if isinstance(days, timedelta):
        seconds = days.total_seconds()
    elif isinstance(days, numbers.Real) and not isinstance(days, bool):
        if isinstance(days, float) and not math.isfinite(days):
            raise InvalidArgument("%s must be finite" % what)
        seconds = int(days) * 86400 if isinstance(days, numbers.Integral) else float(days) * 86400
    else:
        raise InvalidArgument("%s must be a number of days, got %s" % (what, type(days).__name__))
    if seconds < 0:
        raise InvalidArgument("%s must not be negative" % what)
    return check_int64(int(round(seconds)), what)


def to_bytes(value: Any, what: str) -> bytes:
    """A str argument as UTF-8 for C (no NUL inside)."""
    if not isinstance(value, str):
        raise InvalidArgument("%s must be a str, got %s" % (what, type(value).__name__))
    if "\0" in value:
        raise InvalidArgument("%s must not contain NUL characters" % what)
    return value.encode("utf-8")


def _text(raw: Any) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def _cap(value: int) -> Optional[int]:
    return None if value == _ffi.BO_UNLIMITED else value


# --------------------------------------------------------------------------
# Values

@dataclass(frozen=True)
class ItemStatus:
    """An item's state, settings and insight figures (``inv.item(sku)``).

    ``waiting_lines``, ``oldest_wait`` and ``late_lines`` are only filled by
    ``Inventory.item()``; ``Inventory.items()`` reports 0, None and 0 for
    them (they need a walk of each queue).

    ``late_lines`` counts the waiting lines whose promised ETA is before
    the time the status was read: promises the item has not kept (yet).
    """
    sku: str
    policy: str
    on_hand: int
    allocated: int
    available: int
    backordered: int
    incoming: int
    backorder: str
    in_preorder: bool
    max_backorder: Optional[int]
    lead_time: Optional[timedelta]
    release_at: Optional[datetime]
    preorder_max: Optional[int]
    waiting_lines: int
    demand: int
    filled_at_once: int
    shipped: int
    cancelled: int
    revenue_held: int
    oldest_wait: Optional[datetime]
    subscribers: int
    late_lines: int = 0
    #: Stock per location, in location order: only the locations holding or
    #: allocating units of the item (filled by ``Inventory.item()`` and
    #: ``Inventory.items()``).
    stock: Tuple["Stock", ...] = ()

    @property
    def lead_time_days(self) -> Optional[float]:
        """The lead time in days, or None."""
        if self.lead_time is None:
            return None
        return self.lead_time.total_seconds() / 86400

    @property
    def fill_rate(self) -> Optional[float]:
        """Units filled at once / units ever ordered, or None before any demand."""
        return self.filled_at_once / self.demand if self.demand else None

    @classmethod
    def _from_c(cls, st: "_ffi.bo_item_status") -> "ItemStatus":
        lead = None if st.lead_time == _ffi.BO_NO_TIME else timedelta(seconds=st.lead_time)
        return cls(
            sku=_text(st.sku), policy=_text(st.policy),
            on_hand=st.on_hand, allocated=st.allocated, available=st.available,
            backordered=st.backordered, incoming=st.incoming,
            backorder="deny" if st.backorder == _ffi.BO_BACKORDER_DENY else "allow",
            in_preorder=bool(st.in_preorder),
            max_backorder=_cap(st.max_backorder), lead_time=lead,
            release_at=from_c_time(st.release_at), preorder_max=_cap(st.preorder_max),
            waiting_lines=st.waiting_lines, demand=st.demand,
            filled_at_once=st.filled_at_once, shipped=st.shipped,
            cancelled=st.cancelled, revenue_held=st.revenue_held,
            oldest_wait=from_c_time(st.oldest_wait), subscribers=st.subscribers,
            late_lines=st.late_lines)


@dataclass(frozen=True)
class Line:
    """One line of an order: ``ordered = allocated + backordered + shipped + cancelled``.

    ``eta`` is the date promised for the waiting units (None when nothing
    waits or the date is unknown).  It is a promise: it moves only when what
    it rests on moves (the supply covering the line, the item's lead time or
    release time), never because time passes or because a later order
    joined the queue.  ``late`` is True when units wait and that promised
    date is before the time the snapshot was taken.
    """
    sku: str
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int
    unit_price: Optional[int]
    eta: Optional[datetime]
    queue_time: Optional[datetime]
    late: bool = False
    #: Where the allocated units are, in location order (the pick list):
    #: ``(location, qty)`` pairs summing to ``allocated``.
    allocations: Tuple["LineAllocation", ...] = ()

    @classmethod
    def _from_c(cls, ls: "_ffi.bo_line_status") -> "Line":
        return cls(
            sku=_text(ls.sku), ordered=ls.ordered, allocated=ls.allocated,
            backordered=ls.backordered, shipped=ls.shipped, cancelled=ls.cancelled,
            unit_price=None if ls.unit_price == _ffi.BO_NO_PRICE else ls.unit_price,
            eta=from_c_time(ls.eta), queue_time=from_c_time(ls.queue_time),
            late=bool(ls.late))


@dataclass(frozen=True)
class Order:
    """A snapshot of an order and its lines (``inv.order(order_id)``)."""
    id: str
    priority: int
    due: Optional[datetime]
    created: Optional[datetime]
    complete: bool
    lines: Tuple[Line, ...]

    @property
    def ship_mode(self) -> str:
        """``"complete"`` or ``"partial"``."""
        return "complete" if self.complete else "partial"

    def line(self, sku: str) -> Line:
        """The line of ``sku``; KeyError if the order has none."""
        for line in self.lines:
            if line.sku == sku:
                return line
        raise KeyError(sku)

    @classmethod
    def _from_handle(cls, lib: Any, handle: Any, inv: Any = None) -> "Order":
        """Copy everything out of a ``bo_order *`` (borrowed; not freed here);
        with the inventory handle ``inv``, each line's allocations too."""
        lines = []
        order_id = lib.bo_order_id(handle)
        for index in range(lib.bo_order_line_count(handle)):
            ls = _ffi.bo_line_status()
            lib.bo_order_line(ls, handle, index)
            line = Line._from_c(ls)
            if inv is not None and line.allocated > 0:
                line = replace(line, allocations=tuple(line_allocations(lib, inv, order_id, ls.sku)))
            lines.append(line)
        return cls(
            id=_text(lib.bo_order_id(handle)),
            priority=lib.bo_order_priority(handle),
            due=from_c_time(lib.bo_order_due(handle)),
            created=from_c_time(lib.bo_order_created(handle)),
            complete=lib.bo_order_ship_mode(handle) == _ffi.BO_SHIP_COMPLETE,
            lines=tuple(lines))


@dataclass(frozen=True)
class Event:
    """An event handed to the ``on_event`` callback.

    ``seq`` is unique per inventory and increasing (use it to ignore an
    event seen twice); ``kind`` is one of :data:`EVENT_KINDS`; ``order`` is
    None for item-level events (``back_in_stock``, ``released``), ``sku``
    None for order-level ones (``accepted``, ``ready``); ``eta`` is set for
    ``backordered`` (the date first promised) and ``eta_changed`` (a new
    promise, raised only when what the old one rested on changed, never
    because time passed) when known; ``customer`` only for
    ``back_in_stock``; ``time`` is the inventory's clock at the change.
    """
    seq: int
    kind: str
    order: Optional[str]
    sku: Optional[str]
    qty: int
    eta: Optional[datetime]
    customer: Optional[str]
    time: Optional[datetime]
    #: The location of the units of an ``allocated`` or ``shipped`` event
    #: (one event per location; ``"main"`` in an inventory that never named
    #: another), else None.
    location: Optional[str] = None

    @classmethod
    def _from_c(cls, lib: Any, ev: "_ffi.bo_event") -> "Event":
        return cls(
            seq=ev.seq, kind=_ffi.decode(lib.bo_event_kind_name(ev.kind)) or "unknown",
            order=_ffi.decode(ev.order_id), sku=_ffi.decode(ev.sku), qty=ev.qty,
            eta=from_c_time(ev.eta), customer=_ffi.decode(ev.customer),
            time=from_c_time(ev.time), location=_ffi.decode(ev.location))


@dataclass(frozen=True)
class Supply:
    """An expected supply record (an incoming purchase order)."""
    sku: str
    id: str
    qty: int
    expected: Optional[datetime]
    #: Where the units will arrive.
    location: str = "main"

    @classmethod
    def _from_c(cls, si: "_ffi.bo_supply_info") -> "Supply":
        return cls(sku=_text(si.sku), id=_text(si.id), qty=si.qty,
                   expected=from_c_time(si.expected),
                   location=_ffi.decode(si.location) or "main")


class Location(NamedTuple):
    """A stock location (``inv.locations()``): lower ranks give stock first,
    ties by id bytewise."""
    id: str
    rank: int


class Stock(NamedTuple):
    """An item's stock at one location (``ItemStatus.stock``)."""
    location: str
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        """Units there that no line holds."""
        return self.on_hand - self.allocated


class LineAllocation(NamedTuple):
    """A line's allocated units at one location (``Line.allocations``)."""
    location: str
    qty: int


def _collect(kind: Any, make: Callable[[Any], Any], found: List[Any]) -> Any:
    """A C callback of type ``kind`` appending ``make(record)`` to ``found``."""
    def each(_user_data: Any, rec: Any) -> int:
        try:
            found.append(make(rec.contents))
        except BaseException as exc:  # re-raised when the C call returns
            _ffi.stash_exception(exc)
            return 1
        return 0
    return kind(each)


def item_stock(lib: Any, inv: Any, sku: bytes) -> List[Stock]:
    """``bo_item_stock_foreach()``: the item's stock per location."""
    found: List[Stock] = []
    cb = _collect(_ffi.bo_stock_cb, lambda s: Stock(_text(s.location), s.on_hand, s.allocated), found)
    lib.bo_item_stock_foreach(inv, sku, cb, None)
    return found


def line_allocations(lib: Any, inv: Any, order_id: bytes, sku: bytes) -> List[LineAllocation]:
    """``bo_line_alloc_foreach()``: a line's allocated units per location."""
    found: List[LineAllocation] = []
    cb = _collect(_ffi.bo_line_alloc_cb, lambda a: LineAllocation(_text(a.location), a.qty), found)
    lib.bo_line_alloc_foreach(inv, order_id, sku, cb, None)
    return found


@dataclass(frozen=True)
class WaitingLine:
    """A waiting line as seen from its item's queue (``inv.waiting(sku)``).

    ``eta`` is the promised date (see :class:`Line`), None when unknown;
    ``late`` is True when that date is before the time the queue was read.
    """
    order: str
    sku: str
    position: int
    units_ahead: int
    backordered: int
    eta: Optional[datetime]
    queue_time: Optional[datetime]
    late: bool = False

    @classmethod
    def _from_c(cls, wl: "_ffi.bo_waiting_line") -> "WaitingLine":
        return cls(order=_text(wl.order_id), sku=_text(wl.sku), position=wl.position,
                   units_ahead=wl.units_ahead, backordered=wl.backordered,
                   eta=from_c_time(wl.eta), queue_time=from_c_time(wl.queue_time),
                   late=bool(wl.late))


@dataclass(frozen=True)
class LineView:
    """What a custom policy's key function sees of a line."""
    order: str
    sku: str
    priority: int
    due: Optional[datetime]
    created: Optional[datetime]
    queue_time: Optional[datetime]
    ordered: int
    unit_price: Optional[int]

    @classmethod
    def _from_c(cls, lv: "_ffi.bo_line_view") -> "LineView":
        return cls(order=_text(lv.order_id), sku=_text(lv.sku), priority=lv.priority,
                   due=from_c_time(lv.due), created=from_c_time(lv.created),
                   queue_time=from_c_time(lv.queue_time), ordered=lv.ordered,
                   unit_price=None if lv.unit_price == _ffi.BO_NO_PRICE else lv.unit_price)


# --------------------------------------------------------------------------
# Reports

def _secs(value: int) -> Optional[timedelta]:
    return None if value == _ffi.BO_NO_TIME else timedelta(seconds=value)


@dataclass(frozen=True)
class ReportDay:
    """One UTC day of an item's history (or of the totals)."""
    day: date
    ordered: int
    backordered: int
    cancelled: int
    filled_lines: int

    @classmethod
    def _from_c(cls, d: "_ffi.bo_report_day") -> "ReportDay":
        when = from_c_time(d.day)
        assert when is not None
        return cls(day=when.date(), ordered=d.ordered, backordered=d.backordered,
                   cancelled=d.cancelled, filled_lines=d.filled_lines)


@dataclass(frozen=True)
class ReportItem:
    """One item's figures in a :class:`Report` (or the totals, ``sku == ""``).

    ``shortfall`` is what to order now: max(0, backordered - available -
    incoming).  ``fill_rate`` is the share of the units ordered at
    placement that were allocated at once (None before any order).
    ``oldest_wait_days`` counts whole days since the longest-waiting line
    joined its queue (None when nothing waits).  The period figures
    (``ordered``, ``period_backordered``, ``cancelled``, ``filled_lines``,
    ``wait_avg``, ``wait_p90``) come from the store's history, from the
    report's ``since`` on; ``wait_p90`` is the nearest-rank 90th percentile
    of the waits of the filled lines, exact below 10 lines and otherwise
    within a factor of 1.5 (see bo_report_item in backorder.h).
    ``ageing`` counts waiting lines per :data:`AGE_BUCKETS`.  ``need_rank``
    is 1 for the item most in need (0 for the totals).
    """
    sku: str
    on_hand: int
    allocated: int
    available: int
    backordered: int
    waiting_lines: int
    incoming: int
    shortfall: int
    revenue_held: int
    oldest_wait: Optional[datetime]
    oldest_wait_days: Optional[int]
    fill_ordered: int
    fill_at_once: int
    fill_rate: Optional[float]
    late_lines: int
    ageing: Tuple[int, ...]
    ordered: int
    period_backordered: int
    cancelled: int
    filled_lines: int
    wait_avg: Optional[timedelta]
    wait_p90: Optional[timedelta]
    need_rank: int
    days: Tuple[ReportDay, ...] = ()

    @property
    def order_now(self) -> int:
        """The restock advice: units to order now (the shortfall)."""
        return self.shortfall

    @classmethod
    def _from_c(cls, it: "_ffi.bo_report_item", days: Tuple[ReportDay, ...]) -> "ReportItem":
        return cls(
            sku=_text(it.sku), on_hand=it.on_hand, allocated=it.allocated,
            available=it.available, backordered=it.backordered,
            waiting_lines=it.waiting_lines, incoming=it.incoming,
            shortfall=it.shortfall, revenue_held=it.revenue_held,
            oldest_wait=from_c_time(it.oldest_wait),
            oldest_wait_days=None if it.oldest_wait_days < 0 else it.oldest_wait_days,
            fill_ordered=it.fill_ordered, fill_at_once=it.fill_at_once,
            fill_rate=None if it.fill_ordered <= 0 else it.fill_rate,
            late_lines=it.late_lines, ageing=tuple(it.ageing),
            ordered=it.ordered, period_backordered=it.period_backordered,
            cancelled=it.cancelled, filled_lines=it.filled_lines,
            wait_avg=_secs(it.wait_avg), wait_p90=_secs(it.wait_p90),
            need_rank=it.need_rank, days=days)


@dataclass(frozen=True)
class Report:
    """Demand insight and restock advice (``inv.report()``): every item's
    figures in SKU order, the totals, the daily series of the totals.

    ``history`` is False when the store keeps none (then there are no
    daily series and no period figures).  ``since`` is the start of the
    period's first UTC day, None for all history."""
    now: Optional[datetime]
    since: Optional[datetime]
    history: bool
    items: Tuple[ReportItem, ...]
    totals: ReportItem
    days: Tuple[ReportDay, ...]

    def item(self, sku: str) -> ReportItem:
        """The figures of ``sku``; KeyError if the report has none."""
        for it in self.items:
            if it.sku == sku:
                return it
        raise KeyError(sku)

    def by_need(self) -> List[ReportItem]:
        """The items, most in need first (shortfall, revenue held, late
        lines, waiting units, then SKU)."""
        return sorted(self.items, key=lambda it: it.need_rank)
