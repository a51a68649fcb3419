"""Every Inventory method against the memory store."""

from __future__ import annotations

import gc
import os
import sys
import unittest
import weakref
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, EventLog, FakeClock, new_inventory  # noqa: E402

import backorder  # noqa: E402


class ItemTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.inv = new_inventory(self.clock)

    def tearDown(self) -> None:
        self.inv.close()

    def test_new_item_defaults(self) -> None:
        self.inv.set_item("ring")
        it = self.inv.item("ring")
        self.assertEqual(it.sku, "ring")
        self.assertEqual(it.policy, "fifo")
        self.assertEqual((it.on_hand, it.allocated, it.available, it.backordered, it.incoming),
                         (0, 0, 0, 0, 0))
        self.assertEqual(it.backorder, "allow")
        self.assertFalse(it.in_preorder)
        self.assertIsNone(it.max_backorder)
        self.assertIsNone(it.lead_time)
        self.assertIsNone(it.lead_time_days)
        self.assertIsNone(it.release_at)
        self.assertIsNone(it.preorder_max)
        self.assertIsNone(it.oldest_wait)
        self.assertIsNone(it.fill_rate)

    def test_set_item_every_setting(self) -> None:
        release = T0 + 10 * DAY
        self.inv.set_item("ring", backorder="deny", max_backorder=5, lead_time_days=14,
                          policy="priority", release_at=release, preorder_max=7)
        it = self.inv.item("ring")
        self.assertEqual(it.backorder, "deny")
        self.assertEqual(it.max_backorder, 5)
        self.assertEqual(it.lead_time, timedelta(days=14))
        self.assertEqual(it.lead_time_days, 14.0)
        self.assertEqual(it.policy, "priority")
        self.assertEqual(it.release_at, release)
        self.assertTrue(it.in_preorder)
        self.assertEqual(it.preorder_max, 7)

    def test_set_item_changes_only_what_is_given(self) -> None:
        self.inv.set_item("ring", backorder="deny", max_backorder=5, lead_time_days=2)
        self.inv.set_item("ring", max_backorder=9)
        it = self.inv.item("ring")
        self.assertEqual((it.backorder, it.max_backorder, it.lead_time_days), ("deny", 9, 2.0))
        # None clears an optional setting.
        self.inv.set_item("ring", max_backorder=None, lead_time_days=None)
        it = self.inv.item("ring")
        self.assertIsNone(it.max_backorder)
        self.assertIsNone(it.lead_time)
        self.assertEqual(it.backorder, "deny")

    def test_lead_time_fractional_and_timedelta(self) -> None:
        self.inv.set_item("ring", lead_time_days=0.5)
        self.assertEqual(self.inv.item("ring").lead_time, timedelta(hours=12))
        self.inv.set_item("ring", lead_time_days=timedelta(hours=30))
        self.assertEqual(self.inv.item("ring").lead_time, timedelta(hours=30))

    def test_set_item_rejects_bad_values(self) -> None:
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_item("ring", backorder="maybe")
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_item("ring", max_backorder=-1)  # would read as "no cap" in C
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_item("ring", lead_time_days=-1)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_item("ring", policy="no-such-policy")
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_item("has space")
        with self.assertRaises(backorder.NotFound):
            self.inv.item("ring")  # none of the failures created it

    def test_receive_and_adjust(self) -> None:
        self.inv.set_item("ring")
        self.inv.receive("ring", 5)
        self.assertEqual(self.inv.item("ring").on_hand, 5)
        self.inv.adjust("ring", -2)
        self.assertEqual(self.inv.item("ring").on_hand, 3)
        self.inv.adjust("ring", 4)
        it = self.inv.item("ring")
        self.assertEqual((it.on_hand, it.available), (7, 7))
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.adjust("ring", -8)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.adjust("ring", 0)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.receive("ring", 0)
        self.assertEqual(self.inv.item("ring").on_hand, 7)

    def test_incoming_supplies_and_receive_against_supply(self) -> None:
        self.inv.set_item("ring")
        self.inv.incoming("ring", "PO-2", 4, T0 + 9 * DAY)
        self.inv.incoming("ring", "PO-1", 3, T0 + 5 * DAY)
        self.assertEqual(self.inv.item("ring").incoming, 7)
        sup = self.inv.supplies("ring")
        self.assertEqual([(s.id, s.qty, s.expected) for s in sup],
                         [("PO-1", 3, T0 + 5 * DAY), ("PO-2", 4, T0 + 9 * DAY)])
        self.assertEqual(sup[0].sku, "ring")
        # A second incoming with the same id replaces it.
        self.inv.incoming("ring", "PO-1", 2, T0 + 6 * DAY)
        self.assertEqual(self.inv.item("ring").incoming, 6)
        self.inv.receive("ring", 1, supply="PO-1")
        self.assertEqual([(s.id, s.qty) for s in self.inv.supplies("ring")], [("PO-1", 1), ("PO-2", 4)])
        self.inv.receive("ring", 1, supply="PO-1")
        self.assertEqual([s.id for s in self.inv.supplies("ring")], ["PO-2"])
        with self.assertRaises(backorder.NotFound):
            self.inv.receive("ring", 1, supply="PO-1")
        self.inv.remove_incoming("ring", "PO-2")
        self.assertEqual(self.inv.supplies("ring"), [])
        self.assertEqual(self.inv.item("ring").incoming, 0)
        with self.assertRaises(backorder.NotFound):
            self.inv.remove_incoming("ring", "PO-2")
        self.assertEqual(self.inv.item("ring").on_hand, 2)

    def test_items_iterator_in_sku_order(self) -> None:
        for sku in ("b", "c", "a"):
            self.inv.set_item(sku)
        self.inv.receive("c", 3)
        it = self.inv.items()
        self.assertEqual(next(iter(it)).sku, "a")
        rows = list(self.inv.items())
        self.assertEqual([r.sku for r in rows], ["a", "b", "c"])
        self.assertEqual(rows[2].on_hand, 3)
        self.assertTrue(all(isinstance(r, backorder.ItemStatus) for r in rows))

    def test_policies(self) -> None:
        self.inv.set_default_policy("due")
        self.inv.set_item("ring")
        self.assertEqual(self.inv.item("ring").policy, "due")
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.set_default_policy("nope")

    def test_default_policy_option(self) -> None:
        with backorder.Inventory(default_policy="fair") as inv:
            inv.set_item("x")
            self.assertEqual(inv.item("x").policy, "fair")

    def test_now_follows_the_clock(self) -> None:
        self.inv.set_item("ring")
        self.assertEqual(self.inv.now(), T0)
        self.clock.tick(3 * DAY)
        self.inv.advance()
        self.assertEqual(self.inv.now(), T0 + 3 * DAY)
        # The clock never goes backwards: advance() refuses, other calls ignore it.
        self.clock.now = T0
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.advance()
        self.inv.receive("ring", 1)
        self.assertEqual(self.inv.now(), T0 + 3 * DAY)

    def test_check(self) -> None:
        self.inv.set_item("ring")
        self.inv.receive("ring", 1)
        self.inv.place("A", {"ring": 3})
        self.inv.check()


class OrderTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.inv = new_inventory(self.clock)
        self.inv.set_item("ring")
        self.inv.set_item("chain")

    def tearDown(self) -> None:
        self.inv.close()

    def test_partial_backorder_and_order_snapshot(self) -> None:
        self.inv.receive("ring", 2)
        self.inv.place("A", {"ring": 5, "chain": 1}, priority=3, due=T0 + 7 * DAY,
                       complete=True, prices={"ring": 1999})
        o = self.inv.order("A")
        self.assertEqual(o.id, "A")
        self.assertEqual(o.priority, 3)
        self.assertEqual(o.due, T0 + 7 * DAY)
        self.assertEqual(o.created, T0)
        self.assertTrue(o.complete)
        self.assertEqual(o.ship_mode, "complete")
        self.assertEqual([l.sku for l in o.lines], ["ring", "chain"])
        ring = o.line("ring")
        self.assertEqual((ring.ordered, ring.allocated, ring.backordered, ring.shipped, ring.cancelled),
                         (5, 2, 3, 0, 0))
        self.assertEqual(ring.unit_price, 1999)
        self.assertIsNone(o.line("chain").unit_price)
        self.assertIsNone(ring.eta)  # no supply, no lead time: unknown
        with self.assertRaises(KeyError):
            o.line("nope")
        it = self.inv.item("ring")
        self.assertEqual((it.on_hand, it.allocated, it.available, it.backordered), (2, 2, 0, 3))
        self.assertEqual(it.revenue_held, 3 * 1999)
        self.assertEqual(it.demand, 5)
        self.assertEqual(it.filled_at_once, 2)
        self.assertAlmostEqual(it.fill_rate, 0.4)
        self.assertEqual(it.waiting_lines, 1)
        self.assertEqual(it.oldest_wait, T0)

    def test_place_accepts_pairs_and_is_idempotent(self) -> None:
        self.inv.place("A", [("ring", 1), ("chain", 2)])
        self.inv.place("A", [("ring", 1), ("chain", 2)])  # the same again: no change
        self.assertEqual(len(list(self.inv.orders())), 1)
        with self.assertRaises(backorder.Exists):
            self.inv.place("A", {"ring": 2})
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("B", {"ring": 1}, prices={"chain": 5})
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("B", {"ring": 1}, prices={"ring": -1})
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("B", {})
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("B", [("ring", 1), ("ring", 2)])
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("B", ["ring"])
        with self.assertRaises(backorder.NotFound):
            self.inv.place("B", {"nope": 1})
        with self.assertRaises(backorder.NotFound):
            self.inv.order("B")

    def test_eta_from_incoming_supply_and_lead_time(self) -> None:
        self.inv.incoming("ring", "PO-1", 2, T0 + 5 * DAY)
        self.inv.place("A", {"ring": 2})
        self.inv.place("B", {"ring": 1})
        self.assertEqual(self.inv.order("A").line("ring").eta, T0 + 5 * DAY)
        self.assertIsNone(self.inv.order("B").line("ring").eta)
        self.inv.set_item("ring", lead_time_days=30)
        self.assertEqual(self.inv.order("B").line("ring").eta, T0 + 30 * DAY)
        wl = self.inv.waiting("ring")
        self.assertEqual([(w.order, w.position, w.units_ahead, w.backordered) for w in wl],
                         [("A", 1, 0, 2), ("B", 2, 2, 1)])
        self.assertEqual(wl[0].eta, T0 + 5 * DAY)
        self.assertEqual(wl[1].queue_time, T0)
        self.assertEqual(wl[0].sku, "ring")

    def test_fifo_fill_cancel_modify(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.clock.tick()
        self.inv.place("B", {"ring": 2})
        self.inv.receive("ring", 1)
        self.assertEqual(self.inv.order("A").line("ring").allocated, 1)
        self.assertEqual(self.inv.order("B").line("ring").allocated, 0)
        # A cancels: the unit goes to B at once.
        self.inv.cancel("A")
        a = self.inv.order("A").line("ring")
        self.assertEqual((a.allocated, a.cancelled), (0, 1))
        self.assertEqual(self.inv.order("B").line("ring").allocated, 1)
        with self.assertRaises(backorder.StateError):
            self.inv.cancel("A")
        # Modify B down to 1: the waiting unit goes, not counted as cancelled.
        self.inv.modify("B", "ring", 1)
        b = self.inv.order("B").line("ring")
        self.assertEqual((b.ordered, b.allocated, b.backordered, b.cancelled), (1, 1, 0, 0))
        self.inv.modify("B", "ring", 3)
        b = self.inv.order("B").line("ring")
        self.assertEqual((b.ordered, b.allocated, b.backordered), (3, 1, 2))
        self.inv.cancel("B", "ring", 1)
        self.assertEqual(self.inv.order("B").line("ring").cancelled, 1)
        self.inv.cancel("B", "ring")
        b = self.inv.order("B").line("ring")
        self.assertEqual((b.backordered, b.allocated, b.cancelled), (0, 0, 3))
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.cancel("B", qty=1)  # a quantity needs a line
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.cancel("B", "ring", -1)  # C would read -1 as "all"
        with self.assertRaises(backorder.NotFound):
            self.inv.cancel("nope")
        with self.assertRaises(backorder.NotFound):
            self.inv.modify("B", "chain", 1)
        self.inv.check()

    def test_ship(self) -> None:
        self.inv.receive("ring", 3)
        self.inv.receive("chain", 1)
        self.inv.place("A", {"ring": 3, "chain": 2})
        self.inv.ship("A", "ring", 1)
        self.assertEqual(self.inv.order("A").line("ring").shipped, 1)
        self.inv.ship("A", "ring")
        self.assertEqual(self.inv.order("A").line("ring").shipped, 3)
        self.inv.ship("A")
        o = self.inv.order("A")
        self.assertEqual((o.line("chain").shipped, o.line("chain").backordered), (1, 1))
        self.assertEqual(self.inv.item("ring").on_hand, 0)
        self.assertEqual(self.inv.item("ring").shipped, 3)
        with self.assertRaises(backorder.StateError):
            self.inv.ship("A")
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.ship("A", "ring", 0)

    def test_complete_order_ships_only_when_fully_allocated(self) -> None:
        self.inv.receive("ring", 1)
        self.inv.place("A", {"ring": 1, "chain": 1}, complete=True)
        with self.assertRaises(backorder.StateError):
            self.inv.ship("A")
        self.inv.receive("chain", 1)
        self.inv.ship("A")
        self.assertEqual(self.inv.order("A").line("chain").shipped, 1)

    def test_deny_and_caps(self) -> None:
        self.inv.set_item("ring", backorder="deny")
        self.inv.receive("ring", 1)
        with self.assertRaises(backorder.OutOfStock):
            self.inv.place("A", {"ring": 2})
        self.inv.place("A", {"ring": 1})
        self.inv.set_item("chain", max_backorder=2)
        self.inv.place("B", {"chain": 2})
        with self.assertRaises(backorder.OutOfStock):
            self.inv.place("C", {"chain": 1})
        with self.assertRaises(backorder.OutOfStock):
            self.inv.modify("B", "chain", 3)

    def test_preorder_release(self) -> None:
        log = EventLog()
        self.inv.on_event(log)
        self.inv.set_item("album", release_at=T0 + 2 * DAY, preorder_max=2)
        self.inv.receive("album", 5)
        self.inv.place("P", {"album": 2})
        with self.assertRaises(backorder.OutOfStock):
            self.inv.place("Q", {"album": 1})
        with self.assertRaises(backorder.StateError):
            self.inv.ship("P")
        self.clock.tick(2 * DAY)
        self.inv.advance()
        self.assertFalse(self.inv.item("album").in_preorder)
        released = [e for e in log.events if e.kind == "released"]
        self.assertEqual(len(released), 1)
        self.assertEqual((released[0].sku, released[0].order, released[0].qty), ("album", None, 2))
        self.inv.ship("P")

    def test_orders_iterator(self) -> None:
        self.inv.place("b", {"ring": 1})
        self.inv.place("a", {"chain": 1, "ring": 2})
        orders = list(self.inv.orders())
        self.assertEqual([o.id for o in orders], ["a", "b"])
        self.assertEqual([l.sku for l in orders[0].lines], ["chain", "ring"])
        self.assertEqual(orders[0].line("ring").backordered, 2)

    def test_custom_policy(self) -> None:
        # Biggest line first.
        self.inv.add_policy("biggest", lambda line: -line.ordered)
        self.inv.set_item("ring", policy="biggest")
        self.assertEqual(self.inv.item("ring").policy, "biggest")
        self.inv.place("small", {"ring": 1})
        self.inv.place("big", {"ring": 3})
        self.assertEqual([w.order for w in self.inv.waiting("ring")], ["big", "small"])
        self.inv.receive("ring", 3)
        self.assertEqual(self.inv.order("big").line("ring").allocated, 3)
        self.assertEqual(self.inv.order("small").line("ring").allocated, 0)
        with self.assertRaises(backorder.Exists):
            self.inv.add_policy("biggest", lambda line: 0)
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.add_policy("fifo", lambda line: 0)

    def test_custom_policy_key_that_raises(self) -> None:
        def key(line: backorder.LineView) -> int:
            if line.order == "boom":
                raise ZeroDivisionError("bad key")
            return (line.priority,)

        self.inv.add_policy("picky", key)
        self.inv.set_item("ring", policy="picky")
        with self.assertRaises(ZeroDivisionError):
            self.inv.place("boom", {"ring": 1})
        with self.assertRaises(backorder.NotFound):
            self.inv.order("boom")
        self.inv.add_policy("toolong", lambda line: (1, 2, 3, 4))
        self.inv.set_item("chain", policy="toolong")
        with self.assertRaises(backorder.InvalidArgument):
            self.inv.place("x", {"chain": 1})
        self.inv.place("fine", {"ring": 1})
        self.assertEqual(self.inv.order("fine").line("ring").backordered, 1)

    def test_batch(self) -> None:
        with self.inv.batch():
            self.inv.receive("ring", 2)
            self.inv.place("A", {"ring": 1})
        self.assertEqual(self.inv.item("ring").allocated, 1)
        with self.assertRaises(RuntimeError):
            with self.inv.batch():
                self.inv.receive("ring", 5)
                raise RuntimeError("changed my mind")
        self.assertEqual(self.inv.item("ring").on_hand, 2)

    def test_batch_keeps_the_calls_that_succeed(self) -> None:
        log = EventLog()
        self.inv.on_event(log)
        self.inv.set_item("chain", backorder="deny")
        with self.inv.batch() as inv:
            self.assertIs(inv, self.inv)
            inv.receive("ring", 1)
            with self.assertRaises(backorder.OutOfStock):
                inv.place("A", {"chain": 1})
            inv.place("B", {"ring": 1})
            with self.assertRaises(backorder.StateError):
                with inv.batch():  # no nesting
                    pass
            self.assertEqual(log.events, [])  # events wait for the commit
        self.assertEqual(log.kinds("B"), ["accepted", "allocated", "ready"])
        with self.assertRaises(backorder.NotFound):
            self.inv.order("A")
        self.assertEqual(self.inv.item("ring").allocated, 1)
        self.inv.check()


class LifeCycleTests(unittest.TestCase):
    def test_context_manager_and_close(self) -> None:
        with backorder.Inventory() as inv:
            self.assertFalse(inv.closed)
            self.assertEqual(inv.store, "memory")
            inv.set_item("ring")
            inv.place("A", {"ring": 1})
            snapshot = inv.order("A")
        self.assertTrue(inv.closed)
        inv.close()  # idempotent
        self.assertIn("closed", repr(inv))
        # Snapshots are plain data and outlive the inventory.
        self.assertEqual(snapshot.line("ring").backordered, 1)
        with self.assertRaises(backorder.StateError):
            inv.item("ring")
        with self.assertRaises(backorder.StateError):
            inv.on_event(print)
        with self.assertRaises(backorder.StateError):
            with inv:
                pass

    def test_del_frees_without_close(self) -> None:
        inv = backorder.Inventory(clock=FakeClock())
        inv.on_event(lambda ev: None)
        inv.set_item("ring")
        ref = weakref.ref(inv)
        del inv
        gc.collect()
        self.assertIsNone(ref())

    def test_del_with_a_reference_cycle(self) -> None:
        inv = backorder.Inventory()
        seen = []
        inv.on_event(lambda ev: seen.append(inv.item(ev.sku).on_hand if ev.sku else None))
        inv.set_item("ring")
        inv.place("A", {"ring": 1})
        self.assertEqual(seen, [None, 0])
        ref = weakref.ref(inv)
        del inv
        gc.collect()
        self.assertIsNone(ref())

    def test_store_errors(self) -> None:
        with self.assertRaises(backorder.InvalidArgument):
            backorder.Inventory("nosuchstore:x")
        with self.assertRaises(backorder.InvalidArgument):
            backorder.Inventory(clock=42)  # type: ignore[arg-type]
        with self.assertRaises(backorder.InvalidArgument) as cm:
            backorder.Inventory(default_policy="nope")
        self.assertIn("nope", cm.exception.message)

    def test_module_functions(self) -> None:
        self.assertTrue(backorder.store_available("memory"))
        self.assertFalse(backorder.store_available("carrier-pigeon"))
        self.assertEqual(backorder.status_name(-5), "out_of_stock")
        self.assertEqual(backorder.status_name(0), "ok")
        self.assertEqual(backorder.library_version().split(".")[0], "0")
        self.assertTrue(backorder.library_path())


if __name__ == "__main__":
    unittest.main()
