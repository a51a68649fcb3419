"""Events, the clock and the foreach callbacks: delivery, exceptions raised
inside callbacks, and garbage-collection safety."""

from __future__ import annotations

import gc
import os
import sys
import threading
import unittest
from datetime import datetime
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import DAY, T0, EventLog, FakeClock, new_inventory  # noqa: E402

import backorder  # noqa: E402
from backorder import model  # noqa: E402


class Boom(Exception):
    pass


class EventTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.inv = new_inventory(self.clock)
        self.inv.set_item("ring", lead_time_days=10)
        self.log = EventLog()

    def tearDown(self) -> None:
        self.inv.close()

    def test_events_of_a_backorder_and_its_fill(self) -> None:
        self.inv.on_event(self.log)
        self.inv.place("A", {"ring": 2})
        evs = self.log.take()
        self.assertEqual([e.kind for e in evs], ["accepted", "backordered"])
        acc, bo = evs
        self.assertEqual((acc.order, acc.sku, acc.qty, acc.eta, acc.customer), ("A", None, 0, None, None))
        self.assertEqual((bo.order, bo.sku, bo.qty), ("A", "ring", 2))
        self.assertEqual(bo.eta, T0 + 10 * DAY)
        self.assertEqual(bo.time, T0)
        self.assertLess(acc.seq, bo.seq)
        self.assertIsInstance(bo.eta, datetime)
        self.assertIsNotNone(bo.eta.tzinfo)
        self.clock.tick()
        self.inv.receive("ring", 2)
        evs = self.log.take()
        self.assertEqual([(e.kind, e.qty) for e in evs], [("allocated", 2), ("ready", 0)])
        self.assertEqual(evs[0].time, T0 + DAY)
        self.inv.ship("A")
        self.assertEqual([(e.kind, e.qty) for e in self.log.take()], [("shipped", 2)])
        self.assertEqual(self.inv.pending(), 0)
        self.assertTrue(all(k in backorder.EVENT_KINDS for k in ("accepted", "ready", "shipped")))

    def test_eta_changed_and_cancelled(self) -> None:
        self.inv.on_event(self.log)
        self.inv.place("A", {"ring": 1})
        self.inv.incoming("ring", "PO", 1, T0 + 3 * DAY)
        changed = [e for e in self.log.take() if e.kind == "eta_changed"]
        self.assertEqual(len(changed), 1)
        self.assertEqual((changed[0].order, changed[0].qty, changed[0].eta), ("A", 1, T0 + 3 * DAY))
        self.inv.cancel("A")
        self.assertEqual([(e.kind, e.sku, e.qty) for e in self.log.take()], [("cancelled", "ring", 1)])

    def test_back_in_stock_names_the_customer(self) -> None:
        self.inv.on_event(self.log)
        self.inv.subscribe("ring", "alice")
        self.assertEqual(self.log.take(), [])
        self.assertEqual(self.inv.item("ring").subscribers, 1)
        self.inv.receive("ring", 3)
        evs = self.log.take()
        self.assertEqual([(e.kind, e.sku, e.customer, e.qty, e.order) for e in evs],
                         [("back_in_stock", "ring", "alice", 3, None)])
        self.assertEqual(self.inv.item("ring").subscribers, 0)
        with self.assertRaises(backorder.NotFound):
            self.inv.subscribe("nope", "alice")

    def test_manual_dispatch(self) -> None:
        with new_inventory(FakeClock(), auto_dispatch=False) as inv:
            inv.set_item("ring")
            inv.on_event(self.log)
            inv.place("A", {"ring": 1})
            self.assertEqual(self.log.events, [])
            self.assertEqual(inv.pending(), 2)
            self.assertEqual(inv.dispatch(), 2)
            self.assertEqual(self.log.kinds(), ["accepted", "backordered"])
            self.assertEqual(inv.pending(), 0)
            self.assertEqual(inv.dispatch(), 0)

    def test_refusing_keeps_the_event_pending(self) -> None:
        with new_inventory(FakeClock(), auto_dispatch=False) as inv:
            inv.set_item("ring")
            inv.place("A", {"ring": 1})
            seen = []
            inv.on_event(lambda ev: seen.append(ev.seq) or False)
            self.assertEqual(inv.dispatch(), 0)
            self.assertEqual(inv.pending(), 2)
            inv.on_event(self.log)
            self.assertEqual(inv.dispatch(), 2)
            self.assertEqual(self.log.events[0].seq, seen[0])  # the same event, again

    def test_callback_that_raises(self) -> None:
        calls = []

        def flaky(ev: backorder.Event) -> None:
            calls.append(ev.seq)
            if len(calls) == 1:
                raise Boom("mail server down")
            self.log(ev)

        self.inv.on_event(flaky)
        # The exception comes back to the caller of the call that dispatched.
        with self.assertRaises(Boom) as cm:
            self.inv.place("A", {"ring": 1})
        self.assertEqual(str(cm.exception), "mail server down")
        # The order itself committed; the refused event stays pending.
        self.assertEqual(self.inv.order("A").line("ring").backordered, 1)
        self.assertEqual(self.inv.pending(), 2)
        self.assertEqual(self.inv.dispatch(), 2)
        self.assertEqual(self.log.kinds(), ["accepted", "backordered"])
        self.assertEqual(self.log.events[0].seq, calls[0])
        # A backorder.Error raised by the callback is not mistaken for a refusal.
        self.inv.on_event(lambda ev: (_ for _ in ()).throw(backorder.StateError("mine")))
        with self.assertRaises(backorder.StateError) as cm2:
            self.inv.receive("ring", 1)
        self.assertEqual(cm2.exception.message, "mine")
        self.inv.on_event(None)
        self.assertGreater(self.inv.pending(), 0)
        self.inv.on_event(self.log)
        self.inv.dispatch()
        self.assertEqual(self.inv.pending(), 0)

    def test_base_exceptions_come_back_too(self) -> None:
        def interrupt(ev: backorder.Event) -> None:
            raise KeyboardInterrupt

        self.inv.on_event(interrupt)
        with self.assertRaises(KeyboardInterrupt):
            self.inv.place("A", {"ring": 1})

    def test_callback_may_read_the_inventory(self) -> None:
        seen = []
        self.inv.on_event(lambda ev: seen.append((ev.kind, self.inv.item("ring").backordered)))
        self.inv.place("A", {"ring": 2})
        self.assertEqual(seen, [("accepted", 2), ("backordered", 2)])

    def test_replacing_the_callback_inside_itself(self) -> None:
        # The library refuses to replace a notifier while it delivers; the
        # refusal comes back to the caller as the library's StateError.
        attempts = []

        def first(ev: backorder.Event) -> None:
            attempts.append(ev.kind)
            self.inv.on_event(self.log)

        self.inv.on_event(first)
        with self.assertRaises(backorder.StateError) as cm:
            self.inv.place("A", {"ring": 1})
        self.assertIn("notifier", cm.exception.message)
        gc.collect()
        self.assertEqual(attempts, ["accepted"])
        self.assertEqual(self.log.events, [])
        self.assertEqual(self.inv.pending(), 2)
        # Outside a delivery it works, and nothing was lost.
        self.inv.on_event(self.log)
        self.assertEqual(self.inv.dispatch(), 2)
        self.assertEqual(self.log.kinds(), ["accepted", "backordered"])
        # close() from inside the callback is refused too.
        self.inv.on_event(lambda ev: self.inv.close())
        with self.assertRaises(backorder.StateError):
            self.inv.place("B", {"ring": 1})
        self.assertFalse(self.inv.closed)
        self.inv.on_event(None)

    def test_no_callback_leaves_events_pending(self) -> None:
        self.inv.place("A", {"ring": 1})
        self.assertEqual(self.inv.pending(), 2)
        self.assertEqual(self.inv.dispatch(), 0)
        self.inv.on_event(self.log)
        self.assertEqual(self.inv.dispatch(), 2)

    def test_threads_share_an_inventory(self) -> None:
        self.inv.on_event(self.log)
        errors = []

        def worker(n: int) -> None:
            try:
                for i in range(20):
                    self.inv.place("T%d-%d" % (n, i), {"ring": 1})
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.inv.item("ring").backordered, 60)
        self.assertEqual(self.log.kinds().count("accepted"), 60)
        seqs = [e.seq for e in self.log.events]
        self.assertEqual(seqs, sorted(seqs))
        self.inv.check()


