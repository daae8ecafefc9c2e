#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_vault
short_description: Create, change or delete a Recovery Services vault and its backup settings
version_added: 1.1.0
description:
  - Creates a Recovery Services vault, or brings an existing one to the settings given; settings not given are left as
    they are. Deletes an empty vault with O(state=absent).
  - Idempotent. An unchanged vault costs reads only (the vault, plus its backup configuration when soft-delete settings
    are given and its resource guard proxy when O(resource_guard) is given).
  - Soft delete, its retention and enhanced security are written through the vault's backup configuration
    (C(backupconfig/vaultconfig)); the other settings with one PATCH of the vault carrying only what differs; the
    resource guard through the vault's guard proxy.
  - After every write the vault is read back, and the task fails naming each setting the service did not apply
    (a write can be answered with success and change nothing).
  - Changes that can never be undone (immutability locked, soft delete or enhanced security always on, cross-subscription
    restore permanently disabled, cross-region restore enabled) need O(allow_irreversible=true); without it the task
    fails before any write, listing them. Check mode and diff mode show them either way.
  - Moves the service refuses are refused before any write, saying why (e.g. locked immutability, turning off soft delete
    that is always on, disabled to locked immutability in one step, a change of region).
  - Storage redundancy can change only while the vault holds no backup item; the module counts them first and fails,
    naming the count, before any write.
  - With a resource guard (multi-user authorization), disabling soft delete, reducing immutability and removing the guard
    send the operation requests the vault's guard proxy lists for them; a refusal names the guard and the operation.
  - O(state=absent) refuses a vault that still holds protected or soft-deleted items, naming how many. The module never
    deletes backup data.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  state:
    description:
      - V(present) creates the vault or brings it to the settings given; V(absent) deletes an empty vault.
    type: str
    choices: [present, absent]
    default: present
  location:
    description:
      - Azure region of the vault, e.g. V(westeurope). Required to create a vault; a vault cannot move, so a different
        region for an existing vault is an error.
    type: str
  sku:
    description: Vault SKU. Only V(Standard) exists (the service reports it as C(RS0)).
    type: str
    choices: [Standard]
  tags:
    description: The vault's tags, exactly (tags not listed are removed). Not given, the tags are left as they are.
    type: dict
  identity:
    description: Managed identity of the vault.
    type: dict
    suboptions:
      type:
        description: Kind of identity.
        type: str
        choices: [none, system_assigned, user_assigned, system_assigned_user_assigned]
        required: true
      user_assigned_identities:
        description: Resource IDs of the user-assigned identities (with the user_assigned types only).
        type: list
        elements: str
  public_network_access:
    description: Whether the vault is reachable over public networks.
    type: str
    choices: [enabled, disabled]
  storage_redundancy:
    description:
      - Redundancy of the backup storage. Can change only while the vault holds no backup item.
    type: str
    choices: [locally_redundant, geo_redundant, zone_redundant]
  cross_region_restore:
    description:
      - Cross-region restore (needs V(geo_redundant) storage). Turning it on cannot be undone and needs O(allow_irreversible=true).
    type: bool
  soft_delete:
    description:
      - Soft delete of backup data. V(always_on) can never be turned off and needs O(allow_irreversible=true).
    type: str
    choices: [enabled, disabled, always_on]
  soft_delete_retention_days:
    description: Days soft-deleted backup data is kept, 14 to 180.
    type: int
  enhanced_security:
    description:
      - Enhanced security (security PIN for critical operations). V(always_on) can never be turned off and needs
        O(allow_irreversible=true).
    type: str
    choices: [enabled, disabled, always_on]
  immutability:
    description:
      - Immutable vault. Moves are disabled -> unlocked -> locked, and unlocked -> disabled. V(locked) is permanent and needs
        O(allow_irreversible=true).
    type: str
    choices: [disabled, unlocked, locked]
  cross_subscription_restore:
    description:
      - Restores into other subscriptions. V(permanently_disabled) can never be undone and needs O(allow_irreversible=true).
    type: str
    choices: [enabled, disabled, permanently_disabled]
  job_failure_alerts:
    description: Azure Monitor alerts for all backup job failures.
    type: bool
  resource_guard:
    description:
      - Multi-user authorization. The full resource ID of a resource guard (C(Microsoft.DataProtection/resourceGuards)) to
        associate with the vault, or V(none) to remove the vault's guard. An empty value is an error, never "remove".
    type: str
  allow_irreversible:
    description:
      - Allow the changes that can never be undone (listed in the description). Without it, the task fails before any write.
    type: bool
    default: false
  wait_timeout:
    description:
      - The task's deadline in seconds, for all its waiting together (every write of the vault and its retries; a new
        vault takes about a minute). The module always waits, and never reports a setting as reached while the service
        is still changing it.
    type: int
    default: 1800
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads as for a real run and sends no write; irreversible changes are listed whether or not they are allowed.
  diff_mode:
    support: full
    details: Before and after of the settings given.
