"""Reports (issue 14): inv.report() returns dataclasses with the figures of
a small shop computed by hand; inv.report_csv() and inv.report_text()
write what the `backorder report` command writes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, FakeClock  # noqa: E402

import backorder  # noqa: E402

HOUR = timedelta(hours=1)

CSV = ("sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,"
       "revenue_held,oldest_wait_days,fill_rate,late_lines\n"
       "bolt,7,7,0,0,0,0,0,0,,0.714,0\n"
       "gear,2,2,0,2,1,1,1,0,3,0.000,1\n"
       "nut,0,0,0,1,1,0,1,250,3,0.000,0\n")


def build_shop(inv: backorder.Inventory, clock: FakeClock) -> None:
    """The shop of tests/test_report.c."""
    clock.now = T0 + 9 * HOUR
    inv.set_item("bolt")
    inv.set_item("gear", lead_time_days=2)
    inv.set_item("nut")
    inv.receive("bolt", 5)
    inv.place("A", {"bolt": 3}, prices={"bolt": 100})
    inv.place("B", {"bolt": 4, "gear": 2}, prices={"bolt": 100, "gear": 500})
    clock.now = T0 + DAY + 10 * HOUR
    inv.place("C", {"gear": 3, "nut": 1}, prices={"nut": 250})
    inv.cancel("C", "gear", 1)
    clock.now = T0 + 2 * DAY + 12 * HOUR
    inv.receive("bolt", 2)
    inv.receive("gear", 2)
    inv.incoming("gear", "po-9", 1, T0 + 20 * DAY)
    clock.now = T0 + 5 * DAY


class ReportTests(unittest.TestCase):
    stores = ["memory"]

    def open(self) -> backorder.Inventory:
        return backorder.Inventory(self.store, clock=self.clock)

    def setUp(self) -> None:
        self.clock = FakeClock()
        self.store = "memory"
        self.inv = self.open()
        build_shop(self.inv, self.clock)

    def tearDown(self) -> None:
        self.inv.close()

    def test_figures(self) -> None:
        r = self.inv.report()
        self.assertEqual(r.now, T0 + 5 * DAY)
        self.assertIsNone(r.since)
        self.assertTrue(r.history)
        self.assertEqual([it.sku for it in r.items], ["bolt", "gear", "nut"])
        self.assertEqual([it.sku for it in r.by_need()], ["nut", "gear", "bolt"])
        bolt, gear, nut = r.items
        self.assertEqual((bolt.on_hand, bolt.allocated, bolt.backordered, bolt.shortfall), (7, 7, 0, 0))
        self.assertAlmostEqual(bolt.fill_rate, 5 / 7)
        self.assertIsNone(bolt.oldest_wait_days)
        self.assertEqual((bolt.ordered, bolt.period_backordered, bolt.filled_lines), (7, 2, 1))
        self.assertEqual(bolt.wait_avg, timedelta(days=2, hours=3))
        self.assertEqual(bolt.wait_p90, timedelta(days=2, hours=3))
        self.assertEqual((gear.backordered, gear.waiting_lines, gear.incoming, gear.shortfall), (2, 1, 1, 1))
        self.assertEqual(gear.order_now, 1)
        self.assertEqual(gear.late_lines, 1)
        self.assertEqual(gear.oldest_wait, T0 + DAY + 10 * HOUR)
        self.assertEqual(gear.oldest_wait_days, 3)
        self.assertEqual(gear.fill_rate, 0.0)
        self.assertEqual(gear.cancelled, 1)
        self.assertEqual(gear.ageing, (0, 0, 1, 0, 0, 0))
        self.assertEqual([(d.day, d.ordered, d.backordered, d.cancelled, d.filled_lines) for d in gear.days],
                         [(date(2026, 1, 1), 2, 2, 0, 0), (date(2026, 1, 2), 3, 3, 1, 0),
                          (date(2026, 1, 3), 0, 0, 0, 1)])
        self.assertEqual((nut.revenue_held, nut.shortfall, nut.late_lines, nut.need_rank), (250, 1, 0, 1))
        self.assertIsNone(nut.wait_avg)
        self.assertEqual(r.totals.sku, "")
        self.assertEqual((r.totals.shortfall, r.totals.backordered, r.totals.late_lines), (2, 3, 1))
        self.assertEqual([d.ordered for d in r.days], [9, 4, 0])
        self.assertEqual(r.item("gear"), gear)
        with self.assertRaises(KeyError):
            r.item("spoon")

    def test_since(self) -> None:
        r = self.inv.report(since=T0 + DAY + 5 * HOUR)
        self.assertEqual(r.since, T0 + DAY)
        self.assertEqual(r.item("bolt").ordered, 0)
        self.assertEqual(r.item("bolt").fill_ordered, 7)  # the fill rate is of all history
        self.assertEqual(r.item("gear").ordered, 3)
        self.assertEqual(len(r.days), 2)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.report(since="yesterday")

    def test_formats(self) -> None:
        self.assertEqual(self.inv.report_csv(), CSV)
        text = self.inv.report_text()
        self.assertIn("  nut: order 1 now\n  gear: order 1 now\n", text)
        doc = json.loads(self.inv.report_text("json"))
        self.assertEqual(doc["now"], "2026-01-06T00:00:00Z")
        self.assertEqual([i["sku"] for i in doc["items"]], ["bolt", "gear", "nut"])
        self.assertEqual(doc["items"][1]["shortfall"], 1)
        self.assertEqual(doc["items"][1]["period"]["cancelled"], 1)
        self.assertEqual(doc["totals"]["fill_rate"], 0.385)
        page = self.inv.report_text("html")
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        self.assertNotIn("<script", page)
        self.assertIn("order 1 now", page)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.report_text("pdf")

    @unittest.skipUnless(backorder.store_available("sqlite"), "no SQLite adapter")
    def test_sqlite_agrees(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            clock = FakeClock()
            with backorder.Inventory("sqlite:" + os.path.join(d, "shop.db"), clock=clock) as inv:
                build_shop(inv, clock)
                self.assertEqual(inv.report_csv(), CSV)
                self.assertEqual(inv.report_text("json"), self.inv.report_text("json"))
                self.assertEqual(inv.report(), self.inv.report())


if __name__ == "__main__":
    unittest.main()