class GarbageCollectionTests(unittest.TestCase):
    def test_lambda_callbacks_survive_gc(self) -> None:
        got = []
        clock = FakeClock()
        inv = backorder.Inventory(clock=lambda: clock())
        inv.on_event(lambda ev: got.append(ev.kind))
        inv.set_item("ring")
        gc.collect()
        inv.place("A", {"ring": 1})
        gc.collect()
        inv.receive("ring", 1)
        self.assertEqual(got, ["accepted", "backordered", "allocated", "ready"])
        self.assertGreater(clock.calls, 0)
        inv.close()

    def test_foreach_callbacks_survive_gc(self) -> None:
        with new_inventory() as inv:
            inv.set_item("ring")
            inv.place("A", {"ring": 1})
            original = model.ItemStatus._from_c

            def collecting(st):  # a full collection while C walks the items
                gc.collect()
                return original(st)

            with mock.patch.object(model.ItemStatus, "_from_c", side_effect=collecting):
                self.assertEqual([i.sku for i in inv.items()], ["ring"])
            self.assertEqual([o.id for o in inv.orders()], ["A"])


class ForeachExceptionTests(unittest.TestCase):
    """An exception inside a foreach callback stops the walk and comes back."""

    def setUp(self) -> None:
        self.inv = new_inventory()
        self.inv.set_item("ring")
        self.inv.incoming("ring", "PO", 1, T0 + DAY)
        self.inv.place("A", {"ring": 2})

    def tearDown(self) -> None:
        self.inv.close()

    def _raises(self, cls: type, method: str) -> None:
        with mock.patch.object(cls, "_from_c", side_effect=Boom(method)):
            with self.assertRaises(Boom):
                getattr(self, method)()

    def items(self) -> None:
        list(self.inv.items())

    def waiting(self) -> None:
        self.inv.waiting("ring")

    def supplies(self) -> None:
        self.inv.supplies("ring")

    def orders(self) -> None:
        with mock.patch.object(backorder.Order, "_from_handle", side_effect=Boom("orders")):
            list(self.inv.orders())

    def test_items(self) -> None:
        self._raises(backorder.ItemStatus, "items")

    def test_waiting(self) -> None:
        self._raises(backorder.WaitingLine, "waiting")

    def test_supplies(self) -> None:
        self._raises(backorder.Supply, "supplies")

    def test_orders(self) -> None:
        with self.assertRaises(Boom):
            self.orders()
        # The inventory is unharmed.
        self.assertEqual([o.id for o in self.inv.orders()], ["A"])


