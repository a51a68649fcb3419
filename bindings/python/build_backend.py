"""The PEP 517 build backend of the `backorder` package: the standard library only.

`pip install ./bindings/python` builds a wheel with this module (named in
pyproject.toml, found through its `backend-path`), so the install needs no
build-time download: no setuptools, no wheel, no network, with or without
build isolation. The package is pure Python (it loads libbackorder with
ctypes at run time), so the wheel is `py3-none-any`: the package's modules
and the metadata of pyproject.toml's [project] table.

Hooks: build_wheel, build_sdist, build_editable (PEP 660: a .pth file that
puts this directory on sys.path), the prepare_metadata_* hooks, and the
get_requires_* hooks (nothing is required).
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "backorder"


# ---------------------------------------------------------------------------
# Metadata from pyproject.toml

def _toml_value(text):
    """A value of the TOML subset pyproject.toml uses: strings, lists of strings, tables."""
    text = text.strip()
    if text.startswith('"'):
        return re.match(r'"((?:[^"\\]|\\.)*)"', text).group(1).replace('\\"', '"').replace("\\\\", "\\")
    if text.startswith("["):
        return [_toml_value(m.group(0)) for m in re.finditer(r'"(?:[^"\\]|\\.)*"', text)]
    if text.startswith("{"):
        return dict((k, _toml_value(v)) for k, v in re.findall(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*")', text))
    raise ValueError("pyproject.toml: unsupported value " + text)


def _project():
    """pyproject.toml's [project] table (tomllib where there is one, else the subset above)."""
    path = os.path.join(HERE, "pyproject.toml")
    try:
        import tomllib  # Python 3.11
        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    except ImportError:
        pass
    table, section, pending = {}, None, ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split(" #")[0].rstrip() if not pending else line.rstrip()
            if not pending and line.startswith("["):
                section = line.strip("[] ")
                continue
            if section != "project" or not (line or pending):
                continue
            pending += line
            if pending.count("[") > pending.count("]"):  # a list over several lines
                continue
            key, _, value = pending.partition("=")
            table[key.strip()] = _toml_value(value)
            pending = ""
    return table


def _version():
    with open(os.path.join(HERE, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def _metadata():
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + p["name"],
        "Version: " + _version(),
        "Summary: " + p.get("description", ""),
    ]
    if "requires-python" in p:
        lines.append("Requires-Python: " + p["requires-python"])
    lic = p.get("license")
    if isinstance(lic, dict) and "text" in lic:
        lines.append("License: " + lic["text"])
    for c in p.get("classifiers", []):
        lines.append("Classifier: " + c)
    for name, url in (p.get("urls") or {}).items():
        lines.append("Project-URL: %s, %s" % (name, url))
    body = ""
    readme = p.get("readme")
    if isinstance(readme, str):
        with open(os.path.join(HERE, readme), encoding="utf-8") as f:
            body = f.read()
        lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + body


def _dist_info():
    return "%s-%s.dist-info" % (_project()["name"].replace("-", "_"), _version())


def _wheel_name():
    return "%s-%s-py3-none-any.whl" % (_project()["name"].replace("-", "_"), _version())


# ---------------------------------------------------------------------------
# Files

def _package_files():
    """The package's modules: every .py of backorder/ but the meson template's output."""
    out = []
    for name in sorted(os.listdir(os.path.join(HERE, PACKAGE))):
        if name.endswith(".py") and name != "_config.py":
            out.append(PACKAGE + "/" + name)
    return out


class _Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.record = []

    def add(self, arcname, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.record.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

    def close(self, dist_info):
        self.add(dist_info + "/METADATA", _metadata())
        self.add(dist_info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: backorder build_backend\n"
                 "Root-Is-Purelib: true\nTag: py3-none-any\n")
        record = dist_info + "/RECORD"
        self.record.append(record + ",,")
        info = zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, "\n".join(self.record) + "\n")
        self.zip.close()


# ---------------------------------------------------------------------------
# PEP 517 and PEP 660 hooks

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = _dist_info()
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return dist_info


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = _wheel_name()
    w = _Wheel(os.path.join(wheel_directory, name))
    for rel in _package_files():
        with open(os.path.join(HERE, rel), "rb") as f:
            w.add(rel, f.read())
    w.close(_dist_info())
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name = _wheel_name()
    w = _Wheel(os.path.join(wheel_directory, name))
    w.add("__editable__.%s.pth" % PACKAGE, HERE + "\n")
    w.close(_dist_info())
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (_project()["name"].replace("-", "_"), _version())
    name = base + ".tar.gz"
    files = ["pyproject.toml", "build_backend.py", "README.md"] + _package_files()
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel in files:
            tar.add(os.path.join(HERE, rel), arcname=base + "/" + rel)
        pkg_info = _metadata().encode("utf-8")
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(pkg_info)
        info.mtime = int(time.time())
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(pkg_info))
    return name
