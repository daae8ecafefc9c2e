# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  vault_name:
    description:
      - Name of the Recovery Services vault.
    type: str
    required: true
  vault_resource_group:
    description:
      - Resource group of the Recovery Services vault.
    type: str
    required: true
'''
