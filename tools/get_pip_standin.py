"""Offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip in the virtual environments it creates by running a
cached copy of https://bootstrap.pypa.io/get-pip.py found at
~/.ansible/test/cache/get_pip_<version>.py.  That host is not reachable here, so
``make`` places this file there instead.  It is run inside the new environment as
``python get_pip.py pip==X.Y --no-setuptools --no-wheel [more packages]``.

It installs pip with the standard library's ensurepip, then lets that pip
install what was asked for, through the machine's normal package index.
"""
import os
import subprocess
import sys


def main(argv):
    saved_env = dict(os.environ)
    import ensurepip

    ensurepip.bootstrap(upgrade=True)
    # ensurepip sets PIP_CONFIG_FILE=/dev/null while it runs; give pip back this
    # machine's configuration (index, certificates) before it installs anything.
    os.environ.clear()
    os.environ.update(saved_env)
    args = [a for a in argv if a not in ("--no-setuptools", "--no-wheel")]
    if not args:
        return 0
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", "--disable-pip-version-check"] + args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