class ClockTests(unittest.TestCase):
    def test_clock_that_raises(self) -> None:
        state = {"fail": False}
        clock = FakeClock()

        def flaky() -> datetime:
            if state["fail"]:
                raise Boom("clock broke")
            return clock()

        with backorder.Inventory(clock=flaky) as inv:
            inv.set_item("ring")
            state["fail"] = True
            with self.assertRaises(Boom):
                inv.advance()
            with self.assertRaises(Boom):
                inv.receive("ring", 1)
            state["fail"] = False
            clock.tick()
            inv.advance()
            self.assertEqual(inv.now(), T0 + DAY)

    def test_clock_returning_naive_datetime(self) -> None:
        naive = {"on": False}
        clock = FakeClock()
        with backorder.Inventory(clock=lambda: datetime(2026, 1, 2) if naive["on"] else clock()) as inv:
            naive["on"] = True
            with self.assertRaises(backorder.InvalidArgument):
                inv.set_item("ring")
            naive["on"] = False
            inv.set_item("ring")
            self.assertEqual(inv.item("ring").sku, "ring")

    def test_naive_arguments_are_refused(self) -> None:
        with new_inventory() as inv:
            inv.set_item("ring")
            with self.assertRaises(backorder.InvalidArgument):
                inv.incoming("ring", "PO", 1, datetime(2026, 2, 1))
            with self.assertRaises(backorder.InvalidArgument):
                inv.place("A", {"ring": 1}, due=datetime(2026, 2, 1))
            with self.assertRaises(backorder.InvalidArgument):
                inv.set_item("ring", release_at="tomorrow")  # type: ignore[arg-type]
            self.assertEqual(inv.supplies("ring"), [])


if __name__ == "__main__":
    unittest.main()
