"""Exceptions of the backorder package.

Every failing library call raises a subclass of :class:`Error` chosen by the
C status code, carrying that code and the library's detailed message
(``bo_last_error()``).  The classes map one to one onto the error codes of
the trace format:

=====================  ================  ===================
class                  trace code        C status
=====================  ================  ===================
:class:`ParseError`    ``parse``         ``BO_EPARSE``
:class:`InvalidArgument` ``invalid``     ``BO_EINVALID``
:class:`NotFound`      ``not_found``     ``BO_ENOTFOUND``
:class:`Exists`        ``exists``        ``BO_EEXISTS``
:class:`OutOfStock`    ``out_of_stock``  ``BO_EOUTOFSTOCK``
:class:`StateError`    ``state``         ``BO_ESTATE``
:class:`StorageError`  ``storage``       ``BO_ESTORAGE``
=====================  ================  ===================

Arguments that the bindings reject before calling C (a naive datetime, a
negative quantity where C would read it as "all") raise
:class:`InvalidArgument` too, so callers need only one ``except`` clause.
"""

from __future__ import annotations

from typing import Dict, Type

from . import _ffi

__all__ = ["Error", "ParseError", "InvalidArgument", "NotFound", "Exists",
           "OutOfStock", "StateError", "StorageError"]


class Error(Exception):
    """A libbackorder call failed.

    Attributes:
        code: the C status code (a negative int, see ``bo_status``).
        name: the trace-format name of the code (``"invalid"``, ...).
        message: the library's detailed message.
    """

    #: C status of the class; subclasses override it.
    status: int = 0
    #: Trace-format name of the status.
    status_name: str = "unknown"

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.status
        self.name = _NAMES.get(self.code, "unknown")

    def __str__(self) -> str:
        return "%s: %s" % (self.name, self.message)


class ParseError(Error):
    """Text could not be parsed (``BO_EPARSE``, trace ``parse``)."""
    status = _ffi.BO_EPARSE


class InvalidArgument(Error, ValueError):
    """An argument breaks the rules (``BO_EINVALID``, trace ``invalid``).

    Also a :class:`ValueError`."""
    status = _ffi.BO_EINVALID


class NotFound(Error, LookupError):
    """Unknown SKU, order, line or supply id (``BO_ENOTFOUND``).

    Also a :class:`LookupError`."""
    status = _ffi.BO_ENOTFOUND


class Exists(Error):
    """The order id exists with other content (``BO_EEXISTS``)."""
    status = _ffi.BO_EEXISTS


class OutOfStock(Error):
    """A ``deny`` item cannot fill a line at once, or a cap would be
    exceeded (``BO_EOUTOFSTOCK``)."""
    status = _ffi.BO_EOUTOFSTOCK


class StateError(Error):
    """The operation is not possible in the current state (``BO_ESTATE``):
    nothing to ship or cancel, an unreleased item, a closed inventory."""
    status = _ffi.BO_ESTATE


class StorageError(Error):
    """The storage adapter failed or memory ran out (``BO_ESTORAGE``)."""
    status = _ffi.BO_ESTORAGE


_NAMES: Dict[int, str] = {
    _ffi.BO_EPARSE: "parse",
    _ffi.BO_EINVALID: "invalid",
    _ffi.BO_ENOTFOUND: "not_found",
    _ffi.BO_EEXISTS: "exists",
    _ffi.BO_EOUTOFSTOCK: "out_of_stock",
    _ffi.BO_ESTATE: "state",
    _ffi.BO_ESTORAGE: "storage",
}

_CLASSES: Dict[int, Type[Error]] = {
    cls.status: cls
    for cls in (ParseError, InvalidArgument, NotFound, Exists, OutOfStock,
                StateError, StorageError)
}


def from_status(code: int, message: str) -> Error:
    """The exception for C status ``code`` with ``message``."""
    cls = _CLASSES.get(code, Error)
    exc = cls(message, code)
    exc._from_library = True  # type: ignore[attr-defined]
    return exc


_ffi.set_error_factory(from_status)
