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
      - While waiting, the module reads the operation's status 2 seconds after the request, then at intervals of
        about 8.5% of the time waited so far (at least 2 seconds), so that an operation is seen done at most about
        a tenth of its duration after it ended. The service's C(Retry-After) (60 seconds on Azure Backup's writes)
        is the longest interval, not the first. Each status read counts against the subscription's Resource Manager
        read limit (a 90 second operation costs about 30 reads); many VMs in one task
        (M(azure_recovery.backup.azure_vm_protection_batch)) share one read of the vault's job list per round instead.
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
