"""ETAs are promises (DESIGN.md section 6): a waiting line keeps its ETA
until what it rests on changes; a line whose promised date has passed is
late (Line.late, WaitingLine.late, ItemStatus.late_lines)."""

from __future__ import annotations

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, EventLog, FakeClock, new_inventory  # noqa: E402

import backorder  # noqa: E402

SECOND = DAY / 86400


class PromiseTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.inv = new_inventory(self.clock)
        self.inv.set_item("ring", lead_time_days=10)
        self.inv.set_item("chain")
        self.inv.receive("chain", 5)
        self.log = EventLog()
        self.inv.on_event(self.log)

    def tearDown(self) -> None:
        self.inv.close()

    def ring(self, order: str) -> backorder.Line:
        return self.inv.order(order).line("ring")

    def eta_changes(self) -> list:
        return [(e.order, e.eta) for e in self.log.events if e.kind == "eta_changed"]

    def test_a_passed_promise_makes_the_line_late(self) -> None:
        self.inv.place("A", {"ring": 1})
        a = self.ring("A")
        self.assertEqual(a.eta, T0 + 10 * DAY)
        self.assertIs(a.late, False)
        self.assertEqual(self.inv.item("ring").late_lines, 0)
        self.assertIs(self.inv.waiting("ring")[0].late, False)

        # On the promised second the promise still holds: late means before now.
        self.clock.now = T0 + 10 * DAY
        self.assertFalse(self.ring("A").late)
        self.assertEqual(self.inv.item("ring").late_lines, 0)
        on_time = self.inv.order("A")

        # One second later it is late, judged by the clock a query reads.
        self.clock.now = T0 + 10 * DAY + SECOND
        self.assertTrue(self.ring("A").late)
        self.assertEqual(self.inv.item("ring").late_lines, 1)
        # A snapshot is plain data, judged when it was taken.
        self.assertFalse(on_time.line("ring").late)

        # A call on another item moves the inventory's time; the promise stays.
        self.clock.now = T0 + 11 * DAY
        self.inv.place("C", {"chain": 1})
        self.assertEqual(self.inv.now(), T0 + 11 * DAY)
        a = self.ring("A")
        self.assertEqual(a.eta, T0 + 10 * DAY)
        self.assertIs(a.late, True)
        self.assertEqual(a.backordered, 1)
        item = self.inv.item("ring")
        self.assertEqual((item.waiting_lines, item.late_lines), (1, 1))
        [wl] = self.inv.waiting("ring")
        self.assertEqual((wl.order, wl.eta), ("A", T0 + 10 * DAY))
        self.assertIs(wl.late, True)
        # items() does not walk the queues: late_lines is 0 there.
        ring = [it for it in self.inv.items() if it.sku == "ring"][0]
        self.assertEqual(ring.late_lines, 0)
        self.assertEqual(self.eta_changes(), [])
        self.inv.check()

    def test_a_later_order_does_not_move_an_earlier_promise(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.clock.tick(11 * DAY)
        self.inv.advance()  # time passing changes no promise
        self.assertEqual(self.eta_changes(), [])
        self.log.take()

        self.inv.place("B", {"ring": 2})
        evs = self.log.take()
        self.assertEqual([(e.kind, e.order) for e in evs], [("accepted", "B"), ("backordered", "B")])
        self.assertEqual(evs[1].eta, T0 + 21 * DAY)  # B's own promise: now + lead time
        a, b = self.ring("A"), self.ring("B")
        self.assertEqual((a.eta, a.late), (T0 + 10 * DAY, True))
        self.assertEqual((b.eta, b.late), (T0 + 21 * DAY, False))
        self.assertEqual(self.inv.item("ring").late_lines, 1)
        self.assertEqual([(w.order, w.eta, w.late) for w in self.inv.waiting("ring")],
                         [("A", T0 + 10 * DAY, True), ("B", T0 + 21 * DAY, False)])
        self.inv.check()

    def test_a_covered_promise_holds_when_later_orders_come(self) -> None:
        self.inv.incoming("ring", "PO-1", 1, T0 + 3 * DAY)
        self.inv.place("A", {"ring": 1})
        self.assertEqual(self.ring("A").eta, T0 + 3 * DAY)
        self.clock.tick()
        self.inv.place("B", {"ring": 1})  # PO-1 is A's: B waits on the lead time
        self.assertEqual(self.ring("B").eta, T0 + 11 * DAY)
        self.clock.tick(3 * DAY)
        self.inv.place("D", {"ring": 1})
        self.assertEqual(self.ring("A").eta, T0 + 3 * DAY)
        self.assertEqual(self.ring("B").eta, T0 + 11 * DAY)
        self.assertEqual([(w.order, w.late) for w in self.inv.waiting("ring")],
                         [("A", True), ("B", False), ("D", False)])
        self.assertEqual(self.inv.item("ring").late_lines, 1)
        self.assertEqual(self.eta_changes(), [])
        self.inv.check()

    def test_a_changed_basis_makes_a_new_promise(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.clock.tick(11 * DAY)
        self.inv.advance()
        self.assertTrue(self.ring("A").late)
        # The lead time is the basis of an uncovered line: a new promise, now + 20 days.
        self.inv.set_item("ring", lead_time_days=20)
        self.assertEqual(self.eta_changes(), [("A", T0 + 31 * DAY)])
        a = self.ring("A")
        self.assertEqual((a.eta, a.late), (T0 + 31 * DAY, False))
        self.assertEqual(self.inv.item("ring").late_lines, 0)
        # Setting the same lead time again changes no basis: no event, no new date.
        self.log.take()
        self.clock.tick()
        self.inv.set_item("ring", lead_time_days=20)
        self.assertEqual(self.eta_changes(), [])
        self.assertEqual(self.ring("A").eta, T0 + 31 * DAY)
        # Supply that now covers the line moves it to the record's date.
        self.inv.incoming("ring", "PO-1", 1, T0 + 15 * DAY)
        self.assertEqual(self.eta_changes(), [("A", T0 + 15 * DAY)])
        self.inv.check()

    def test_a_filled_line_is_no_longer_late(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.clock.tick(11 * DAY)
        self.inv.advance()
        self.assertEqual(self.inv.item("ring").late_lines, 1)
        self.inv.receive("ring", 1)
        a = self.ring("A")
        self.assertEqual((a.allocated, a.backordered, a.eta, a.late), (1, 0, None, False))
        self.assertEqual(self.inv.item("ring").late_lines, 0)
        self.assertEqual(self.inv.waiting("ring"), [])

    def test_an_unknown_eta_is_never_late(self) -> None:
        self.inv.set_item("bead")  # no lead time, no supply
        self.inv.place("A", {"bead": 1})
        self.clock.tick(100 * DAY)
        self.inv.advance()
        line = self.inv.order("A").line("bead")
        self.assertEqual((line.eta, line.late), (None, False))
        self.assertEqual(self.inv.item("bead").late_lines, 0)
        self.assertIs(self.inv.waiting("bead")[0].late, False)

    def test_lateness_uses_the_inventory_time_when_the_clock_reads_earlier(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.clock.tick(11 * DAY)
        self.inv.advance()
        self.clock.now = T0  # the clock goes back; the inventory's time does not
        self.assertTrue(self.ring("A").late)
        self.assertEqual(self.inv.item("ring").late_lines, 1)
        self.assertTrue(self.inv.waiting("ring")[0].late)

    def test_values_built_by_hand_default_to_not_late(self) -> None:
        line = backorder.Line(sku="x", ordered=1, allocated=1, backordered=0, shipped=0,
                              cancelled=0, unit_price=None, eta=None, queue_time=T0)
        self.assertIs(line.late, False)
        wl = backorder.WaitingLine(order="A", sku="x", position=1, units_ahead=0,
                                   backordered=1, eta=None, queue_time=T0)
        self.assertIs(wl.late, False)


@unittest.skipUnless(backorder.store_available("sqlite"), "library built without the sqlite store")
class SqlitePromiseTests(unittest.TestCase):
    def test_a_promise_survives_reopening(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            store = "sqlite:" + os.path.join(tmp, "shop.db")
            clock = FakeClock()
            with backorder.Inventory(store, clock=clock) as inv:
                inv.set_item("ring", lead_time_days=10)
                inv.place("A", {"ring": 1})
            clock.tick(11 * DAY)
            log = EventLog()
            with backorder.Inventory(store, clock=clock) as inv:
                inv.on_event(log)
                inv.dispatch()  # the events of the first session
                log.take()
                a = inv.order("A").line("ring")
                self.assertEqual((a.eta, a.late), (T0 + 10 * DAY, True))
                inv.place("B", {"ring": 1})
                self.assertEqual([e.kind for e in log.events if e.kind == "eta_changed"], [])
                self.assertEqual(inv.order("A").line("ring").eta, T0 + 10 * DAY)
                self.assertEqual(inv.order("B").line("ring").eta, T0 + 21 * DAY)
                self.assertEqual(inv.item("ring").late_lines, 1)
                inv.check()


if __name__ == "__main__":
    unittest.main()
