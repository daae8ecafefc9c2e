# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A compiled-code cache for this collection's module_utils when a task runs them from its
AnsiballZ zip.

Python imports the zipped module_utils from source: nothing can write ``.pyc`` files into the
payload, and Python 3.11's zipimport even compiles each file twice (once to name it, once to run
it). A no-op task imports about twenty of this collection's files: 60-120 ms of compiling on
every task. Every module imports this file before any other of the collection's, and from then on
the collection's module_utils are loaded from code objects kept (``marshal``, as ``__pycache__``
keeps them) in the private per-user directory the token cache uses (``_state_dir``), under the
hash of their source and the interpreter's magic number, so another version of a file or of
Python never reads a stale entry.

It does nothing when the module is not run from a zip (unit tests, ansible-test, the controller),
with ``AZURE_RECOVERY_CODE_CACHE=0``, or when no private directory is usable; any error while
reading or writing an entry falls back to compiling, as an import without this file would.
``PYTHONDONTWRITEBYTECODE`` does not turn it off: that keeps ``.pyc`` files out of source trees,
and these entries live in the private directory.

Trust: an entry is run as code, so it is only read from that directory (0700, owned by the user,
checked by ``private_directory``), the same trust Python gives ``__pycache__`` next to a module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import importlib.util
import marshal
import os
import sys
import types
import zipimport

from ansible_collections.azure_recovery.backup.plugins.module_utils._state_dir import private_directory

try:
    from _imp import _fix_co_filename as _FIX_FILENAME  # what importlib does with a .pyc of a moved source
except ImportError:  # not CPython
    def _FIX_FILENAME(code, filename):  # pylint: disable=unused-argument
        return None

PACKAGE = __name__.rpartition(".")[0]  # ansible_collections.azure_recovery.backup.plugins.module_utils
SUBDIR = "code"
DISABLE_ENV = "AZURE_RECOVERY_CODE_CACHE"  # 0 / false: compile from the zip on every task, as Python does


class CachedLoader(object):
    """Runs one module_utils file from the cached code object, compiling (and caching) it on a miss."""

    def __init__(self, filename, source, cache_file):
        self.filename = filename
        self.source = source
        self.cache_file = cache_file

    def create_module(self, spec):  # pylint: disable=unused-argument
        return None  # the default module object

    @staticmethod
    def is_package(fullname):  # pylint: disable=unused-argument
        return False

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)  # pylint: disable=exec-used

    def get_source(self, fullname):  # pylint: disable=unused-argument
        return importlib.util.decode_source(self.source)  # for tracebacks

    def get_code(self, fullname):  # pylint: disable=unused-argument
        try:
            with open(self.cache_file, "rb") as handle:
                code = marshal.loads(handle.read())
            if isinstance(code, types.CodeType):
                _FIX_FILENAME(code, self.filename)  # the entry was compiled from another run's zip
                return code
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = compile(self.source, self.filename, "exec", dont_inherit=True)
        _store(self.cache_file, marshal.dumps(code))
        return code


class ZipCodeCache(object):
    """A meta path finder for ``PACKAGE``'s direct submodules inside the zip at ``zip_dir``."""

    def __init__(self, zip_dir, cache_dir):
        self.zip_dir = zip_dir
        self.importer = zipimport.zipimporter(zip_dir)
        self.cache_dir = cache_dir

    def find_spec(self, fullname, path=None, target=None):  # pylint: disable=unused-argument
        prefix = PACKAGE + "."
        if not fullname.startswith(prefix) or "." in fullname[len(prefix):]:
            return None
        leaf = fullname[len(prefix):]
        filename = os.path.join(self.zip_dir, leaf + ".py")
        try:
            source = self.importer.get_data(filename)
        except OSError:
            return None  # not in the payload (or a package): the normal import decides
        digest = hashlib.sha256(importlib.util.MAGIC_NUMBER + source).hexdigest()[:32]
        loader = CachedLoader(filename, source, os.path.join(self.cache_dir, "%s.%s.code" % (leaf, digest)))
        return importlib.util.spec_from_file_location(fullname, filename, loader=loader)


def _store(path, data):
    """Write an entry atomically (a reader sees the whole entry or none) and remove the entries of
    earlier versions of the same file; never fail the task."""
    directory, name = os.path.split(path)
    leaf = name.split(".", 1)[0] + "."
    try:
        for other in os.listdir(directory):
            if other.startswith(leaf) and other != name and other.endswith(".code"):
                os.unlink(os.path.join(directory, other))
    except OSError:
        pass
    temp = "%s.%d.tmp" % (path, os.getpid())
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except OSError:
        try:
            os.unlink(temp)
        except OSError:
            pass


def install():
    """Put the cache in front of zipimport, once per process, when this file was imported from a zip."""
    spec = globals().get("__spec__")
    if not isinstance(getattr(spec, "loader", None), zipimport.zipimporter):
        return None
    if os.environ.get(DISABLE_ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return None
    if any(isinstance(finder, ZipCodeCache) for finder in sys.meta_path):
        return None
    base = private_directory(os.environ)
    if base is None:
        return None
    cache_dir = os.path.join(base, SUBDIR)
    try:
        os.mkdir(cache_dir, 0o700)
    except OSError:
        if not os.path.isdir(cache_dir):
            return None
    finder = ZipCodeCache(os.path.dirname(spec.origin), cache_dir)
    sys.meta_path.insert(0, finder)
    return finder


install()
