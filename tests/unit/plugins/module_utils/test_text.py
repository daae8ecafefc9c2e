# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_text.one_line: every message a person reads is one line of bounded length."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._text import one_line


@pytest.mark.parametrize("text, expected", [
    ("plain", "plain"),
    ("  two\nlines\r\n and\ttabs  ", "two lines and tabs"),
    ("", ""),
    (ValueError("an\nexception"), "an exception"),
    (409, "409"),
])
def test_one_line_joins_whitespace_into_single_spaces(text, expected):
    assert one_line(text) == expected


def test_one_line_cuts_at_the_limit_with_an_ellipsis():
    assert one_line("x" * 400) == "x" * 400
    assert one_line("x" * 401) == "x" * 397 + "..."
    assert one_line("word " * 10, limit=12) == "word word..."
    assert len(one_line("y" * 5000, limit=1000)) == 1000
