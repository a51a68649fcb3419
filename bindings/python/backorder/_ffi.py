"""Private: the ctypes declarations of libbackorder and the library loader.

Everything the package knows about the C ABI lives in this module: the
struct layouts, the callback types and one table of
``(name, argtypes, restype, errcheck)`` entries registered on the library
when it is loaded (in the manner of python-libarchive-c and LLVM's
cindex.py).  Nothing here is public API.

The library is looked up, in order, at

1. the path in the environment variable ``BACKORDER_LIBRARY`` (when it is
   set, nothing else is tried);
2. the library directory recorded at install time (``_config.LIBDIR``),
   then the directories around the package itself;
3. ``ctypes.util.find_library("backorder")``;
4. the SONAME ``libbackorder.so.0`` (the dynamic linker's own search).

Exceptions raised inside Python callbacks cannot cross the C frames that
called them: the callback stores the exception with :func:`stash_exception`
and returns a failure to C; the errcheck of the C function re-raises it as
soon as the call returns (see :func:`take_exception`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double,
                    c_int, c_int64, c_size_t, c_uint, c_uint64, c_void_p)
from typing import Any, Callable, List, Optional, Sequence, Tuple

#: The major version of the C API these declarations describe.
ABI_MAJOR = 0

# --------------------------------------------------------------------------
# Constants of backorder/common.h and backorder.h

BO_OK = 0
BO_EPARSE = -1
BO_EINVALID = -2
BO_ENOTFOUND = -3
BO_EEXISTS = -4
BO_EOUTOFSTOCK = -5
BO_ESTATE = -6
BO_ESTORAGE = -7

BO_ID_MAX = 64
BO_NAME_MAX = 31
BO_KEY_WORDS = 3

BO_NO_TIME = -(2 ** 63)
BO_UNLIMITED = -1
BO_NO_PRICE = -1
BO_ALL = -1

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1

BO_BACKORDER_ALLOW = 0
BO_BACKORDER_DENY = 1

BO_SHIP_PARTIAL = 0
BO_SHIP_COMPLETE = 1

BO_OPTIONS_VERSION = 1
BO_ITEM_SETTINGS_VERSION = 1
BO_ORDER_OPTIONS_VERSION = 1
BO_NOTIFIER_VERSION = 1
BO_POLICY_METHODS_VERSION = 1

BO_ITEM_BACKORDER = 1 << 0
BO_ITEM_MAX_BACKORDER = 1 << 1
BO_ITEM_LEAD_TIME = 1 << 2
BO_ITEM_POLICY = 1 << 3
BO_ITEM_RELEASE_AT = 1 << 4
BO_ITEM_PREORDER_MAX = 1 << 5

BO_REPORT_OPTIONS_VERSION = 1
BO_REPORT_ITEM_VERSION = 1
BO_REPORT_AGE_BUCKETS = 6
BO_REPORT_TOTAL = 2 ** (8 * ctypes.sizeof(c_size_t)) - 1
BO_REPORT_TEXT = 0
BO_REPORT_CSV = 1
BO_REPORT_JSON = 2
BO_REPORT_HTML = 3
REPORT_FORMATS = {"text": BO_REPORT_TEXT, "csv": BO_REPORT_CSV, "json": BO_REPORT_JSON,
                  "html": BO_REPORT_HTML}

# --------------------------------------------------------------------------
# Structs

bo_clock_cb = CFUNCTYPE(c_int64, c_void_p)


class bo_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("clock", bo_clock_cb),
        ("clock_data", c_void_p),
        ("default_policy", c_char_p),
        ("auto_dispatch", c_int),
    ]


class bo_line_view(Structure):
    _fields_ = [
        ("order_id", c_char_p),
        ("sku", c_char_p),
        ("priority", c_int64),
        ("due", c_int64),
        ("created", c_int64),
        ("queue_time", c_int64),
        ("ordered", c_int64),
        ("unit_price", c_int64),
    ]


bo_sort_key_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_line_view), POINTER(c_int64))
bo_free_cb = CFUNCTYPE(None, c_void_p)


class bo_policy_methods(Structure):
    _fields_ = [
        ("version", c_uint),
        ("sort_key", bo_sort_key_cb),
        ("free", bo_free_cb),
    ]


class bo_item_settings(Structure):
    _fields_ = [
        ("version", c_uint),
        ("fields", c_uint),
        ("backorder", c_int),
        ("max_backorder", c_int64),
        ("lead_time", c_int64),
        ("policy", c_char_p),
        ("release_at", c_int64),
        ("preorder_max", c_int64),
    ]


class bo_item_status(Structure):
    _fields_ = [
        ("sku", c_char * (BO_ID_MAX + 1)),
        ("policy", c_char * (BO_NAME_MAX + 1)),
        ("on_hand", c_int64),
        ("allocated", c_int64),
        ("available", c_int64),
        ("backordered", c_int64),
        ("incoming", c_int64),
        ("backorder", c_int),
        ("in_preorder", c_int),
        ("max_backorder", c_int64),
        ("lead_time", c_int64),
        ("release_at", c_int64),
        ("preorder_max", c_int64),
        ("waiting_lines", c_int64),
        ("demand", c_int64),
        ("filled_at_once", c_int64),
        ("shipped", c_int64),
        ("cancelled", c_int64),
        ("revenue_held", c_int64),
        ("oldest_wait", c_int64),
        ("subscribers", c_int64),
        ("late_lines", c_int64),
    ]


bo_item_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_item_status))


class bo_waiting_line(Structure):
    _fields_ = [
        ("order_id", c_char_p),
        ("sku", c_char_p),
        ("position", c_int64),
        ("units_ahead", c_int64),
        ("backordered", c_int64),
        ("eta", c_int64),
        ("queue_time", c_int64),
        ("late", c_int),
    ]


bo_waiting_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_waiting_line))


class bo_supply_info(Structure):
    _fields_ = [
        ("sku", c_char_p),
        ("id", c_char_p),
        ("qty", c_int64),
        ("expected", c_int64),
        ("location", c_char_p),   # appended with locations (0.4)
    ]


bo_supply_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_supply_info))


class bo_line_spec(Structure):
    _fields_ = [
        ("sku", c_char_p),
        ("qty", c_int64),
        ("unit_price", c_int64),
    ]


class bo_order_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("priority", c_int64),
        ("due", c_int64),
        ("ship_mode", c_int),
    ]


class bo_line_status(Structure):
    _fields_ = [
        ("sku", c_char * (BO_ID_MAX + 1)),
        ("ordered", c_int64),
        ("allocated", c_int64),
        ("backordered", c_int64),
        ("shipped", c_int64),
        ("cancelled", c_int64),
        ("unit_price", c_int64),
        ("eta", c_int64),
        ("queue_time", c_int64),
        ("late", c_int),
    ]


bo_order_cb = CFUNCTYPE(c_int, c_void_p, c_void_p)


class bo_event(Structure):
    _fields_ = [
        ("seq", c_uint64),
        ("kind", c_int),
        ("order_id", c_char_p),
        ("sku", c_char_p),
        ("qty", c_int64),
        ("eta", c_int64),
        ("customer", c_char_p),
        ("time", c_int64),
        ("location", c_char_p),   # appended with locations (0.4)
    ]


bo_deliver_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_event))


class bo_location(Structure):
    _fields_ = [
        ("id", c_char_p),
        ("rank", c_int64),
    ]


bo_location_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_location))


class bo_stock(Structure):
    _fields_ = [
        ("location", c_char_p),
        ("on_hand", c_int64),
        ("allocated", c_int64),
    ]


bo_stock_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_stock))


class bo_line_alloc(Structure):
    _fields_ = [
        ("location", c_char_p),
        ("qty", c_int64),
    ]


bo_line_alloc_cb = CFUNCTYPE(c_int, c_void_p, POINTER(bo_line_alloc))


class bo_notifier(Structure):
    _fields_ = [
        ("version", c_uint),
        ("deliver", bo_deliver_cb),
        ("free", bo_free_cb),
    ]


class bo_report_options(Structure):
    _fields_ = [
        ("version", c_uint),
        ("since", c_int64),
    ]


class bo_report_item(Structure):
    _fields_ = [
        ("version", c_uint),
        ("sku", c_char * (BO_ID_MAX + 1)),
        ("on_hand", c_int64),
        ("allocated", c_int64),
        ("available", c_int64),
        ("backordered", c_int64),
        ("waiting_lines", c_int64),
        ("incoming", c_int64),
        ("shortfall", c_int64),
        ("revenue_held", c_int64),
        ("oldest_wait", c_int64),
        ("oldest_wait_days", c_int64),
        ("fill_ordered", c_int64),
        ("fill_at_once", c_int64),
        ("fill_rate", c_double),
        ("late_lines", c_int64),
        ("ageing", c_int64 * BO_REPORT_AGE_BUCKETS),
        ("ordered", c_int64),
        ("period_backordered", c_int64),
        ("cancelled", c_int64),
        ("filled_lines", c_int64),
        ("wait_avg", c_int64),
        ("wait_p90", c_int64),
        ("need_rank", c_int64),
    ]


class bo_report_day(Structure):
    _fields_ = [
        ("day", c_int64),
        ("ordered", c_int64),
        ("backordered", c_int64),
        ("cancelled", c_int64),
        ("filled_lines", c_int64),
    ]


bo_write_cb = CFUNCTYPE(c_int, c_void_p, POINTER(c_char), c_size_t)


# --------------------------------------------------------------------------
# Exceptions raised inside callbacks

_tls = threading.local()


def stash_exception(exc: BaseException) -> None:
    """Remember ``exc``, raised by a Python callback on this thread, so that
    the C call that invoked the callback re-raises it when it returns.  The
    first exception of a call wins; later ones are chained to nothing."""
    if getattr(_tls, "pending", None) is None:
        _tls.pending = exc


def take_exception() -> Optional[BaseException]:
    """Return and forget the exception stashed on this thread, if any."""
    exc = getattr(_tls, "pending", None)
    _tls.pending = None
    return exc


# The exception factory is installed by the package (errors.py) so that this
# module stays free of the public classes.
_error_factory: Optional[Callable[[int, str], BaseException]] = None


def set_error_factory(factory: Callable[[int, str], BaseException]) -> None:
    """Install the function that turns (status, message) into an exception."""
    global _error_factory
    _error_factory = factory


def _check_status(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """errcheck for functions returning a status: re-raise a callback's
    exception, raise for a negative status, return the result otherwise
    (foreach functions return a callback's positive stop value)."""
    exc = take_exception()
    if exc is not None:
        raise exc
    if result < 0:
        message = _lib_last_error()
        assert _error_factory is not None
        raise _error_factory(result, message)
    return result


def _check_void(result: Any, func: Any, args: Tuple[Any, ...]) -> Any:
    """errcheck for functions that cannot fail but may run callbacks."""
    exc = take_exception()
    if exc is not None:
        raise exc
    return result


def _lib_last_error() -> str:
    raw = _lib.bo_last_error() if _lib is not None else None
    return raw.decode("utf-8", "replace") if raw else "unknown error"


# --------------------------------------------------------------------------
# The declaration table: (name, argtypes, restype, errcheck)

_inv = c_void_p
_S = _check_status
_V = _check_void

FUNCTIONS: Sequence[Tuple[str, List[Any], Any, Any]] = [
    ("bo_version", [], c_char_p, None),
    ("bo_strerror", [c_int], c_char_p, None),
    ("bo_status_name", [c_int], c_char_p, None),
    ("bo_last_error", [], c_char_p, None),
    ("bo_clear_error", [], None, None),

    ("bo_options_init", [POINTER(bo_options), c_uint], c_int, _S),
    ("bo_inventory_open_store", [POINTER(_inv), c_char_p, POINTER(bo_options)], c_int, _S),
    ("bo_store_available", [c_char_p], c_int, None),
    ("bo_inventory_free", [_inv], None, _V),
    ("bo_inventory_now", [POINTER(c_int64), _inv], c_int, _S),
    ("bo_inventory_advance", [_inv], c_int, _S),

    ("bo_policy_builtin", [POINTER(c_void_p), c_char_p], c_int, _S),
    ("bo_policy_custom", [POINTER(c_void_p), c_char_p, POINTER(bo_policy_methods), c_void_p], c_int, _S),
    ("bo_policy_name", [c_void_p], c_char_p, None),
    ("bo_policy_free", [c_void_p], None, _V),
    ("bo_inventory_add_policy", [_inv, c_void_p], c_int, _S),
    ("bo_inventory_set_default_policy", [_inv, c_char_p], c_int, _S),

    ("bo_item_set", [_inv, c_char_p, POINTER(bo_item_settings)], c_int, _S),
    ("bo_item_receive", [_inv, c_char_p, c_int64, c_char_p], c_int, _S),
    ("bo_item_adjust", [_inv, c_char_p, c_int64], c_int, _S),
    ("bo_supply_set", [_inv, c_char_p, c_char_p, c_int64, c_int64], c_int, _S),
    ("bo_supply_remove", [_inv, c_char_p, c_char_p], c_int, _S),
    ("bo_item_subscribe", [_inv, c_char_p, c_char_p], c_int, _S),
    ("bo_item_status_size", [], c_size_t, None),
    ("bo_item_status_get", [POINTER(bo_item_status), _inv, c_char_p], c_int, _S),
    ("bo_item_foreach", [_inv, bo_item_cb, c_void_p], c_int, _S),
    ("bo_item_waiting_foreach", [_inv, c_char_p, bo_waiting_cb, c_void_p], c_int, _S),
    ("bo_supply_foreach", [_inv, c_char_p, bo_supply_cb, c_void_p], c_int, _S),

    ("bo_location_set", [_inv, c_char_p, c_int64], c_int, _S),
    ("bo_location_foreach", [_inv, bo_location_cb, c_void_p], c_int, _S),
    ("bo_item_receive_at", [_inv, c_char_p, c_int64, c_char_p, c_char_p], c_int, _S),
    ("bo_item_adjust_at", [_inv, c_char_p, c_int64, c_char_p], c_int, _S),
    ("bo_supply_set_at", [_inv, c_char_p, c_char_p, c_int64, c_int64, c_char_p], c_int, _S),
    ("bo_order_ship_at", [_inv, c_char_p, c_char_p, c_int64, c_char_p], c_int, _S),
    ("bo_item_stock_foreach", [_inv, c_char_p, bo_stock_cb, c_void_p], c_int, _S),
    ("bo_line_alloc_foreach", [_inv, c_char_p, c_char_p, bo_line_alloc_cb, c_void_p], c_int, _S),

    ("bo_order_place", [_inv, c_char_p, POINTER(bo_order_options), POINTER(bo_line_spec), c_size_t], c_int, _S),
    ("bo_order_cancel", [_inv, c_char_p, c_char_p, c_int64], c_int, _S),
    ("bo_order_modify", [_inv, c_char_p, c_char_p, c_int64], c_int, _S),
    ("bo_order_ship", [_inv, c_char_p, c_char_p, c_int64], c_int, _S),
    ("bo_line_status_size", [], c_size_t, None),
    ("bo_order_get", [POINTER(c_void_p), _inv, c_char_p], c_int, _S),
    ("bo_order_free", [c_void_p], None, None),
    ("bo_order_id", [c_void_p], c_char_p, None),
    ("bo_order_priority", [c_void_p], c_int64, None),
    ("bo_order_due", [c_void_p], c_int64, None),
    ("bo_order_created", [c_void_p], c_int64, None),
    ("bo_order_ship_mode", [c_void_p], c_int, None),
    ("bo_order_line_count", [c_void_p], c_size_t, None),
    ("bo_order_line", [POINTER(bo_line_status), c_void_p, c_size_t], c_int, _S),
    ("bo_order_foreach", [_inv, bo_order_cb, c_void_p], c_int, _S),

    ("bo_event_kind_name", [c_int], c_char_p, None),
    ("bo_inventory_set_notifier", [_inv, POINTER(bo_notifier), c_void_p], c_int, _S),
    ("bo_inventory_dispatch", [_inv, POINTER(c_size_t)], c_int, _S),
    ("bo_inventory_pending", [POINTER(c_size_t), _inv], c_int, _S),

    ("bo_inventory_batch_begin", [_inv], c_int, _S),
    ("bo_inventory_batch_end", [_inv, c_int], c_int, _S),

    ("bo_inventory_check", [_inv], c_int, _S),

    ("bo_report_make", [POINTER(c_void_p), _inv, POINTER(bo_report_options)], c_int, _S),
    ("bo_report_free", [c_void_p], None, None),
    ("bo_report_now", [c_void_p], c_int64, None),
    ("bo_report_since", [c_void_p], c_int64, None),
    ("bo_report_has_history", [c_void_p], c_int, None),
    ("bo_report_item_count", [c_void_p], c_size_t, None),
    ("bo_report_item_get", [POINTER(bo_report_item), c_void_p, c_size_t], c_int, _S),
    ("bo_report_day_count", [c_void_p, c_size_t], c_size_t, None),
    ("bo_report_day_get", [POINTER(bo_report_day), c_void_p, c_size_t, c_size_t], c_int, _S),
    ("bo_report_write", [c_void_p, c_int, bo_write_cb, c_void_p], c_int, _S),
    ("bo_report_item_size", [], c_size_t, None),
    ("bo_report_day_size", [], c_size_t, None),
]

# Structs whose size the library reports, checked on load.
SIZED_STRUCTS = [
    ("bo_item_status_size", bo_item_status),
    ("bo_line_status_size", bo_line_status),
    ("bo_report_item_size", bo_report_item),
    ("bo_report_day_size", bo_report_day),
]

# --------------------------------------------------------------------------
# Loading

_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None
_load_lock = threading.Lock()


def _library_names() -> List[str]:
    if sys.platform == "darwin":
        return ["libbackorder.0.dylib", "libbackorder.dylib"]
    if sys.platform.startswith("win"):
        return ["backorder.dll", "libbackorder.dll", "libbackorder-0.dll"]
    return ["libbackorder.so.0", "libbackorder.so"]


def candidates() -> List[str]:
    """The places the library is looked for, in order (see module docs)."""
    env = os.environ.get("BACKORDER_LIBRARY")
    if env:
        # An explicit choice is never silently replaced by another library.
        return [env]
    found: List[str] = []
    dirs: List[str] = []
    try:
        from . import _config  # generated by meson at install time
        libdir = getattr(_config, "LIBDIR", None)
        if libdir:
            dirs.append(libdir)
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    dirs.append(here)
    dirs.append(os.path.dirname(here))
    for d in dirs:
        for name in _library_names():
            path = os.path.join(d, name)
            if os.path.exists(path):
                found.append(path)
    util = ctypes.util.find_library("backorder")
    if util:
        found.append(util)
    found.extend(_library_names()[:1])
    return found


def _register(lib: ctypes.CDLL) -> None:
    for name, argtypes, restype, errcheck in FUNCTIONS:
        try:
            func = getattr(lib, name)
        except AttributeError:
            raise ImportError("libbackorder at %s lacks the symbol %s"
                              % (_lib_path, name)) from None
        func.argtypes = argtypes
        func.restype = restype
        if errcheck is not None:
            func.errcheck = errcheck


def _check_version(lib: ctypes.CDLL, path: str) -> None:
    raw = lib.bo_version()
    version = raw.decode("ascii", "replace") if raw else ""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise ImportError("libbackorder at %s reports an unreadable version %r"
                          % (path, version)) from None
    if major != ABI_MAJOR:
        raise ImportError("libbackorder at %s is version %s; these bindings need %d.x"
                          % (path, version, ABI_MAJOR))
    for fname, struct in SIZED_STRUCTS:
        size = getattr(lib, fname)()
        if size != ctypes.sizeof(struct):
            raise ImportError("libbackorder at %s: %s() is %d but the bindings' %s is %d bytes"
                              % (path, fname, size, struct.__name__, ctypes.sizeof(struct)))


def load() -> ctypes.CDLL:
    """Load (once) and return the library with every function declared.

    Raises ImportError when no candidate loads or the version does not match.
    """
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _load_lock:
        if _lib is not None:
            return _lib
        errors = []
        for path in candidates():
            try:
                lib = ctypes.CDLL(path)
            except OSError as exc:
                errors.append("%s: %s" % (path, exc))
                continue
            _lib_path = path
            _register(lib)
            _check_version(lib, path)
            _lib = lib
            return lib
        raise ImportError("cannot load libbackorder (set BACKORDER_LIBRARY to its path); tried: "
                          + "; ".join(errors))


def library_path() -> Optional[str]:
    """The path or name the library was loaded from, once loaded."""
    return _lib_path


def decode(raw: Optional[bytes]) -> Optional[str]:
    """A borrowed C string as a Python str (None for NULL)."""
    return raw.decode("utf-8", "replace") if raw is not None else None
