# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.azure_recovery.backup`` importable when pytest runs from the
repository root: a temp dir ``<tmp>/ansible_collections/azure_recovery/backup`` symlinked to
the repository, put first on sys.path (what ansible-test units sees inside its own tree); and
``tests/`` on sys.path for the shared test support package ``support``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_root():
    parts = REPO_ROOT.split(os.sep)
    # Already inside an ansible_collections tree (ansible-test): nothing to do.
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    # One tree per checkout, so two checkouts never fight over the link.
    digest = hashlib.sha256(REPO_ROOT.encode("utf-8")).hexdigest()[:12]
    root = os.path.join(tempfile.gettempdir(), "azure_recovery_backup_units_%d_%s" % (os.getuid(), digest))
    namespace = os.path.join(root, "ansible_collections", "azure_recovery")
    link = os.path.join(namespace, "backup")
    os.makedirs(namespace, exist_ok=True)
    if os.path.islink(link) and os.readlink(link) != REPO_ROOT:
        os.unlink(link)
    if not os.path.lexists(link):
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:  # another pytest worker made it first
            pass
    return root


COLLECTIONS_ROOT = _collection_root()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
# The shared test support (tests/support), imported as ``support``.
TESTS_DIR = os.path.join(REPO_ROOT, "tests")
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
