"""The collection's execution-environment metadata works with ansible-builder.

meta/execution-environment.yml is what ansible-builder reads from every collection it installs
into an image; `ansible-builder introspect` shows what it finds there, and `ansible-builder create`
turns a complete definition (the one docs/awx.md shows) into a build context. No image is built.
"""
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILDER = os.path.join(os.path.dirname(sys.executable), "ansible-builder")


def _requirement_names(path):
    names = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                names.append(line)
    return names


def _run(args, cwd):
    result = subprocess.run([BUILDER] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, timeout=300, check=False)
    assert result.returncode == 0, "ansible-builder %s failed:\n%s" % (args[0], result.stdout)
    return result.stdout


def test_metadata_points_at_the_collection_requirements():
    with open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        meta = yaml.safe_load(handle)
    deps = meta["dependencies"]
    assert deps == {"python": "requirements.txt", "system": "bindep.txt"}
    python = _requirement_names(os.path.join(ROOT, deps["python"]))
    assert not any(line.startswith("requests") for line in python)  # HTTPS is the standard library's
    assert any(line.startswith("azure-identity") for line in python)
    assert _requirement_names(os.path.join(ROOT, deps["system"]))


def test_introspect_finds_the_requirements(tmp_path):
    """What ansible-builder takes from the collection once it is installed in an image."""
    link = tmp_path / "collections" / "ansible_collections" / "azure_recovery" / "backup"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT)
    out = _run(["introspect", "--write-pip", str(tmp_path / "pip.txt"), "--write-bindep", str(tmp_path / "bindep.txt"),
                str(tmp_path / "collections")], cwd=str(tmp_path))
    pip = (tmp_path / "pip.txt").read_text()
    bindep = (tmp_path / "bindep.txt").read_text()
    assert "azure-identity" in pip, out
    assert "azure_recovery.backup" in pip  # the origin comment ansible-builder adds
    assert "ca-certificates" in bindep, out


def test_create_build_context(tmp_path):
    """`ansible-builder create` on a complete definition: the context carries the requirements."""
    definition = {
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
        "dependencies": {
            "ansible_core": {"package_pip": "ansible-core>=2.16"},
            "ansible_runner": {"package_pip": "ansible-runner"},
            "galaxy": {"collections": [{"name": "azure_recovery.backup"}]},
            "python": os.path.join(ROOT, "requirements.txt"),
            "system": os.path.join(ROOT, "bindep.txt"),
        },
    }
    ee_file = tmp_path / "execution-environment.yml"
    ee_file.write_text(yaml.safe_dump(definition))
    context = tmp_path / "context"
    _run(["create", "-f", str(ee_file), "-c", str(context), "--output-filename", "Containerfile"], cwd=str(tmp_path))

    build = context / "_build"
    assert "azure-identity" in (build / "requirements.txt").read_text()
    assert "ca-certificates" in (build / "bindep.txt").read_text()
    assert yaml.safe_load((build / "requirements.yml").read_text()) == {"collections": [{"name": "azure_recovery.backup"}]}
    containerfile = (context / "Containerfile").read_text()
    assert "quay.io/ansible/awx-ee:latest" in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile  # the collection's own meta/execution-environment.yml is read at build time
