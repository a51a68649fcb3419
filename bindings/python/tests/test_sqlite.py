"""A SQLite inventory, closed and reopened from a second Inventory, and two
Inventory objects sharing one file."""

from __future__ import annotations

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, EventLog, FakeClock  # noqa: E402

import backorder  # noqa: E402


@unittest.skipUnless(backorder.store_available("sqlite"), "library built without the sqlite store")
class SqliteTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.store = "sqlite:" + os.path.join(self.tmp.name, "shop.db")
        self.clock = FakeClock()

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_reopen_keeps_everything(self) -> None:
        with backorder.Inventory(self.store, clock=self.clock) as inv:
            inv.set_item("necklace", backorder="allow", max_backorder=10, lead_time_days=21)
            inv.receive("necklace", 1)
            inv.incoming("necklace", "PO-7", 3, T0 + 5 * DAY)
            inv.place("A", {"necklace": 1}, prices={"necklace": 25000})
            self.clock.tick()
            inv.place("B", {"necklace": 2}, priority=2, complete=True)
            inv.subscribe("necklace", "carol")
            before_items = list(inv.items())
            before_orders = list(inv.orders())
            pending = inv.pending()  # no notifier yet: every event waits
            self.assertGreater(pending, 0)
        self.assertTrue(inv.closed)

        log = EventLog()
        with backorder.Inventory(self.store, clock=self.clock) as again:
            self.assertEqual(list(again.items()), before_items)
            self.assertEqual(list(again.orders()), before_orders)
            self.assertEqual(again.now(), T0 + DAY)
            self.assertEqual(again.item("necklace").lead_time_days, 21.0)
            self.assertEqual([s.id for s in again.supplies("necklace")], ["PO-7"])
            self.assertEqual(again.order("B").line("necklace").eta, T0 + 5 * DAY)
            # The outbox survived: the events come out in order, exactly once.
            self.assertEqual(again.pending(), pending)
            again.on_event(log)
            self.assertEqual(again.dispatch(), pending)
            seqs = [e.seq for e in log.events]
            self.assertEqual(seqs, sorted(set(seqs)))
            self.assertEqual(log.kinds("A")[:2], ["accepted", "allocated"])
            # And it goes on working.
            self.clock.tick(4 * DAY)
            again.receive("necklace", 3, supply="PO-7")
            self.assertEqual(again.order("B").line("necklace").allocated, 2)
            self.assertEqual(again.supplies("necklace"), [])
            again.check()

        with backorder.Inventory(self.store) as third:
            self.assertEqual(third.order("B").line("necklace").allocated, 2)
            self.assertEqual(third.pending(), 0)

    def test_two_inventories_on_one_file(self) -> None:
        with backorder.Inventory(self.store, clock=self.clock) as one, \
                backorder.Inventory(self.store, clock=self.clock) as two:
            one.set_item("ring")
            two.receive("ring", 4)
            one.place("A", {"ring": 3})
            self.assertEqual(two.order("A").line("ring").allocated, 3)
            self.assertEqual(two.item("ring").available, 1)
            with self.assertRaises(backorder.Exists):
                two.place("A", {"ring": 1})


if __name__ == "__main__":
    unittest.main()
