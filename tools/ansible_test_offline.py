"""Prepare ansible-test to run here: pip bootstrap stand-in and the collection tree.

1. ansible-test bootstraps pip in each virtual environment it creates from a
   get-pip script it downloads, unless a cached copy exists at
   ~/.ansible/test/cache/get_pip_<version>.py.  Where there is none, place
   tools/get_pip_standin.py there (the download host is not reachable here).
2. ansible-test wants the collection at ansible_collections/<ns>/<name>: copy the
   files git tracks (and untracked, not ignored ones) into such a tree.

Usage: python tools/ansible_test_offline.py DEST_TREE
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def pip_version_wanted():
    from ansible_test._internal.python_requirements import get_venv_packages  # pylint: disable=import-error

    class _Python:  # get_venv_packages only reads .version
        version = "%d.%d" % sys.version_info[:2]

    return get_venv_packages(_Python())["pip"]


def place_get_pip_standin():
    version = pip_version_wanted()
    cache = os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % version.replace(".", "_"))
    if os.path.exists(cache):
        return
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    shutil.copyfile(os.path.join(HERE, "get_pip_standin.py"), cache)
    print("placed the offline pip bootstrap stand-in at %s" % cache)


def copy_tree(dest):
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE,
    ).stdout.decode().split("\0")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    copied = 0
    for rel in filter(None, files):
        src = os.path.join(ROOT, rel)
        if not os.path.lexists(src):  # tracked but deleted in the work tree
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)
        copied += 1
    # The copy sits inside the checkout's .build/, which git ignores; ansible-test asks git
    # for the file list, so give the copy a repository of its own.
    subprocess.run(["git", "init", "-q", dest], check=True)
    print("copied %d files to %s" % (copied, dest))


def main(argv):
    place_get_pip_standin()
    if argv:
        copy_tree(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
