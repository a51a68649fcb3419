"""Stock locations (DESIGN.md section 11) through the bindings: set_location,
location= on receive, adjust, incoming and ship, the per-location figures in
the query results and the location of allocated and shipped events. Each
test runs on a memory store and, when the library has it, on SQLite."""

from __future__ import annotations

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, EventLog, FakeClock  # noqa: E402

import backorder  # noqa: E402
from backorder import LineAllocation, Location, Stock  # noqa: E402


class LocationTests:
    """Mixed into one TestCase per store kind (``store()`` gives the string)."""

    def store(self) -> str:
        raise NotImplementedError

    def setUp(self) -> None:  # noqa: D401
        self.clock = FakeClock()
        self.log = EventLog()
        self.inv = backorder.Inventory(self.store(), clock=self.clock)
        self.inv.on_event(self.log)

    def tearDown(self) -> None:
        self.inv.check()  # the invariants, per location too
        self.inv.close()

    def two_locations(self) -> None:
        self.inv.set_location("shop", rank=1)
        self.inv.set_item("lamp")
        self.inv.receive("lamp", 2)
        self.inv.receive("lamp", 3, location="shop")

    def test_main_always_exists(self) -> None:
        self.assertEqual(self.inv.locations(), [Location("main", 0)])

    def test_locations_in_location_order(self) -> None:
        self.inv.set_location("west")
        self.inv.set_location("east")
        self.inv.set_location("shop", rank=-1)
        self.assertEqual([loc.id for loc in self.inv.locations()], ["shop", "east", "main", "west"])
        self.inv.set_location("shop", rank=5)  # re-ranked
        self.assertEqual(self.inv.locations()[-1], Location("shop", 5))

    def test_stock_per_location(self) -> None:
        self.two_locations()
        st = self.inv.item("lamp")
        self.assertEqual(st.on_hand, 5)
        self.assertEqual(st.stock, (Stock("main", 2, 0), Stock("shop", 3, 0)))
        self.assertEqual(st.stock[1].available, 3)
        self.assertEqual(self.inv.stock("lamp"), list(st.stock))
        self.assertEqual(next(iter(self.inv.items())).stock, st.stock)

    def test_a_line_takes_units_in_location_order(self) -> None:
        self.two_locations()
        self.inv.place("A-1", {"lamp": 4})
        line = self.inv.order("A-1").line("lamp")
        self.assertEqual(line.allocations, (LineAllocation("main", 2), LineAllocation("shop", 2)))
        self.assertEqual(self.inv.allocations("A-1", "lamp"), list(line.allocations))
        self.assertEqual(next(iter(self.inv.orders())).line("lamp").allocations, line.allocations)
        allocated = [(e.qty, e.location) for e in self.log.events if e.kind == "allocated"]
        self.assertEqual(allocated, [(2, "main"), (2, "shop")])
        self.assertTrue(all(e.location is None for e in self.log.events if e.kind not in ("allocated", "shipped")))

    def test_stock_arriving_anywhere_fills_the_queue(self) -> None:
        self.inv.set_location("shop", rank=1)
        self.inv.set_item("lamp")
        self.inv.place("A-1", {"lamp": 2})
        self.log.take()
        self.inv.receive("lamp", 2, location="shop")
        self.assertEqual([(e.kind, e.location) for e in self.log.take()],
                         [("allocated", "shop"), ("ready", None)])

    def test_ship_at_a_location(self) -> None:
        self.two_locations()
        self.inv.place("A-1", {"lamp": 4})
        self.log.take()
        self.inv.ship("A-1", "lamp", 1, location="shop")
        self.assertEqual(self.inv.order("A-1").line("lamp").allocations,
                         (LineAllocation("main", 2), LineAllocation("shop", 1)))
        self.inv.set_location("west")
        with self.assertRaises(backorder.StateError):
            self.inv.ship("A-1", location="west")  # nothing allocated there
        with self.assertRaises(backorder.NotFound):
            self.inv.ship("A-1", location="nowhere")
        self.inv.ship("A-1")  # the rest, in location order
        self.assertEqual([(e.kind, e.qty, e.location) for e in self.log.take()],
                         [("shipped", 1, "shop"), ("shipped", 2, "main"), ("shipped", 1, "shop")])
        self.assertEqual(self.inv.order("A-1").line("lamp").allocations, ())

    def test_adjust_at_a_location(self) -> None:
        self.two_locations()
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.adjust("lamp", -4, location="shop")  # below 0 there
        with self.assertRaises(backorder.NotFound):
            self.inv.adjust("lamp", 1, location="nowhere")
        self.inv.place("A-1", {"lamp": 2})  # both units at main
        self.inv.adjust("lamp", -2)  # taken back, filled again from the shop
        self.assertEqual(self.inv.order("A-1").line("lamp").allocations, (LineAllocation("shop", 2),))
        self.assertEqual(self.inv.item("lamp").stock, (Stock("shop", 3, 2),))

    def test_supply_at_a_location(self) -> None:
        self.inv.set_location("shop", rank=1)
        self.inv.set_item("lamp")
        self.inv.incoming("lamp", "PO-1", 5, T0 + 10 * DAY, location="shop")
        self.assertEqual(self.inv.supplies("lamp")[0].location, "shop")
        self.inv.receive("lamp", 2, supply="PO-1")  # arrives at the record's location
        self.assertEqual(self.inv.item("lamp").stock, (Stock("shop", 2, 0),))
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.receive("lamp", 1, supply="PO-1", location="main")
        self.inv.receive("lamp", 1, supply="PO-1", location="shop")
        self.assertEqual(self.inv.supplies("lamp")[0].qty, 2)
        with self.assertRaises(backorder.NotFound):
            self.inv.incoming("lamp", "PO-2", 1, T0 + DAY, location="nowhere")

    def test_bad_location_ids(self) -> None:
        for bad in ["", "a b", "x" * 65]:
            with self.assertRaises(backorder.InvalidArgument):
                self.inv.set_location(bad)

    def test_one_location_reports_main(self) -> None:
        self.inv.set_item("lamp")
        self.inv.receive("lamp", 1)
        self.inv.place("A-1", {"lamp": 1})
        self.assertEqual(self.inv.item("lamp").stock, (Stock("main", 1, 1),))
        self.assertEqual(self.inv.order("A-1").line("lamp").allocations, (LineAllocation("main", 1),))
        self.assertEqual([e.location for e in self.log.events if e.kind == "allocated"], ["main"])


class MemoryLocationTests(LocationTests, unittest.TestCase):
    def store(self) -> str:
        return "memory"


@unittest.skipUnless(backorder.store_available("sqlite"), "library built without the sqlite store")
class SqliteLocationTests(LocationTests, unittest.TestCase):
    def store(self) -> str:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        return "sqlite:" + os.path.join(self.tmp.name, "shop.db")