notes:
  - Settings written through C(backupconfig/vaultconfig) are read back from both it and the vault, because the two have been
    seen to disagree after a write (azure-rest-api-specs issues 34218 and 34530).
seealso:
  - module: azure_recovery.backup.azure_backup_vault_info
  - module: azure_recovery.backup.azure_backup_policy
"""

EXAMPLES = r"""
- name: A geo-redundant vault with soft delete for 30 days and job-failure alerts
  azure_recovery.backup.azure_backup_vault:
    vault_name: prodVault
    vault_resource_group: backupRG
    location: westeurope
    storage_redundancy: geo_redundant
    soft_delete: enabled
    soft_delete_retention_days: 30
    job_failure_alerts: true
    tags:
      owner: platform

- name: Lock the vault's immutability and keep soft delete always on (cannot be undone)
  azure_recovery.backup.azure_backup_vault:
    vault_name: prodVault
    vault_resource_group: backupRG
    immutability: locked
    soft_delete: always_on
    allow_irreversible: true

- name: Protect critical operations with a resource guard in another subscription
  azure_recovery.backup.azure_backup_vault:
    vault_name: prodVault
    vault_resource_group: backupRG
    resource_guard: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/guardRG/providers/Microsoft.DataProtection/resourceGuards/guard1

- name: Delete an empty vault
  azure_recovery.backup.azure_backup_vault:
    vault_name: oldVault
    vault_resource_group: backupRG
    state: absent
"""

RETURN = r"""
msg:
  description: A one-line summary of the outcome.
  returned: always
  type: str
  sample: "vault backupRG/prodVault changed: soft_delete_retention_days 14 -> 30"
changes:
  description: The settings that were changed (in check mode, that would be).
  returned: with state=present
  type: list
  elements: str
  sample: [soft_delete_retention_days]
irreversible:
  description: One line per change that can never be undone among them (also in check mode).
  returned: always
  type: list
  elements: str
not_applied:
  description: The settings the service accepted and did not apply (the task then fails).
  returned: when the read-back differs
  type: list
  elements: str
item_counts:
  description: Protected and soft-deleted items of the vault, counted before a delete.
  returned: with state=absent and an existing vault
  type: dict
vault:
  description:
    - The vault after the change (before it in check mode); V(null) when it does not exist.
    - The settings use the option values of this module; C(resource_guard) is known only when O(resource_guard) was given.
  returned: always
  type: dict
  contains:
    id:
      description: Resource ID of the vault.
      type: str
    name:
      description: Name of the vault.
      type: str
    location:
      description: Region.
      type: str
    storage_redundancy:
      description: V(locally_redundant), V(geo_redundant) or V(zone_redundant).
      type: str
    soft_delete:
      description: V(enabled), V(disabled) or V(always_on).
      type: str
    soft_delete_retention_days:
      description: Days soft-deleted data is kept.
      type: int
    immutability:
      description: V(disabled), V(unlocked) or V(locked).
      type: str
    cross_region_restore:
      description: Whether cross-region restore is on.
      type: bool
    cross_subscription_restore:
      description: V(enabled), V(disabled) or V(permanently_disabled).
      type: str
    job_failure_alerts:
      description: Whether Azure Monitor alerts for job failures are on (V(null) when the service does not say).
      type: bool
    resource_guard:
      description: Resource ID of the associated resource guard.
      type: str
    multi_user_authorization:
      description: The service's MUA state (V(Enabled), V(Disabled), V(Invalid)).
      type: str
diff:
  description: Before and after of the settings given (diff mode).
  returned: when diff mode is on
  type: dict
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, backup_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._vault import VaultRun


def main():
    argument_spec = backup_argument_spec(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        location=dict(type="str"),
        sku=dict(type="str", choices=["Standard"]),
        tags=dict(type="dict"),
        identity=dict(type="dict", options=dict(
            type=dict(type="str", required=True, choices=["none", "system_assigned", "user_assigned", "system_assigned_user_assigned"]),
            user_assigned_identities=dict(type="list", elements="str"))),
        public_network_access=dict(type="str", choices=["enabled", "disabled"]),
        storage_redundancy=dict(type="str", choices=["locally_redundant", "geo_redundant", "zone_redundant"]),
        cross_region_restore=dict(type="bool"),
        soft_delete=dict(type="str", choices=["enabled", "disabled", "always_on"]),
        soft_delete_retention_days=dict(type="int"),
        enhanced_security=dict(type="str", choices=["enabled", "disabled", "always_on"]),
        immutability=dict(type="str", choices=["disabled", "unlocked", "locked"]),
        cross_subscription_restore=dict(type="str", choices=["enabled", "disabled", "permanently_disabled"]),
        job_failure_alerts=dict(type="bool"),
        resource_guard=dict(type="str"),
        allow_irreversible=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    module = glue.module
    glue.run(lambda: VaultRun(glue.client, glue.params, check_mode=module.check_mode, diff=module._diff, warn=module.warn).run())


if __name__ == "__main__":
    main()
