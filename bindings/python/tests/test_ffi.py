"""The private ctypes layer: library lookup, version check, struct layouts."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpers  # noqa: E402,F401  (puts the package on sys.path)

import backorder  # noqa: E402
from backorder import _ffi  # noqa: E402


class FfiTests(unittest.TestCase):
    def test_struct_sizes_match_the_library(self) -> None:
        lib = _ffi.load()
        self.assertEqual(lib.bo_item_status_size(), ctypes.sizeof(_ffi.bo_item_status))
        self.assertEqual(lib.bo_line_status_size(), ctypes.sizeof(_ffi.bo_line_status))

    def test_every_declared_function_is_registered(self) -> None:
        lib = _ffi.load()
        for name, argtypes, restype, _errcheck in _ffi.FUNCTIONS:
            func = getattr(lib, name)
            self.assertEqual(func.argtypes, argtypes, name)
            self.assertEqual(func.restype, restype, name)

    def test_event_kind_names(self) -> None:
        lib = _ffi.load()
        names = [_ffi.decode(lib.bo_event_kind_name(k)) for k in range(1, 10)]
        self.assertEqual(tuple(names), backorder.EVENT_KINDS)

    def test_environment_variable_wins_alone(self) -> None:
        with mock.patch.dict(os.environ, {"BACKORDER_LIBRARY": "/x/libfoo.so"}):
            self.assertEqual(_ffi.candidates(), ["/x/libfoo.so"])
        with mock.patch.dict(os.environ, {"BACKORDER_LIBRARY": ""}):
            # Unset or empty: the usual places, ending with the SONAME.
            self.assertEqual(_ffi.candidates()[-1], _ffi._library_names()[0])

    def test_version_check(self) -> None:
        class FakeLib:
            def __init__(self, version: bytes) -> None:
                self.version = version

            def bo_version(self) -> bytes:
                return self.version

            def bo_item_status_size(self) -> int:
                return ctypes.sizeof(_ffi.bo_item_status)

            def bo_line_status_size(self) -> int:
                return ctypes.sizeof(_ffi.bo_line_status) + 8

        with self.assertRaisesRegex(ImportError, "version 9.0.0"):
            _ffi._check_version(FakeLib(b"9.0.0"), "fake")
        with self.assertRaisesRegex(ImportError, "unreadable"):
            _ffi._check_version(FakeLib(b"banana"), "fake")
        with self.assertRaisesRegex(ImportError, "bo_line_status_size"):
            _ffi._check_version(FakeLib(b"0.9.1"), "fake")

    def test_unloadable_library_is_an_import_error(self) -> None:
        code = ("import backorder, sys\n"
                "try:\n"
                "    backorder.Inventory()\n"
                "except ImportError as e:\n"
                "    print('import-error', 'BACKORDER_LIBRARY' in str(e))\n")
        env = dict(os.environ, BACKORDER_LIBRARY="/nonexistent/libbackorder.so.0")
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.stdout.strip(), "import-error True", out.stderr)

    def test_importing_needs_no_library(self) -> None:
        code = "import backorder; print(backorder.__version__)"
        env = dict(os.environ, BACKORDER_LIBRARY="/nonexistent/libbackorder.so.0")
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.stdout.strip(), backorder.__version__, out.stderr)

    def test_time_conversions(self) -> None:
        from datetime import datetime, timedelta, timezone
        from backorder import model
        t = datetime(2026, 3, 1, 12, 0, 0, 900000, tzinfo=timezone(timedelta(hours=2)))
        c = model.to_c_time(t, "t")
        self.assertEqual(c, int(datetime(2026, 3, 1, 10, 0, 0, tzinfo=timezone.utc).timestamp()))
        self.assertEqual(model.from_c_time(c), datetime(2026, 3, 1, 10, tzinfo=timezone.utc))
        self.assertIsNone(model.from_c_time(_ffi.BO_NO_TIME))
        self.assertEqual(model.from_c_time(_ffi.INT64_MAX).year, 9999)
        self.assertEqual(model.to_c_time(-1, "t"), -1)


if __name__ == "__main__":
    unittest.main()
