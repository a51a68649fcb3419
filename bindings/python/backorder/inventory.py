"""The :class:`Inventory` handle."""

from __future__ import annotations

import contextlib
import weakref
from dataclasses import replace
from ctypes import byref, c_int64, c_size_t, c_void_p
from ctypes import string_at as ctypes_string_at
from datetime import datetime
from typing import (Any, Callable, Iterable, Iterator, List, Mapping,
                    Optional, Sequence, Tuple, Union)

from . import _ffi
from .errors import InvalidArgument, StateError
from .model import (Event, ItemStatus, LineAllocation, LineView, Location,
                    Order, Report, ReportDay, ReportItem, Stock, Supply,
                    WaitingLine, _collect, check_int64, from_c_time,
                    item_stock, line_allocations, to_bytes, to_c_seconds,
                    to_c_time)

__all__ = ["Inventory"]

#: A clock: returns the current time as an aware datetime.
Clock = Callable[[], datetime]
#: An event callback: return ``False`` to refuse the event (it stays pending).
EventCallback = Callable[[Event], Optional[bool]]
#: A custom policy's key: smaller keys are served first.
PolicyKey = Callable[[LineView], Union[int, Sequence[int]]]

_UNSET: Any = object()


class _ClockState:
    """The Python side of the C clock callback.

    C's clock callback has no way to fail, so when the Python clock raises
    (or returns something that is not a time) the callback hands C the last
    good reading, or 0 before any (a reading earlier than the inventory's
    time is ignored by the library), and the exception is re-raised when
    the C call returns.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last = 0

    def __call__(self, _user_data: Any) -> int:
        try:
            value = to_c_time(self.clock(), "the clock's reading")
        except BaseException as exc:  # noqa: B902 - re-raised after the C call
            _ffi.stash_exception(exc)
            return self.last
        self.last = value
        return value


class Inventory:
    """An inventory of items, orders, queues, supply and events.

    ``Inventory(store="memory", *, clock=None, default_policy=None,
    auto_dispatch=True)`` opens a store: ``"memory"`` (the default; gone
    when closed), ``"sqlite:/path/shop.db"`` or ``"postgres:CONNINFO"``
    (whichever adapters the library was built with, see
    :func:`backorder.store_available`).

    Args:
        store: the store string, as the ``backorder`` program takes it.
        clock: a callable returning the current time as an aware datetime;
            None reads the system clock.  The library never lets time go
            backwards: an earlier reading is ignored (``advance()`` raises).
        default_policy: the policy new items get ("fifo", "priority",
            "due", "fair"); None keeps "fifo".
        auto_dispatch: hand events to the ``on_event`` callback after every
            call that commits (default); with False, call :meth:`dispatch`.

    Use it as a context manager, or call :meth:`close` (idempotent).
    Methods raise :class:`backorder.Error` subclasses on failure, and a
    failing call changes nothing.

    Callbacks (clock, ``on_event``, custom policies) run on the thread
    making the call, inside it; an exception they raise is re-raised by the
    method that called into the library.  For ``on_event`` the operation
    itself has then committed and the refused event stays pending, to be
    delivered again by the next dispatch.

    Thread-safety: the C inventory serialises calls, so one Inventory may be
    used from several threads, but :meth:`close` must not race with them.
    """

    def __init__(self, store: str = "memory", *, clock: Optional[Clock] = None,
                 default_policy: Optional[str] = None, auto_dispatch: bool = True) -> None:
        self._handle: Optional[int] = None
        self._lib = _ffi.load()
        self._store = store
        # Every ctypes callback C may call is kept here until the C handle is freed.
        self._clock_state: Optional[_ClockState] = None
        self._clock_cb: Any = None
        self._notifier_cb: Any = None
        self._event_callback: Optional[EventCallback] = None
        self._policy_cbs: List[Any] = []
        self._retired_cbs: List[Any] = []
        self._delivering = 0

        opts = _ffi.bo_options()
        self._lib.bo_options_init(byref(opts), _ffi.BO_OPTIONS_VERSION)
        if clock is not None:
            if not callable(clock):
                raise InvalidArgument("clock must be callable")
            self._clock_state = _ClockState(clock)
            self._clock_cb = _ffi.bo_clock_cb(self._clock_state)
            opts.clock = self._clock_cb
        policy_b = None
        if default_policy is not None:
            policy_b = to_bytes(default_policy, "default_policy")
            opts.default_policy = policy_b
        opts.auto_dispatch = 1 if auto_dispatch else 0
        handle = c_void_p()
        try:
            self._lib.bo_inventory_open_store(byref(handle), to_bytes(store, "store"), byref(opts))
        except BaseException:
            # The clock may have raised inside a call that opened the store.
            if handle.value:
                self._lib.bo_inventory_free(handle.value)
            raise
        self._handle = handle.value

    # ------------------------------------------------------------------
    # Life cycle

    @property
    def store(self) -> str:
        """The store string this inventory was opened with."""
        return self._store

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._handle is None

    def close(self) -> None:
        """Close the inventory (a durable store keeps everything, including
        pending events).  Calling it again does nothing."""
        if self._delivering:
            raise StateError("close() inside the inventory's own event callback", _ffi.BO_ESTATE)
        handle, self._handle = self._handle, None
        if handle:
            self._lib.bo_inventory_free(handle)
        # C cannot call back any more: the callbacks may go.
        self._clock_cb = None
        self._clock_state = None
        self._notifier_cb = None
        self._event_callback = None
        self._policy_cbs = []
        self._retired_cbs = []

    def __enter__(self) -> "Inventory":
        self._h()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_handle", None):
                self.close()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else "open"
        return "<backorder.Inventory %r %s>" % (self._store, state)

    def _h(self) -> int:
        if self._handle is None:
            raise StateError("the inventory is closed", _ffi.BO_ESTATE)
        return self._handle

    # ------------------------------------------------------------------
    # Time

    def now(self) -> Optional[datetime]:
        """The inventory's current time: the latest clock reading any call used."""
        out = c_int64()
        self._lib.bo_inventory_now(byref(out), self._h())
        return from_c_time(out.value)

    def advance(self) -> None:
        """Advance to the clock's time and run time-driven work (release the
        preorders that are due).  Raises InvalidArgument if the clock reads
        earlier than the inventory's time.

        Time passing changes no ETA: a promise whose date has gone by stays
        as it was, and its line is reported late."""
        self._lib.bo_inventory_advance(self._h())

    # ------------------------------------------------------------------
    # Items, stock and supply

    def set_item(self, sku: str, *, backorder: str = _UNSET, max_backorder: Optional[int] = _UNSET,
                 lead_time_days: Optional[float] = _UNSET, policy: str = _UNSET,
                 release_at: Optional[datetime] = _UNSET, preorder_max: Optional[int] = _UNSET) -> None:
        """Create item ``sku``, or change the settings given.

        Only the arguments passed are changed; a new item starts with
        ``backorder="allow"``, no caps, no lead time, no release time and
        the inventory's default policy.

        Args:
            backorder: ``"allow"`` (lines that cannot be filled wait) or
                ``"deny"`` (such orders fail with OutOfStock).
            max_backorder: cap on the item's waiting units; None = no cap.
            lead_time_days: lead time in days (int, float or timedelta): a
                waiting line no supply covers is promised the time the
                promise is made plus this; None = unknown ETA instead.
                Changing it re-promises those lines (``eta_changed``).
            policy: "fifo", "priority", "due", "fair" or a name added with
                :meth:`add_policy`.
            release_at: preorder release time (aware datetime); None = none.
            preorder_max: cap on units on order while in preorder; None = no cap.
        """
        s = _ffi.bo_item_settings()
        s.version = _ffi.BO_ITEM_SETTINGS_VERSION
        s.backorder = _ffi.BO_BACKORDER_ALLOW
        s.max_backorder = _ffi.BO_UNLIMITED
        s.lead_time = _ffi.BO_NO_TIME
        s.release_at = _ffi.BO_NO_TIME
        s.preorder_max = _ffi.BO_UNLIMITED
        fields = 0
        if backorder is not _UNSET:
            modes = {"allow": _ffi.BO_BACKORDER_ALLOW, "deny": _ffi.BO_BACKORDER_DENY}
            if backorder not in modes:
                raise InvalidArgument("backorder must be 'allow' or 'deny', got %r" % (backorder,))
            s.backorder = modes[backorder]
            fields |= _ffi.BO_ITEM_BACKORDER
        if max_backorder is not _UNSET:
            if max_backorder is not None:
                s.max_backorder = check_int64(max_backorder, "max_backorder", 0)
            fields |= _ffi.BO_ITEM_MAX_BACKORDER
        if lead_time_days is not _UNSET:
            if lead_time_days is not None:
                s.lead_time = to_c_seconds(lead_time_days, "lead_time_days")
            fields |= _ffi.BO_ITEM_LEAD_TIME
        policy_b = None
        if policy is not _UNSET:
            policy_b = to_bytes(policy, "policy")
            s.policy = policy_b
            fields |= _ffi.BO_ITEM_POLICY
        if release_at is not _UNSET:
            if release_at is not None:
                s.release_at = to_c_time(release_at, "release_at")
            fields |= _ffi.BO_ITEM_RELEASE_AT
        if preorder_max is not _UNSET:
            if preorder_max is not None:
                s.preorder_max = check_int64(preorder_max, "preorder_max", 0)
            fields |= _ffi.BO_ITEM_PREORDER_MAX
        s.fields = fields
        self._lib.bo_item_set(self._h(), to_bytes(sku, "sku"), byref(s))

    # ------------------------------------------------------------------
    # Locations

    def set_location(self, location_id: str, rank: int = 0) -> None:
        """Create stock location ``location_id``, or set its rank.

        Lower ranks give stock first (ties by id bytewise); ``"main"``
        always exists, at rank 0 until set otherwise.  A location is chosen
        only when units are allocated: a line takes units from the
        locations with free units in location order, as many as each has."""
        self._lib.bo_location_set(self._h(), to_bytes(location_id, "location_id"), check_int64(rank, "rank"))

    def locations(self) -> List[Location]:
        """Every location, ``"main"`` included, in location order."""
        found: List[Location] = []
        cb = _collect(_ffi.bo_location_cb, lambda loc: Location(_ffi.decode(loc.id) or "", loc.rank), found)
        self._lib.bo_location_foreach(self._h(), cb, None)
        return found

    def stock(self, sku: str) -> List[Stock]:
        """The stock of ``sku`` per location, in location order (only the
        locations holding or allocating units of it)."""
        return item_stock(self._lib, self._h(), to_bytes(sku, "sku"))

    def allocations(self, order_id: str, sku: str) -> List[LineAllocation]:
        """Where the allocated units of line ``sku`` of ``order_id`` are, in
        location order (the pick list)."""
        return line_allocations(self._lib, self._h(), to_bytes(order_id, "order_id"), to_bytes(sku, "sku"))

    @staticmethod
    def _location(location: Optional[str]) -> Optional[bytes]:
        return None if location is None else to_bytes(location, "location")

    # ------------------------------------------------------------------
    # Stock

    def receive(self, sku: str, qty: int, supply: Optional[str] = None, *,
                location: Optional[str] = None) -> None:
        """Receive ``qty`` units of ``sku`` at ``location`` (``"main"`` if
        None); waiting lines are filled.

        ``supply`` names an incoming record (see :meth:`incoming`) that the
        delivery reduces by ``qty`` (a record at 0 is gone); the units
        arrive at the record's location, and a ``location`` that differs
        from it is InvalidArgument."""
        supply_b = None if supply is None else to_bytes(supply, "supply")
        if location is None:
            self._lib.bo_item_receive(self._h(), to_bytes(sku, "sku"),
                                      check_int64(qty, "qty"), supply_b)
        else:
            self._lib.bo_item_receive_at(self._h(), to_bytes(sku, "sku"),
                                         check_int64(qty, "qty"), supply_b, self._location(location))

    def adjust(self, sku: str, delta: int, *, location: Optional[str] = None) -> None:
        """Correct on_hand at ``location`` (``"main"`` if None) by a signed
        ``delta`` (counts, damage); it may not go below 0 there.  If the
        location is left holding fewer units than it allocates, the lines
        holding units there, last in policy order first, wait again and are
        filled at once from free units elsewhere."""
        if location is None:
            self._lib.bo_item_adjust(self._h(), to_bytes(sku, "sku"), check_int64(delta, "delta"))
        else:
            self._lib.bo_item_adjust_at(self._h(), to_bytes(sku, "sku"), check_int64(delta, "delta"),
                                        self._location(location))

    def incoming(self, sku: str, supply_id: str, qty: int, expected: datetime, *,
                 location: Optional[str] = None) -> None:
        """Record (or replace) expected supply: ``qty`` units of ``sku``
        arriving at ``expected`` (aware datetime) under ``supply_id``, at
        ``location`` (``"main"`` if None).

        Only waiting lines whose cover this changes (the record now covers
        them, stops covering them, or covers them at another date) get a
        new ETA; the others keep their promise.  ETAs use all supply of the
        item, wherever it arrives."""
        if location is None:
            self._lib.bo_supply_set(self._h(), to_bytes(sku, "sku"), to_bytes(supply_id, "supply_id"),
                                    check_int64(qty, "qty"), to_c_time(expected, "expected"))
        else:
            self._lib.bo_supply_set_at(self._h(), to_bytes(sku, "sku"), to_bytes(supply_id, "supply_id"),
                                       check_int64(qty, "qty"), to_c_time(expected, "expected"),
                                       self._location(location))

    def remove_incoming(self, sku: str, supply_id: str) -> None:
        """Remove an expected supply record."""
        self._lib.bo_supply_remove(self._h(), to_bytes(sku, "sku"), to_bytes(supply_id, "supply_id"))

    def subscribe(self, sku: str, customer: str) -> None:
        """Subscribe ``customer`` to one ``back_in_stock`` event for ``sku``."""
        self._lib.bo_item_subscribe(self._h(), to_bytes(sku, "sku"), to_bytes(customer, "customer"))

    def item(self, sku: str) -> ItemStatus:
        """The state, settings and insight figures of ``sku``, including the
        figures that need a walk of its queue (``waiting_lines``,
        ``oldest_wait``, ``late_lines``)."""
        st = _ffi.bo_item_status()
        sku_b = to_bytes(sku, "sku")
        self._lib.bo_item_status_get(byref(st), self._h(), sku_b)
        return replace(ItemStatus._from_c(st), stock=tuple(item_stock(self._lib, self._h(), sku_b)))

    def items(self) -> Iterator[ItemStatus]:
        """Every item, in bytewise SKU order (a snapshot taken now).

        ``waiting_lines``, ``oldest_wait`` and ``late_lines`` are not filled
        here (0, None, 0): use :meth:`item` for them."""
        found: List[ItemStatus] = []

        def each(_user_data: Any, st: Any) -> int:
            try:
                found.append(ItemStatus._from_c(st.contents))
            except BaseException as exc:  # re-raised when the C call returns
                _ffi.stash_exception(exc)
                return 1
            return 0

        cb = _ffi.bo_item_cb(each)
        self._lib.bo_item_foreach(self._h(), cb, None)
        found = [replace(st, stock=tuple(item_stock(self._lib, self._h(), st.sku.encode("utf-8"))))
                 for st in found]
        return iter(found)

    def waiting(self, sku: str) -> List[WaitingLine]:
        """The waiting lines of ``sku`` in queue (policy) order, each with
        its promised ETA and whether that date has passed (``late``)."""
        found: List[WaitingLine] = []

        def each(_user_data: Any, wl: Any) -> int:
            try:
                found.append(WaitingLine._from_c(wl.contents))
            except BaseException as exc:
                _ffi.stash_exception(exc)
                return 1
            return 0

        cb = _ffi.bo_waiting_cb(each)
        self._lib.bo_item_waiting_foreach(self._h(), to_bytes(sku, "sku"), cb, None)
        return found

    def supplies(self, sku: str) -> List[Supply]:
        """The open supply records of ``sku`` in expected-time order."""
        found: List[Supply] = []

        def each(_user_data: Any, si: Any) -> int:
            try:
                found.append(Supply._from_c(si.contents))
            except BaseException as exc:
                _ffi.stash_exception(exc)
                return 1
            return 0

        cb = _ffi.bo_supply_cb(each)
        self._lib.bo_supply_foreach(self._h(), to_bytes(sku, "sku"), cb, None)
        return found

    # ------------------------------------------------------------------
    # Reports

    def _report_handle(self, since: Optional[datetime]) -> Any:
        opts = _ffi.bo_report_options()
        opts.version = _ffi.BO_REPORT_OPTIONS_VERSION
        opts.since = _ffi.BO_NO_TIME if since is None else to_c_time(since, "since")
        handle = c_void_p()
        self._lib.bo_report_make(byref(handle), self._h(), byref(opts))
        return handle

    def report(self, since: Optional[datetime] = None) -> Report:
        """Demand insight and restock advice for every item (see
        :class:`Report`): stock, waiting units and lines, the shortfall to
        order now, revenue held, oldest wait, fill rate, late lines, the
        ageing of waiting lines and, from the store's history, the figures
        and the daily series of the period from ``since``'s UTC day on
        (None: all history)."""
        handle = self._report_handle(since)
        lib = self._lib
        try:
            def days_of(index: int) -> Tuple[ReportDay, ...]:
                out = []
                for k in range(lib.bo_report_day_count(handle, index)):
                    d = _ffi.bo_report_day()
                    lib.bo_report_day_get(byref(d), handle, index, k)
                    out.append(ReportDay._from_c(d))
                return tuple(out)

            def item_at(index: int) -> ReportItem:
                it = _ffi.bo_report_item()
                it.version = _ffi.BO_REPORT_ITEM_VERSION
                lib.bo_report_item_get(byref(it), handle, index)
                return ReportItem._from_c(it, days_of(index))

            items = tuple(item_at(i) for i in range(lib.bo_report_item_count(handle)))
            totals = item_at(_ffi.BO_REPORT_TOTAL)
            return Report(now=from_c_time(lib.bo_report_now(handle)),
                          since=from_c_time(lib.bo_report_since(handle)),
                          history=bool(lib.bo_report_has_history(handle)),
                          items=items, totals=totals, days=totals.days)
        finally:
            lib.bo_report_free(handle)

    def report_text(self, format: str = "text", since: Optional[datetime] = None) -> str:
        """The report written in ``format``: ``"text"``, ``"csv"``,
        ``"json"`` or ``"html"`` (a self-contained page), as the
        ``backorder report`` command writes it."""
        if format not in _ffi.REPORT_FORMATS:
            raise InvalidArgument("format must be one of %s, got %r"
                                  % (", ".join(_ffi.REPORT_FORMATS), format))
        handle = self._report_handle(since)
        chunks: List[bytes] = []

        def write(_user_data: Any, data: Any, length: int) -> int:
            chunks.append(ctypes_string_at(data, length))
            return 0

        cb = _ffi.bo_write_cb(write)
        try:
            self._lib.bo_report_write(handle, _ffi.REPORT_FORMATS[format], cb, None)
        finally:
            self._lib.bo_report_free(handle)
        return b"".join(chunks).decode("utf-8")

    def report_csv(self, since: Optional[datetime] = None) -> str:
        """The report as CSV: the header ``sku,on_hand,allocated,available,
        backordered,waiting_lines,incoming,shortfall,revenue_held,
        oldest_wait_days,fill_rate,late_lines`` and one row per item by SKU."""
        return self.report_text("csv", since)

    # ------------------------------------------------------------------
    # Policies

    def set_default_policy(self, name: str) -> None:
        """Set the policy that items created from now on get."""
        self._lib.bo_inventory_set_default_policy(self._h(), to_bytes(name, "policy"))

    def add_policy(self, name: str, key: PolicyKey) -> None:
        """Add a custom allocation policy usable by name in :meth:`set_item`.

        ``key(line)`` gets a :class:`LineView` and returns an int or a
        sequence of up to three ints; waiting lines with smaller keys get
        stock first (ties: first queued).  The key is computed when a line
        joins its queue, so it must depend only on the line.  If it raises,
        the call that asked fails, changes nothing, and the exception is
        re-raised.  A durable store remembers only the name: add the policy
        again after reopening.
        """
        if not callable(key):
            raise InvalidArgument("key must be callable")

        def sort_key(_user_data: Any, view: Any, out: Any) -> int:
            try:
                value = key(LineView._from_c(view.contents))
                words = [value] if not isinstance(value, (tuple, list)) else list(value)
                if not 1 <= len(words) <= _ffi.BO_KEY_WORDS:
                    raise InvalidArgument("a policy key has 1 to %d ints, got %d"
                                          % (_ffi.BO_KEY_WORDS, len(words)))
                words = [check_int64(w, "policy key") for w in words]
                words += [0] * (_ffi.BO_KEY_WORDS - len(words))
                for i, w in enumerate(words):
                    out[i] = w
            except BaseException as exc:
                _ffi.stash_exception(exc)
                return 1
            return 0

        cb = _ffi.bo_sort_key_cb(sort_key)
        methods = _ffi.bo_policy_methods()
        methods.version = _ffi.BO_POLICY_METHODS_VERSION
        methods.sort_key = cb
        policy = c_void_p()
        self._lib.bo_policy_custom(byref(policy), to_bytes(name, "policy name"), byref(methods), None)
        try:
            self._lib.bo_inventory_add_policy(self._h(), policy)
            # The inventory holds its own reference; C may call cb until it is freed.
            self._policy_cbs.append(cb)
        finally:
            self._lib.bo_policy_free(policy)

    # ------------------------------------------------------------------
    # Orders

    def place(self, order_id: str, lines: Union[Mapping[str, int], Iterable[Tuple[str, int]]], *,
              priority: int = 0, due: Optional[datetime] = None, complete: bool = False,
              prices: Optional[Mapping[str, int]] = None) -> None:
        """Place order ``order_id`` with ``lines`` ({sku: qty} or (sku, qty) pairs).

        What is in stock is allocated at once; the rest waits.  Placing the
        same order again with identical content does nothing (retries are
        safe); with other content it raises Exists.  OutOfStock when a
        ``deny`` item cannot fill its line or a cap would be exceeded.

        Args:
            priority: higher first under the "priority" policy.
            due: due time (aware datetime) for the "due" policy.
            complete: ship only when every line is fully allocated.
            prices: {sku: unit price in minor currency units} for revenue figures.
        """
        pairs = list(lines.items()) if isinstance(lines, Mapping) else list(lines)
        prices = dict(prices or {})
        skus = set()
        specs = (_ffi.bo_line_spec * len(pairs))()
        keep = []
        for i, pair in enumerate(pairs):
            try:
                sku, qty = pair
            except (TypeError, ValueError):
                raise InvalidArgument("lines must be {sku: qty} or (sku, qty) pairs") from None
            sku_b = to_bytes(sku, "sku")
            keep.append(sku_b)
            skus.add(sku)
            specs[i].sku = sku_b
            specs[i].qty = check_int64(qty, "qty of %s" % sku)
            specs[i].unit_price = _ffi.BO_NO_PRICE
            if sku in prices:
                specs[i].unit_price = check_int64(prices[sku], "price of %s" % sku, 0)
        for sku in prices:
            if sku not in skus:
                raise InvalidArgument("a price for %r, which is not a line of the order" % (sku,))
        opts = _ffi.bo_order_options()
        opts.version = _ffi.BO_ORDER_OPTIONS_VERSION
        opts.priority = check_int64(priority, "priority")
        opts.due = _ffi.BO_NO_TIME if due is None else to_c_time(due, "due")
        opts.ship_mode = _ffi.BO_SHIP_COMPLETE if complete else _ffi.BO_SHIP_PARTIAL
        self._lib.bo_order_place(self._h(), to_bytes(order_id, "order_id"), byref(opts),
                                 specs, len(pairs))

    def _units(self, sku: Optional[str], qty: Optional[int]) -> Tuple[Optional[bytes], int]:
        if sku is None:
            if qty is not None:
                raise InvalidArgument("qty needs a sku")
            return None, _ffi.BO_ALL
        if qty is None:
            return to_bytes(sku, "sku"), _ffi.BO_ALL
        # C reads -1 as "all": every explicit quantity must be >= 1.
        return to_bytes(sku, "sku"), check_int64(qty, "qty", 1)

    def cancel(self, order_id: str, sku: Optional[str] = None, qty: Optional[int] = None) -> None:
        """Cancel the whole order, line ``sku``, or ``qty`` units of it.

        Waiting units go first, then allocated ones; freed stock goes to the
        next in line at once."""
        sku_b, q = self._units(sku, qty)
        self._lib.bo_order_cancel(self._h(), to_bytes(order_id, "order_id"), sku_b, q)

    def modify(self, order_id: str, sku: str, qty: int) -> None:
        """Set the ordered quantity of line ``sku`` to ``qty``.

        Down takes waiting units first (not counted as cancelled); up adds
        waiting units and moves the line to the back of its queue."""
        self._lib.bo_order_modify(self._h(), to_bytes(order_id, "order_id"),
                                  to_bytes(sku, "sku"), check_int64(qty, "qty"))

    def ship(self, order_id: str, sku: Optional[str] = None, qty: Optional[int] = None, *,
             location: Optional[str] = None) -> None:
        """Ship allocated units: of every line, of line ``sku``, or ``qty`` of it.

        With ``location``, only units allocated there (a warehouse ships
        what it holds for the order); else from the lines' locations in
        location order.  StateError when nothing (or less than ``qty``) is
        allocated (at ``location``), a complete order is not fully
        allocated, or the item is unreleased."""
        sku_b, q = self._units(sku, qty)
        if location is None:
            self._lib.bo_order_ship(self._h(), to_bytes(order_id, "order_id"), sku_b, q)
        else:
            self._lib.bo_order_ship_at(self._h(), to_bytes(order_id, "order_id"), sku_b, q,
                                       self._location(location))

    def order(self, order_id: str) -> Order:
        """A snapshot of order ``order_id`` (plain data, no C memory)."""
        handle = c_void_p()
        self._lib.bo_order_get(byref(handle), self._h(), to_bytes(order_id, "order_id"))
        try:
            return Order._from_handle(self._lib, handle, self._h())
        finally:
            self._lib.bo_order_free(handle)

    def orders(self) -> Iterator[Order]:
        """Every order, in bytewise id order (snapshots taken now)."""
        found: List[Order] = []
        lib = self._lib
        inv = self._h()

        def each(_user_data: Any, handle: Any) -> int:
            try:
                found.append(Order._from_handle(lib, c_void_p(handle), inv))
            except BaseException as exc:
                _ffi.stash_exception(exc)
                return 1
            return 0

        cb = _ffi.bo_order_cb(each)
        self._lib.bo_order_foreach(self._h(), cb, None)
        return iter(found)

    # ------------------------------------------------------------------
    # Events

    def on_event(self, callback: Optional[EventCallback]) -> None:
        """Set the callback that receives every :class:`Event` (None removes it).

        The callback runs inside the call that dispatches (every committing
        call when ``auto_dispatch``, else :meth:`dispatch`).  Returning
        ``False`` refuses the event: it stays pending and comes again, in
        order, at the next dispatch.  Raising does the same and the
        exception is re-raised by the method that dispatched.  An event may
        be seen twice (after a crash); ``Event.seq`` tells them apart.
        The inventory keeps the callback alive until replaced or closed.
        """
        h = self._h()
        if callback is None:
            self._lib.bo_inventory_set_notifier(h, None, None)
            self._retire_notifier()
            self._notifier_cb = None
            self._event_callback = None
            return
        if not callable(callback):
            raise InvalidArgument("the event callback must be callable")
        lib = self._lib
        # A weak link back: the callback must not keep the inventory alive.
        self_ref = weakref.ref(self)

        def deliver(_user_data: Any, event: Any) -> int:
            inv = self_ref()
            if inv is not None:
                inv._delivering += 1
            try:
                accepted = callback(Event._from_c(lib, event.contents))
            except BaseException as exc:
                _ffi.stash_exception(exc)
                return 1
            finally:
                if inv is not None:
                    inv._delivering -= 1
                del inv
            return 1 if accepted is False else 0

        cb = _ffi.bo_deliver_cb(deliver)
        notifier = _ffi.bo_notifier()
        notifier.version = _ffi.BO_NOTIFIER_VERSION
        notifier.deliver = cb
        self._lib.bo_inventory_set_notifier(h, byref(notifier), None)
        self._retire_notifier()
        self._notifier_cb = cb
        self._event_callback = callback

    def _retire_notifier(self) -> None:
        # The library refuses to replace a notifier from inside its own
        # delivery; should it ever allow it, C would still be running the
        # old callback, so its thunk is kept until the inventory closes.
        if self._delivering and self._notifier_cb is not None:
            self._retired_cbs.append(self._notifier_cb)

    def dispatch(self) -> int:
        """Hand pending events to the ``on_event`` callback, in order, until
        none is left or the callback refuses one; return how many it accepted."""
        delivered = c_size_t(0)
        try:
            self._lib.bo_inventory_dispatch(self._h(), byref(delivered))
        except StateError as exc:
            if not getattr(exc, "_from_library", False):
                raise  # the callback's own exception
            # The callback refused an event (returned False): it stays pending.
        return delivered.value

    def pending(self) -> int:
        """The number of events waiting in the outbox."""
        out = c_size_t()
        self._lib.bo_inventory_pending(byref(out), self._h())
        return out.value

    # ------------------------------------------------------------------
    # Batches and checks

    @contextlib.contextmanager
    def batch(self) -> Iterator["Inventory"]:
        """``with inv.batch(): ...`` runs the calls inside in one storage
        transaction, committed at the end (rolled back if the block raises).
        A call that fails inside still changes nothing and leaves the
        others; events are dispatched after the commit."""
        h = self._h()
        self._lib.bo_inventory_batch_begin(h)
        try:
            yield self
        except BaseException:
            self._lib.bo_inventory_batch_end(h, 0)
            raise
        self._lib.bo_inventory_batch_end(h, 1)

    def check(self) -> None:
        """Check the invariants over the whole store (slow; for tests and
        operators).  Raises StateError naming the first broken one."""
        self._lib.bo_inventory_check(self._h())
