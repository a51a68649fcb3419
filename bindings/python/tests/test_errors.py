"""The exception classes: mapping from C status codes, messages, and one
real failure of the library per class."""

from __future__ import annotations

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import new_inventory  # noqa: E402

import backorder  # noqa: E402
from backorder import _ffi, errors  # noqa: E402

CLASSES = {
    _ffi.BO_EPARSE: (backorder.ParseError, "parse"),
    _ffi.BO_EINVALID: (backorder.InvalidArgument, "invalid"),
    _ffi.BO_ENOTFOUND: (backorder.NotFound, "not_found"),
    _ffi.BO_EEXISTS: (backorder.Exists, "exists"),
    _ffi.BO_EOUTOFSTOCK: (backorder.OutOfStock, "out_of_stock"),
    _ffi.BO_ESTATE: (backorder.StateError, "state"),
    _ffi.BO_ESTORAGE: (backorder.StorageError, "storage"),
}


class MappingTests(unittest.TestCase):
    def test_every_status_has_its_class(self) -> None:
        for code, (cls, name) in CLASSES.items():
            exc = errors.from_status(code, "msg %d" % code)
            self.assertIs(type(exc), cls)
            self.assertIsInstance(exc, backorder.Error)
            self.assertEqual(exc.code, code)
            self.assertEqual(exc.name, name)
            self.assertEqual(exc.message, "msg %d" % code)
            self.assertEqual(str(exc), "%s: msg %d" % (name, code))
            # The names agree with the library's own.
            self.assertEqual(backorder.status_name(code), name)

    def test_unknown_status_is_a_plain_error(self) -> None:
        exc = errors.from_status(-99, "odd")
        self.assertIs(type(exc), backorder.Error)
        self.assertEqual(exc.code, -99)

    def test_python_base_classes(self) -> None:
        self.assertTrue(issubclass(backorder.InvalidArgument, ValueError))
        self.assertTrue(issubclass(backorder.NotFound, LookupError))
        exc = backorder.OutOfStock("raised by hand")
        self.assertEqual(exc.code, _ffi.BO_EOUTOFSTOCK)


class LibraryErrorTests(unittest.TestCase):
    """Each class raised by a real failing call, with the library's message."""

    def setUp(self) -> None:
        self.inv = new_inventory()
        self.inv.set_item("ring", backorder="deny")

    def tearDown(self) -> None:
        self.inv.close()

    def assertLibraryError(self, cls: type, func, *args, **kwargs) -> backorder.Error:
        with self.assertRaises(cls) as cm:
            func(*args, **kwargs)
        exc = cm.exception
        self.assertIs(type(exc), cls)
        self.assertEqual(exc.code, cls.status)
        self.assertTrue(exc.message)
        self.assertNotEqual(exc.message, "no error")
        return exc

    def test_invalid(self) -> None:
        exc = self.assertLibraryError(backorder.InvalidArgument, self.inv.set_item, "two words")
        self.assertTrue(getattr(exc, "_from_library", False))
        self.assertLibraryError(backorder.InvalidArgument, self.inv.set_item, "x" * 65)
        self.assertLibraryError(backorder.InvalidArgument, self.inv.receive, "ring", 0)

    def test_not_found(self) -> None:
        self.assertLibraryError(backorder.NotFound, self.inv.item, "nope")
        self.assertLibraryError(backorder.NotFound, self.inv.order, "nope")
        self.assertLibraryError(backorder.NotFound, self.inv.receive, "nope", 1)

    def test_exists(self) -> None:
        self.inv.set_item("chain")
        self.inv.place("A", {"chain": 1})
        self.assertLibraryError(backorder.Exists, self.inv.place, "A", {"chain": 2})

    def test_out_of_stock(self) -> None:
        self.assertLibraryError(backorder.OutOfStock, self.inv.place, "A", {"ring": 1})
        # Nothing of the failed call took effect.
        self.assertLibraryError(backorder.NotFound, self.inv.order, "A")
        self.assertEqual(self.inv.item("ring").demand, 0)
        self.assertEqual(self.inv.pending(), 0)

    def test_state(self) -> None:
        self.inv.set_item("chain")
        self.inv.place("A", {"chain": 1})
        self.assertLibraryError(backorder.StateError, self.inv.ship, "A")

    def test_storage(self) -> None:
        if not backorder.store_available("sqlite"):
            self.skipTest("library built without the sqlite store")
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "no", "such", "dir", "shop.db")
            self.assertLibraryError(backorder.StorageError, backorder.Inventory, "sqlite:" + missing)

    def test_bindings_checks_raise_invalid_argument(self) -> None:
        for call in (lambda: self.inv.receive("ring", "3"),
                     lambda: self.inv.receive("ring", True),
                     lambda: self.inv.receive("ring", 2 ** 63),
                     lambda: self.inv.receive("ri\0ng", 1),
                     lambda: self.inv.receive(b"ring", 1),
                     lambda: self.inv.ship("A", "ring", -1)):
            with self.assertRaises(backorder.InvalidArgument):
                call()


if __name__ == "__main__":
    unittest.main()
