# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one test-support package: the fake ARM server (``fake_arm``), the fake credential and
clock (``fakes``), the emulator launcher and admin client (``emulator``). Imported as ``support``
with ``tests/`` on ``sys.path`` (``tests/unit/conftest.py``, ``tests/integration/conftest.py``,
the benchmark and the demo put it there)."""
