#!/usr/bin/env python3
"""The necklace story, told by a shop with libbackorder's Python bindings.

A limited-edition necklace sells out.  The shop keeps taking orders as
backorders, promising a date from the purchase order it placed with the
workshop.  The parcel arrives, the waiting customers are served first come,
first served, one of them cancels and the next in line gets her unit.  At
every step each customer hears what happened to their order: the messages
are written from the library's events.  A promised date stands until what
it rests on (the purchase order covering the line, or the workshop's lead
time) changes; time passing and later orders do not move it.

Run from a build tree:

    BACKORDER_LIBRARY=build/libbackorder.so PYTHONPATH=bindings/python \\
        python3 examples/necklace.py [STORE]

STORE is "memory" (the default) or e.g. "sqlite:/tmp/necklace.db".
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone

try:
    import backorder
except ImportError:  # run from a source tree: use the package next door
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    os.pardir, "bindings", "python"))
    import backorder

SKU = "MOONSTONE-NECKLACE"
NAME = "Moonstone necklace (limited edition)"


class StoryClock:
    """The shop's calendar: the story moves it forward by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def day(when: datetime | None) -> str:
    return when.strftime("%A %d %B") if when else "a date we don't know yet"


class Mailroom:
    """Turns the inventory's events into messages for the customers."""

    def __init__(self, inv: backorder.Inventory, customers: dict[str, str]) -> None:
        self.inv = inv
        self.customers = customers  # order id -> customer name
        self.sent = 0

    def __call__(self, ev: backorder.Event) -> None:
        if ev.kind == "back_in_stock":
            self.send(ev.customer or "?", "the %s is back in stock: %d available now." % (NAME, ev.qty))
            return
        if ev.order is None:
            return
        who = self.customers.get(ev.order, ev.order)
        units = "1 necklace" if ev.qty == 1 else "%d necklaces" % ev.qty
        if ev.kind == "accepted":
            text = "thank you, we have your order %s." % ev.order
        elif ev.kind == "allocated":
            text = "good news: %s set aside for you." % units
        elif ev.kind == "backordered" and ev.eta is not None:
            text = ("the necklace is sold out right now, but your order stands: %s will ship "
                    "as soon as our workshop delivers, expected %s." % (units, day(ev.eta)))
        elif ev.kind == "backordered":
            text = ("the necklace is sold out right now, but your order stands: %s will ship "
                    "when the workshop makes more; we will write as soon as we have a date." % units)
        elif ev.kind == "eta_changed":
            text = "your expected date has changed: now %s." % day(ev.eta)
        elif ev.kind == "ready":
            text = "your order is complete and ready to ship."
        elif ev.kind == "shipped":
            text = "%s shipped today. Enjoy!" % units
        elif ev.kind == "cancelled":
            text = "we cancelled %s as you asked; you will not be charged." % units
        else:
            text = "%s (%s)." % (ev.kind, units)
        self.send(who, text)

    def send(self, who: str, text: str) -> None:
        self.sent += 1
        print("    -> to %-6s %s" % (who + ":", text))


def shelf(inv: backorder.Inventory) -> None:
    it = inv.item(SKU)
    print("    [shelf: %d on hand, %d set aside, %d waiting, %d on order from the workshop]"
          % (it.on_hand, it.allocated, it.backordered, it.incoming))


def main(store: str = "memory") -> int:
    clock = StoryClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    customers = {"A-101": "Ada", "A-102": "Ben", "A-103": "Chloe",
                 "A-104": "Dan", "A-105": "Eve", "A-106": "Finn"}

    with backorder.Inventory(store, clock=clock) as inv:
        mail = Mailroom(inv, customers)
        inv.on_event(mail)

        print("%s: the shop has three of its %s." % (day(clock.now), NAME))
        inv.set_item(SKU, backorder="allow", max_backorder=10)
        inv.receive(SKU, 3)
        shelf(inv)

        print("\nThe first three customers buy them.")
        for order in ("A-101", "A-102", "A-103"):
            clock.later(minutes=20)
            print("  %s orders one (%s)." % (customers[order], order))
            inv.place(order, {SKU: 1}, prices={SKU: 18900})
        for order in ("A-101", "A-102", "A-103"):
            inv.ship(order)
        shelf(inv)

        clock.later(hours=3)
        print("\n%s: sold out. The shop orders two more from the workshop (PO-2217),"
              % day(clock.now))
        expected = clock.now.replace(hour=12) + timedelta(days=14)
        print("  expected %s, and keeps selling: orders now wait in line." % day(expected))
        inv.incoming(SKU, "PO-2217", 2, expected)

        for order in ("A-104", "A-105", "A-106"):
            clock.later(hours=2)
            print("  %s orders one (%s)." % (customers[order], order))
            inv.place(order, {SKU: 1}, prices={SKU: 18900})
        shelf(inv)
        it = inv.item(SKU)
        print("  Revenue held in backorders: %.2f EUR over %d waiting orders."
              % (it.revenue_held / 100, it.waiting_lines))
        print("  The line, first come first served:")
        for w in inv.waiting(SKU):
            print("    %d. %-5s %s" % (w.position, customers[w.order],
                                    "expected " + day(w.eta) if w.eta else "no date yet"))

        print("\nThe workshop says a further batch takes a month to make; the shop")
        print("records that lead time, so Finn gets a date too.")
        inv.set_item(SKU, lead_time_days=30)

        clock.now = expected
        print("\n%s: the parcel for PO-2217 arrives with two necklaces." % day(clock.now))
        inv.receive(SKU, 2, supply="PO-2217")
        shelf(inv)
        for w in inv.waiting(SKU):
            print("  %s still waits and keeps the date he was promised, %s%s: nothing on order"
                  % (customers[w.order], day(w.eta), " (now late)" if w.late else ""))
            print("  covers him and the lead time has not changed, so his date does not move.")

        clock.later(hours=1)
        print("\nEve changes her mind and cancels (A-105) before it ships.")
        inv.cancel("A-105")
        shelf(inv)

        clock.later(hours=2)
        print("\nThe shop ships what is set aside.")
        for order in ("A-104", "A-106"):
            inv.ship(order)
        shelf(inv)

        print("\nWhere every order stands:")
        for order in inv.orders():
            line = order.line(SKU)
            state = ("shipped" if line.shipped else "cancelled" if line.cancelled
                     else "set aside" if line.allocated else "waiting")
            print("  %s %-5s %s" % (order.id, customers[order.id], state))
        it = inv.item(SKU)
        print("\nDemand %d, filled from the shelf at once %d (fill rate %.0f%%), shipped %d, "
              "cancelled %d; %d messages sent." % (it.demand, it.filled_at_once,
                                                   100 * (it.fill_rate or 0), it.shipped,
                                                   it.cancelled, mail.sent))
        inv.check()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
