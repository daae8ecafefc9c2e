# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  wait:
    description:
      - Wait for the operation to finish before returning.
      - With V(false) the module returns as soon as Azure has accepted the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds the task waits at most, all its waits together (the operations and jobs it follows, a vault
        refresh, and the waits that throttling, C(Retry-After) and "another operation in progress" ask for). The
        module fails when it has not finished by then, saying what it last saw (the operation itself goes on in
        Azure). A task ends by O(wait_timeout) plus at most one O(request_timeout).
    type: int
    default: 1800
'''
