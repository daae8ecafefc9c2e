# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The per-user private directory the module processes of a run share: the token cache
(``_token_cache``) and the write budget (``_pacing.SharedWrites``) keep their files there."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

DIR_NAME = "azure_recovery.backup-tokens"  # the name predates the write budget: kept, so that caches carry over


def private_directory(environ):
    """``$XDG_RUNTIME_DIR/<DIR_NAME>`` (a per-user tmpfs, gone at logout), else
    ``~/.ansible/tmp/<DIR_NAME>``; created 0700 and used only if it is a real directory (not a
    symlink) owned by the effective user with no group/other permission bits. None when
    neither is usable (then nothing is shared between processes)."""
    candidates = []
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        candidates.append((runtime, os.path.join(runtime, DIR_NAME)))
    home = environ.get("HOME") or os.path.expanduser("~")
    if home and os.path.isabs(home):
        candidates.append((None, os.path.join(home, ".ansible", "tmp", DIR_NAME)))
    for parent, path in candidates:
        if parent is not None and not _private_dir(parent, allow_group_other_x=True):
            continue
        try:
            os.makedirs(path, 0o700)
        except OSError:
            pass
        if _private_dir(path):
            return path
    return None


def _private_dir(path, allow_group_other_x=False):
    """A real directory owned by us; with no group/other access (or, for a parent such as
    XDG_RUNTIME_DIR, at most search permission)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False
    forbidden = 0o066 if allow_group_other_x else 0o077
    return not info.st_mode & forbidden
