# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Text helpers every layer shares (no imports of the collection: any file may use them)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def one_line(text, limit=400):
    """``text`` as one line: any run of whitespace (newlines included) becomes one space, and
    more than ``limit`` characters end in "..."."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
