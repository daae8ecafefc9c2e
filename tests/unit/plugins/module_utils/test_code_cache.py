# -*- coding: utf-8 -*-
"""_code_cache: the collection's module_utils, run from an AnsiballZ-like zip, load from cached code.

Each case runs a fresh interpreter (the cache installs itself into sys.meta_path at import) with a
zip laid out as AnsiballZ lays out the payload: the real _code_cache.py and _state_dir.py plus a
probe module."""

import ast
import glob
import json
import marshal
import os
import subprocess
import sys
import types
import zipfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
MU_DIR = os.path.join(ROOT, "plugins", "module_utils")
PKG = "ansible_collections/azure_recovery/backup/plugins/module_utils"
FQ = PKG.replace("/", ".")

PROBE = b"""
VALUE = 'from source'

def fail():
    raise RuntimeError('probe failed here')
"""

RUNNER = r"""
import json, sys, traceback
sys.path.insert(0, sys.argv[1])
from %(fq)s import _code_cache
from %(fq)s import _probe
try:
    _probe.fail()
except RuntimeError:
    tb = traceback.format_exc()
print(json.dumps({
    "value": _probe.VALUE,
    "file": _probe.__file__,
    "loader": type(_probe.__spec__.loader).__name__,
    "finders": [type(f).__name__ for f in sys.meta_path].count("ZipCodeCache"),
    "code_file": _probe.fail.__code__.co_filename,
    "traceback_has_line": "raise RuntimeError('probe failed here')" in tb,
}))
""" % {"fq": FQ}


def make_zip(path, probe=PROBE):
    with zipfile.ZipFile(path, "w") as archive:
        parts = PKG.split("/")
        for index in range(1, len(parts) + 1):
            archive.writestr("/".join(parts[:index]) + "/__init__.py", b"")
        for name in ("_code_cache.py", "_state_dir.py"):
            with open(os.path.join(MU_DIR, name), "rb") as handle:
                archive.writestr("%s/%s" % (PKG, name), handle.read())
        archive.writestr("%s/_probe.py" % PKG, probe)
    return path


def run(tmp_path, zip_path, runtime=None, home=None, extra_env=None):
    if runtime is None:
        runtime = str(tmp_path / "runtime")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    env = {"PATH": os.environ.get("PATH", ""), "XDG_RUNTIME_DIR": runtime, "HOME": home or str(tmp_path / "home"),
           "PYTHONDONTWRITEBYTECODE": "1"}  # does not turn the cache off (it is not next to the source)
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, str(script), zip_path], env=env, cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def entries(runtime):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(runtime, "azure_recovery.backup-tokens", "code", "*")))


def test_first_import_compiles_and_keeps_the_code(tmp_path):
    zip_path = make_zip(str(tmp_path / "payload.zip"))
    out = run(tmp_path, zip_path)
    assert out["value"] == "from source"
    assert out["loader"] == "CachedLoader" and out["finders"] == 1
    assert out["file"] == zip_path + "/" + PKG + "/_probe.py"
    assert out["traceback_has_line"] is True
    kept = entries(str(tmp_path / "runtime"))
    assert [name.split(".")[0] for name in kept] == ["_probe"]  # _code_cache and _state_dir load before it
    mode = os.stat(os.path.join(str(tmp_path / "runtime"), "azure_recovery.backup-tokens", "code", kept[0])).st_mode
    assert mode & 0o077 == 0


def test_a_later_process_runs_the_kept_code_not_the_source(tmp_path):
    zip_path = make_zip(str(tmp_path / "payload.zip"))
    run(tmp_path, zip_path)
    entry = os.path.join(str(tmp_path / "runtime"), "azure_recovery.backup-tokens", "code", entries(str(tmp_path / "runtime"))[0])
    # replace the kept code by code that says where it came from: the next import must run it
    with open(entry, "wb") as handle:
        handle.write(marshal.dumps(compile(PROBE.replace(b"from source", b"from the cache"), "elsewhere.py", "exec")))
    moved = make_zip(str(tmp_path / "another-run.zip"))  # another task: another temporary zip, same source
    out = run(tmp_path, moved)
    assert out["value"] == "from the cache"
    assert out["code_file"] == moved + "/" + PKG + "/_probe.py"  # filenames point at this run's zip


def test_changed_source_is_compiled_again_and_replaces_the_old_entry(tmp_path):
    runtime = str(tmp_path / "runtime")
    run(tmp_path, make_zip(str(tmp_path / "v1.zip")))
    first = entries(runtime)
    out = run(tmp_path, make_zip(str(tmp_path / "v2.zip"), PROBE.replace(b"from source", b"version 2")))
    assert out["value"] == "version 2"
    second = entries(runtime)
    assert len(second) == 1 and second != first


@pytest.mark.parametrize("garbage", [b"", b"not marshal data", marshal.dumps({"a": "dict, not code"})])
def test_an_unreadable_entry_falls_back_to_the_source_and_is_rewritten(tmp_path, garbage):
    runtime = str(tmp_path / "runtime")
    zip_path = make_zip(str(tmp_path / "payload.zip"))
    run(tmp_path, zip_path)
    entry = os.path.join(runtime, "azure_recovery.backup-tokens", "code", entries(runtime)[0])
    with open(entry, "wb") as handle:
        handle.write(garbage)
    assert run(tmp_path, zip_path)["value"] == "from source"
    with open(entry, "rb") as handle:
        assert isinstance(marshal.loads(handle.read()), types.CodeType)


def test_without_a_private_directory_imports_work_as_before(tmp_path):
    shared = str(tmp_path / "shared")
    os.makedirs(shared)
    os.chmod(shared, 0o777)  # XDG_RUNTIME_DIR open to others: not used
    home = tmp_path / "home"
    home.write_text("a file: ~/.ansible/tmp cannot be made, even by root")
    out = run(tmp_path, make_zip(str(tmp_path / "payload.zip")), runtime=shared, home=str(home))
    assert (out["value"], out["finders"], out["loader"]) == ("from source", 0, "zipimporter")
    assert not os.path.exists(os.path.join(shared, "azure_recovery.backup-tokens"))


@pytest.mark.parametrize("value", ["0", "false", " No "])
def test_turned_off_by_the_environment(tmp_path, value):
    out = run(tmp_path, make_zip(str(tmp_path / "payload.zip")), extra_env={"AZURE_RECOVERY_CODE_CACHE": value})
    assert (out["value"], out["finders"], out["loader"]) == ("from source", 0, "zipimporter")
    assert entries(str(tmp_path / "runtime")) == []


def test_imported_from_files_it_does_nothing(tmp_path, monkeypatch):
    from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # pylint: disable=import-outside-toplevel
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert _code_cache.install() is None
    assert not any(isinstance(finder, _code_cache.ZipCodeCache) for finder in sys.meta_path)
    assert not os.path.exists(os.path.join(str(tmp_path), "azure_recovery.backup-tokens"))


def test_every_module_imports_the_cache_before_the_collection_s_other_module_utils():
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        own = [node for node in tree.body if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(FQ.rsplit(".", 1)[0])]
        assert own, path
        first = own[0]
        assert first.module == FQ and [alias.name for alias in first.names] == ["_code_cache"], os.path.basename(path)
