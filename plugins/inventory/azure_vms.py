# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: azure_vms
short_description: Azure VMs with their Azure Backup state, across subscriptions
version_added: 1.1.0
description:
  - Lists the VMs of one or more subscriptions through the Compute API (all pages), optionally only some resource groups,
    regions, tags or names, and joins each VM with its backup state read from the Recovery Services vaults of those
    subscriptions. Each vault's protected items are listed once, not once per VM.
  - A VM that no vault read protects is V(unprotected) only when every vault of its subscription and region could be read;
    otherwise (and for every such VM with O(backup_status=always)) one backupStatus call tells whether a vault out of scope
    protects it (group C(protected_elsewhere)); never shown as unprotected on a guess.
  - Groups C(protected), C(unprotected), C(stopped) (ProtectionStopped, ProtectionPaused or BackupsSuspended, the states that
    M(azure_recovery.backup.azure_vm_protection) resumes), C(soft_deleted), C(protected_elsewhere), C(unknown), C(stale) (no successful
    backup within O(max_backup_age_hours)) and C(failed) (last backup failed); plus O(keyed_groups), O(groups) and O(compose).
  - Authentication as the collection's modules (the same options and environment variables; AWX's Azure credential works unchanged).
  - Files must be named C(*.azure_vms.yml) or C(*.azure_vms.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - azure_recovery.backup.auth
options:
  plugin:
    description: Marks the file as this plugin's.
    required: true
    type: str
    choices: [azure_recovery.backup.azure_vms]
  subscriptions:
    description:
      - Subscription IDs to list. Default the credential's subscription (O(subscription_id) or E(AZURE_SUBSCRIPTION_ID)).
    type: list
    elements: str
    default: []
  resource_groups:
    description: Only the VMs of these resource groups (one Compute list per resource group and subscription).
    type: list
    elements: str
    default: []
  locations:
    description: Only the VMs in these regions (e.g. V(westeurope)).
    type: list
    elements: str
    default: []
  tags:
    description:
      - Only the VMs with all these tags. Each value is a string, a list of accepted strings, or V(*) for any value.
        Tag names match case-insensitively, values exactly.
    type: dict
    default: {}
  names:
    description: Only the VMs whose name matches one of these shell patterns (case-insensitive, e.g. V(web-*)).
    type: list
    elements: str
    default: []
  exclude_names:
    description: Leave out the VMs whose name matches one of these shell patterns.
    type: list
    elements: str
    default: []
  max_backup_age_hours:
    description: A protected VM without a successful backup for this long is in group C(stale).
    type: float
    default: 26
  backup_status:
    description:
      - When to ask backupStatus (one POST per VM, which only reads but counts against the subscription's write budget)
        about a VM that no vault read protects.
      - V(auto) only when a vault of the VM's subscription and region could not be read; V(always) for every such VM (to
        find VMs protected by vaults out of scope); V(never) marks those VMs C(unknown).
    type: str
    default: auto
    choices: [auto, always, never]
  concurrency:
    description: Threads for the per-subscription and per-vault reads.
    type: int
    default: 8
  hostname:
    description:
      - V(name) uses the VM name, and for VMs of the same name C(<name>_<resource group>) (then with the subscription's first
        8 characters); V(resource_group_name) always uses C(<resource group>_<name>); V(id) the resource ID.
    type: str
    default: name
    choices: [name, resource_group_name, id]
  host_per:
    description:
      - V(vm) makes one host per VM. V(cell) makes one host per subscription and region with VMs in scope (named
        C(<region>_<subscription>)), with the variables C(subscription_id), C(location), C(vm_count), C(backup_counts) (VMs per
        backup state) and C(vm_onboarding_cell), which the C(vm_onboarding) role's rule mode reads to limit its scope to the
        cells of the play's hosts; with AWX job slicing each slice then protects the VMs of its own cells.
    type: str
    default: vm
    choices: [vm, cell]
  fail_on_errors:
    description: Fail when a list could not be read (otherwise warn and mark what it leaves unknown).
    type: bool
    default: false
notes:
  - Host variables, per VM, C(vm_id), C(vm_name), C(resource_group), C(subscription_id), C(location), C(vm_tags), C(vm_zones),
    C(vm_uuid); backup C(backup_state) (V(protected), V(unprotected), V(stopped), V(soft_deleted), V(protected_elsewhere),
    V(unknown)), C(backup_vault), C(backup_vault_id), C(backup_vault_resource_group), C(backup_vault_subscription_id),
    C(backup_policy), C(backup_policy_type) (V(V1) standard, V(V2) enhanced), C(protection_state), C(health_status),
    C(last_backup_time), C(last_backup_status), C(last_recovery_point), C(soft_deleted), C(delete_time), C(purge_time) (delete time plus the vault's soft-delete
    retention days), C(backup_stale), C(backup_failed), C(backup_note), C(other_vaults) (other vaults holding an item of the VM).
  - Also C(vm_onboarding_vm_id) (the VM's ID), so that the C(vm_onboarding) role's per-host mode works on these hosts.
'''

EXAMPLES = r'''
# fleet.azure_vms.yml: every VM of two subscriptions, grouped by backup state, region and tag
plugin: azure_recovery.backup.azure_vms
subscriptions:
  - 00000000-0000-0000-0000-000000000000
  - 11111111-0000-0000-0000-000000000000
tags:
  backup: [gold, silver]
max_backup_age_hours: 26
keyed_groups:
  - key: location
    prefix: region
  - key: subscription_id
    prefix: sub
  - key: vm_tags.backup | default('none')
    prefix: tier
groups:
  needs_attention: backup_state != 'protected' or backup_stale or backup_failed
compose:
  ansible_host: vm_name
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/azure_vms
cache_timeout: 900
'''

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient, ArmError
from ansible_collections.azure_recovery.backup.plugins.module_utils._auth import ENV_FALLBACKS
from ansible_collections.azure_recovery.backup.plugins.module_utils._fleet import groups_of, read_estate

AUTH_OPTIONS = tuple(ENV_FALLBACKS) + ("validate_certs", "request_timeout", "max_retries")
GROUPS = ("protected", "unprotected", "stopped", "soft_deleted", "protected_elsewhere", "unknown", "stale", "failed")


def host_names(records, style):
    """One unique inventory name per record."""
    if style == "id":
        return [r["vm_id"] for r in records]
    if style == "resource_group_name":
        names = ["%s_%s" % (r["resource_group"], r["vm_name"]) for r in records]
    else:
        names = [r["vm_name"] for r in records]
    counts = {}
    for name in names:
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    out, taken = [], set()
    for record, name in zip(records, names):
        if counts[name.lower()] > 1 and style == "name":
            name = "%s_%s" % (record["vm_name"], record["resource_group"])
        if name.lower() in taken:
            name = "%s_%s" % (name, record["subscription_id"][:8])
        taken.add(name.lower())
        out.append(name)
    return out


def cells_of(records):
    """One host per (subscription, region): (name, variables, groups), sorted by name."""
    cells = {}
    for record in records:
        key = (record["subscription_id"].lower(), record["location"])
        cell = cells.setdefault(key, {"subscription_id": record["subscription_id"], "location": record["location"], "vm_count": 0,
                                      "backup_counts": {}})
        cell["vm_count"] += 1
        for group in groups_of(record):
            cell["backup_counts"][group] = cell["backup_counts"].get(group, 0) + 1
    hosts = []
    for (sub, location), cell in sorted(cells.items(), key=lambda pair: (pair[0][1], pair[0][0])):
        cell["vm_onboarding_cell"] = {"subscription_id": cell["subscription_id"], "location": location}
        hosts.append(("%s_%s" % (location, sub), cell, []))
    return hosts


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "azure_recovery.backup.azure_vms"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith((".azure_vms.yml", ".azure_vms.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self._read()
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)

    def _read(self):
        params = dict((name, self.get_option(name)) for name in AUTH_OPTIONS)
        try:
            client = ArmClient(params, warn=self.display.warning)
            subscriptions = self.get_option("subscriptions") or [client.subscription_id]
            estate = read_estate(client, subscriptions, resource_groups=self.get_option("resource_groups"),
                                 locations=self.get_option("locations"), tags=self.get_option("tags"),
                                 names=self.get_option("names"), exclude=self.get_option("exclude_names"),
                                 max_backup_age_hours=self.get_option("max_backup_age_hours"),
                                 backup_status_mode=self.get_option("backup_status"), workers=self.get_option("concurrency"))
        except ValueError as exc:
            raise AnsibleParserError("azure_vms: %s" % exc)
        except ArmError as exc:
            raise AnsibleError("azure_vms: %s" % exc)
        for line in estate.errors:
            if self.get_option("fail_on_errors"):
                raise AnsibleError("azure_vms: %s" % line)
            self.display.warning("azure_vms: %s" % line)
        self.display.vvv("azure_vms: %d VM(s); reads %s" % (len(estate.vms), estate.reads))
        return estate.vms

    def _populate(self, records):
        if self.get_option("host_per") == "cell":
            hosts = cells_of(records)
        else:
            for group in GROUPS:
                self.inventory.add_group(group)
            hosts = []
            for record, name in zip(records, host_names(records, self.get_option("hostname"))):
                hostvars = dict(record)
                hostvars["vm_onboarding_vm_id"] = record["vm_id"]
                hosts.append((name, hostvars, groups_of(record)))
        strict = self.get_option("strict")
        for name, hostvars, groups in hosts:
            self.inventory.add_host(name)
            for key, value in hostvars.items():
                self.inventory.set_variable(name, key, value)
            for group in groups:
                self.inventory.add_child(group, name)
            self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)
