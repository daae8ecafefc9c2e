# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that change something.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the target; no write is sent.
    support: full
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)), when in diff mode.
    support: full
  action_group:
    description: Use C(group/azure_recovery.backup.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - azure_recovery.backup.all
'''

    # Read-only (_info) modules.
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying the target.
    support: full
    details: This module only reads, so it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or would change in C(check_mode)), when in diff mode.
    support: none
  action_group:
    description: Use C(group/azure_recovery.backup.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - azure_recovery.backup.all
'''
