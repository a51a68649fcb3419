The Python package: `python3 -m backorder --version` names the versions of
the bindings and of the library they load, and `pip install` of
bindings/python works offline, in a fresh virtual environment, with pip's
default build isolation (the build backend needs only the standard
library). The runner's environment points BACKORDER_LIBRARY at the
library of this build.

  $ cd "$SRCDIR/bindings/python" && python3 -m backorder --version; cd - >/dev/null
  backorder 0.3.0 (Python bindings)
  libbackorder 0\.3\.0 \(/.*/libbackorder\.so[.0-9]*\) (re)
  $ BACKORDER_LIBRARY=/nonexistent/libbackorder.so.0 PYTHONPATH="$SRCDIR/bindings/python" python3 -m backorder --version
  backorder 0.3.0 (Python bindings)
  python3 -m backorder: libbackorder: cannot load libbackorder \(set BACKORDER_LIBRARY to its path\); tried: /nonexistent/libbackorder\.so\.0: .* (re)
  [1]
  $ PYTHONPATH="$SRCDIR/bindings/python" python3 -m backorder | head -n 1
  usage: python3 -m backorder [-h] [--version]

  $ python3 -m venv venv
  $ venv/bin/pip install --no-index --disable-pip-version-check --quiet "$SRCDIR/bindings/python"
  $ cd / && env -u PYTHONPATH "$TMPDIR/venv/bin/python" -m backorder --version; cd - >/dev/null
  backorder 0.3.0 (Python bindings)
  libbackorder 0\.3\.0 \(/.*/libbackorder\.so[.0-9]*\) (re)
  $ env -u PYTHONPATH venv/bin/python -c 'import backorder; print(backorder.__file__)' | sed "s|^$TMPDIR/||"
  venv/lib/python3.*/site-packages/backorder/__init__.py (re)

The build leaves nothing behind in the source tree.

  $ find "$SRCDIR/bindings/python" -maxdepth 1 \( -name '*.egg-info' -o -name build -o -name dist \)
