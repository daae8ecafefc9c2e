#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_vm_scope_info
short_description: Resolve backup rules over the VMs of several subscriptions into per-vault VM lists and a posture report
version_added: 1.1.0
description:
  - Lists the VMs of the subscriptions in scope (Compute API, all pages) and the vaults of those subscriptions, reads each
    vault's protected items once, and applies O(rules) to every VM.
  - A rule is a selector (subscriptions, resource groups, locations, tags, name patterns, exclusions) mapped to a policy and
    to vaults; a VM is protected by the rule's vault of its own subscription and region.
  - Returns RV(plan), one entry per vault with the VMs to enable, move to the rule's policy, resume or undelete, ready for
    M(azure_recovery.backup.azure_vm_protection_batch); and RV(rows), one row per VM (counted once, whatever the number of
    vaults that see it) with its findings, with RV(totals) and RV(by_subscription) for a posture report.
  - Refused, before anything could be written, with every problem named, are a malformed rule or tag filter, an unknown
    subscription or vault, a vault in another region than the C(location) of its O(rules[].vaults) entry says, a VM selected by a rule that has
    no vault in the VM's subscription and region, a policy that does not exist in the vault (or is not a VM policy), a list
    that could not be read.
  - A VM that matches no rule is reported (finding C(unmatched)) and never planned; a VM that two rules send to different
    vaults or policies is a C(conflict) finding and never planned; a rule that matches nothing is a warning.
  - Read-only (one backupStatus POST per VM only where a vault of its region could not be read, see O(backup_status)).
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  subscriptions:
    description:
      - The subscriptions in scope (VMs there that match no rule are reported as C(unmatched)). Default the credential's.
      - Each rule's own O(rules[].subscriptions) are read as well.
    type: list
    elements: str
    default: []
  rules:
    description: The rules, in any order (a VM's rule does not depend on the order).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the rule in results (default C(rule<N>)).
        type: str
      subscriptions:
        description: Only VMs of these subscriptions (default O(subscriptions)).
        type: list
        elements: str
      resource_groups:
        description: Only VMs of these resource groups.
        type: list
        elements: str
      locations:
        description: Only VMs in these regions.
        type: list
        elements: str
      tags:
        description:
          - Only VMs with all these tags (a dictionary); a value is a string, a list of strings, or V(*) for any value.
          - Anything but a dictionary is refused.
        type: raw
      names:
        description: Only VMs whose name matches one of these shell patterns (case-insensitive).
        type: list
        elements: str
      exclude_names:
        description: Not the VMs whose name matches one of these shell patterns.
        type: list
        elements: str
      exclude:
        description: Not these VMs (resource IDs or C(resource_group/name)).
        type: list
        elements: str
      policy:
        description: The backup policy (name) for the VMs of this rule; it must exist in each of the rule's vaults.
        type: str
        required: true
      vaults:
        description:
          - The vaults of the rule, one per subscription and region of its VMs; each C(name), C(resource_group), optionally
            C(subscription_id) (default any subscription of the rule; required when the name exists in several) and
            C(location) (checked against the vault's real region).
        type: list
        elements: dict
        required: true
      undelete:
        description: Restore and protect again a VM whose item is soft-deleted in the rule's vault (otherwise a finding only).
        type: bool
        default: false
  max_backup_age_hours:
    description: A protected VM without a successful backup for this long has the finding C(stale).
    type: float
    default: 26
  purge_warning_days:
    description: A soft-deleted item purged within this many days also has the finding C(purge_soon).
    type: int
    default: 7
  backup_status:
    description:
      - When to ask backupStatus about a VM no read vault protects; see the inventory plugin M(azure_recovery.backup.azure_vms).
    type: str
    default: auto
    choices: [auto, always, never]
  concurrency:
    description: Threads for the per-subscription and per-vault reads.
    type: int
    default: 8
  cells:
    description:
      - Limit the scope to these (C(subscription_id), C(location)) pairs, for example the share of one AWX job slice (the
        inventory plugin M(azure_recovery.backup.azure_vms) with O(azure_recovery.backup.azure_vms#inventory:host_per=cell)
        gives one host per pair). VMs elsewhere are neither reported nor planned; O(subscriptions) is then ignored.
      - Resource Manager counts requests per subscription (and per Resource Manager instance serving them); slices whose
        pairs are in different subscriptions never spend the same write budget; slices sharing a subscription may, and each
        paces itself by the budget headers and backs off on HTTP 429.
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.attributes.info_module
seealso:
  - module: azure_recovery.backup.azure_vm_protection_batch
"""

EXAMPLES = r"""
- name: Resolve the backup rules of two subscriptions
  azure_recovery.backup.azure_vm_scope_info:
    subscriptions:
      - 00000000-0000-0000-0000-000000000000
      - 11111111-0000-0000-0000-000000000000
    rules:
      - name: gold
        tags: {backup: gold}
        policy: EnhancedPolicy
        vaults:
          - {name: rsv-prod-westeurope, resource_group: rg-backup, subscription_id: 00000000-0000-0000-0000-000000000000}
          - {name: rsv-prod-northeurope, resource_group: rg-backup, subscription_id: 00000000-0000-0000-0000-000000000000}
          - {name: rsv-app-westeurope, resource_group: rg-backup, subscription_id: 11111111-0000-0000-0000-000000000000}
      - name: dev
        resource_groups: [rg-dev]
        exclude_names: ["*-tmp"]
        policy: DefaultPolicy
        vaults:
          - {name: rsv-dev-westeurope, resource_group: rg-backup, location: westeurope}
  register: scope

- name: Protect the VMs of each vault
  azure_recovery.backup.azure_vm_protection_batch:
    subscription_id: "{{ item.subscription_id }}"
    vault_name: "{{ item.vault_name }}"
    vault_resource_group: "{{ item.vault_resource_group }}"
    vms: "{{ item.vms }}"
  loop: "{{ scope.plan }}"
  loop_control:
    label: "{{ item.vault_name }}: {{ item.vms | length }} VM(s)"
"""

RETURN = r"""
plan:
  description: One entry per vault with VMs to change (enable, policy update, resume, undelete), sorted by vault ID.
  returned: success
  type: list
  elements: dict
  sample:
    - {subscription_id: "0000...", vault_name: testVault, vault_resource_group: testVaultRG, location: westus,
       vms: [{id: "/subscriptions/0000.../virtualMachines/vm01", policy: DefaultPolicy}]}
rows:
  description:
    - One row per VM of the subscriptions in scope (and per VM a rule selects in other subscriptions), sorted by VM ID, with
      C(label) (resource_group/name), C(vm_id), C(vm_name), C(resource_group), C(subscription_id), C(location), C(vm_tags),
      C(backup_state), C(backup_vault), C(backup_policy), C(backup_policy_type) (V(V1) standard, V(V2) enhanced),
      C(protection_state), C(health_status), C(last_backup_time), C(last_backup_status), C(last_recovery_point), C(delete_time),
      C(purge_time), C(rules) (the rules that select it),
      C(desired_vault), C(desired_policy), C(action) (V(none), V(enable), V(update), V(resume), V(undelete)),
      C(findings) and C(note).
    - Findings are C(unprotected), C(wrong_policy), C(policy_change_refused), C(wrong_vault), C(stopped), C(soft_deleted),
      C(purge_soon), C(stale), C(failed), C(protected_elsewhere), C(unknown_state), C(conflict), C(unmatched).
    - C(policy_change_refused) (with C(wrong_policy)) is a VM on an enhanced (V2) policy whose rule wants a standard (V1)
      one, a move Azure refuses (and so does M(azure_recovery.backup.azure_vm_protection), by the same rule). Its action
      is V(none), it is not in RV(plan), and C(note) says what to do instead.
  returned: success
  type: list
  elements: dict
totals:
  description: C(vms), C(matched), C(attention) (VMs with a finding other than C(unmatched)), C(to_change) and a count per finding.
  returned: success
  type: dict
by_subscription:
  description: Per subscription, per vault (the VM's current vault, else the one its rule wants, else C(-)) the same counts.
  returned: success
  type: dict
rules:
  description: Per rule its C(name), C(policy), C(matched) (VM count) and C(vaults) (resource IDs).
  returned: success
  type: list
  elements: dict
vaults:
  description:
    - The vaults of the scope with vault-level findings read from the vault lists (no extra call), C(soft_delete_disabled),
      C(soft_delete_retention_short) (under 14 days) and C(immutability_disabled); with C(id), C(name), C(subscription_id),
      C(location), C(soft_delete_state), C(soft_delete_days), C(immutability).
  returned: success
  type: list
  elements: dict
warnings_list:
  description: The rules that match no VM (also given as warnings).
  returned: success
  type: list
  elements: str
reads:
  description: The lists read (C(vm_lists), C(vault_lists), C(item_lists), each with all its pages) and C(backup_status) calls.
  returned: success
  type: dict
problems:
  description: On failure, every problem found with the rules (nothing was changed).
  returned: failure
  type: list
  elements: str
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, auth_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._scope import RuleError, resolve


def main():
    spec = auth_argument_spec()
    spec.update(
        subscriptions=dict(type="list", elements="str", default=[]),
        # _scope.check_rules checks the rules further, naming every problem at once
        rules=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str"),
            subscriptions=dict(type="list", elements="str"),
            resource_groups=dict(type="list", elements="str"),
            locations=dict(type="list", elements="str"),
            tags=dict(type="raw"),      # not "dict": a "key=value" string must be refused, not converted
            names=dict(type="list", elements="str"),
            exclude_names=dict(type="list", elements="str"),
            exclude=dict(type="list", elements="str"),
            policy=dict(type="str", required=True),
            vaults=dict(type="list", elements="dict", required=True),
            undelete=dict(type="bool", default=False),
        )),
        max_backup_age_hours=dict(type="float", default=26.0),
        purge_warning_days=dict(type="int", default=7),
        backup_status=dict(type="str", default="auto", choices=["auto", "always", "never"]),
        concurrency=dict(type="int", default=8),
        cells=dict(type="list", elements="dict", default=[]),
    )
    glue = AzureBackupModule(spec, supports_check_mode=True)
    params = glue.params
    try:
        result = resolve(glue.client, params["rules"], params["subscriptions"], max_backup_age_hours=params["max_backup_age_hours"],
                         purge_warning_days=params["purge_warning_days"], backup_status_mode=params["backup_status"],
                         workers=params["concurrency"], cells=params["cells"])
    except RuleError as exc:
        glue.fail(str(exc), problems=exc.problems)
    except (ArmError, ValueError) as exc:
        glue.fail(exc if isinstance(exc, ArmError) else str(exc))
    for line in result["warnings"]:
        glue.module.warn(line)
    result["warnings_list"] = result.pop("warnings")
    totals = result["totals"]
    result["msg"] = "%d VM(s) in scope, %d matched by a rule, %d to change in %d vault(s), %d need attention" % (
        totals["vms"], totals["matched"], totals["to_change"], len(result["plan"]), totals["attention"])
    glue.exit(**result)


if __name__ == "__main__":
    main()
