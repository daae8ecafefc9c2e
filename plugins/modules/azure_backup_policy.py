#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: azure_backup_policy
short_description: Create, change or delete a backup policy for Azure virtual machines
version_added: 1.1.0
description:
  - Manages one Azure VM backup policy of a Recovery Services vault - standard (V1; daily or weekly backups) or enhanced
    (V2; hourly every 4, 6, 8 or 12 hours within a window, daily or weekly), its time zone, instant-restore snapshot
    retention, daily / weekly / monthly / yearly retention and archive tiering.
  - Options are written for people (C(schedule.time "23:00"), C(retention.weekly.days [Sunday])) and converted to the
    service's shape. The policy the service returns is normalised (time formats, day and month order, defaults) before it
    is compared, so an unchanged policy costs one GET and reports C(changed=false).
  - Options not given are kept from the existing policy (or take the service's defaults for a new one). O(retention),
    when given, is the whole retention - a unit it does not list (e.g. monthly) is removed.
  - Bad input is refused before any write - retention outside the service's ranges, an hourly interval it does not offer,
    a weekly schedule without days, an unknown time zone, a switch between standard and enhanced, a policy of the name that
    is not for Azure VMs.
  - A change to a policy in use reports how many protected items it applies to (RV(affected_items)). On an immutable vault,
    shortening or removing a retention is refused before any write, saying why. On a vault with a resource guard, a
    retention cut carries the request the vault's guard proxy lists for it.
  - O(state=absent) refuses to delete a policy in use, naming how many items use it.
author:
  - azure_recovery.backup developers (@azure-recovery)
options:
  name:
    description: Name of the policy.
    type: str
    required: true
  state:
    description: V(present) creates or changes the policy; V(absent) deletes it when no item uses it.
    type: str
    choices: [present, absent]
    default: present
  policy_type:
    description:
      - V(standard) (V1) or V(enhanced) (V2; needed for hourly schedules). A policy cannot switch between them.
      - Default - the existing policy's type; for a new one V(enhanced) with an hourly schedule, else V(standard).
    type: str
    choices: [standard, enhanced]
  schedule:
    description: When backups run. Required to create a policy.
    type: dict
    suboptions:
      frequency:
        description: V(daily), V(weekly) or V(hourly) (enhanced only).
        type: str
        required: true
        choices: [daily, weekly, hourly]
      time:
        description: Time of day (HH:MM, 24-hour, on the hour or half hour) in O(time_zone); for hourly, the window's start (default 08:00).
        type: str
      days:
        description: Days of the week (weekly only, required there).
        type: list
        elements: str
      interval:
        description: Hours between backups, 4, 6, 8 or 12 (hourly only).
        type: int
      window_hours:
        description: Length of the hourly window in hours, 4 to 24 (hourly only; default 24).
        type: int
  time_zone:
    description: Windows time-zone ID the schedule's times are in, e.g. V(UTC), V(W. Europe Standard Time). Default V(UTC) for a new policy.
    type: str
  instant_restore_days:
    description: Days instant-restore snapshots are kept - 1 to 5 for standard, 1 to 30 for enhanced (defaults 2, 5 for a weekly standard policy, 7).
    type: int
  retention:
    description:
      - How long backups are kept. Required to create a policy. C(daily) is required for daily and hourly schedules and not
        allowed for weekly ones; C(weekly) is required for weekly schedules (its days are the schedule's days).
      - C(daily) - days, 7 to 9999.
      - C(weekly) - C(count) weeks (1 to 5163) and C(days).
      - C(monthly) - C(count) months (1 to 1188) and C(days_of_month) (1-28 or C(last)), or C(weeks) (First...Last) and C(days).
      - C(yearly) - C(count) years (1 to 99), C(months), and C(days_of_month) or C(weeks) and C(days).
    type: dict
  archive_tiering:
    description: Moving recovery points to the archive tier.
    type: dict
    suboptions:
      mode:
        description: V(recommended) (smart tiering), V(after) (after O(archive_tiering.duration)) or V(off).
        type: str
        required: true
        choices: [recommended, after, "off"]
      duration:
        description: With V(after), how long after the recovery point is made.
        type: int
      duration_type:
        description: Unit of O(archive_tiering.duration).
        type: str
        choices: [days, weeks, months, years]
  wait_timeout:
    description:
      - The task's deadline in seconds, for all its waiting together (the policy write's operation, retries). The
        module always waits for the write.
    type: int
    default: 1800
extends_documentation_fragment:
  - azure_recovery.backup.auth
  - azure_recovery.backup.vault
  - azure_recovery.backup.attributes
attributes:
  check_mode:
    support: full
    details: Reads as for a real run and sends no write.
  diff_mode:
    support: full
    details: Before and after of the normalised policy.
seealso:
  - module: azure_recovery.backup.azure_backup_policy_info
  - module: azure_recovery.backup.azure_backup_vault
  - module: azure_recovery.backup.azure_vm_protection
"""

EXAMPLES = r"""
- name: A standard daily policy at 23:00 UTC, kept 30 days, 12 Sundays and 12 months
  azure_recovery.backup.azure_backup_policy:
    vault_name: prodVault
    vault_resource_group: backupRG
    name: DailyPolicy
    schedule:
      frequency: daily
      time: "23:00"
    retention:
      daily: 30
      weekly: {count: 12, days: [Sunday]}
      monthly: {count: 12, days_of_month: [1]}

- name: An enhanced policy every 4 hours from 08:00 for 12 hours, in Central European time, with smart tiering
  azure_recovery.backup.azure_backup_policy:
    vault_name: prodVault
    vault_resource_group: backupRG
    name: HourlyPolicy
    policy_type: enhanced
    schedule:
      frequency: hourly
      interval: 4
      time: "08:00"
      window_hours: 12
    time_zone: W. Europe Standard Time
    instant_restore_days: 7
    retention:
      daily: 30
      yearly: {count: 5, months: [January], weeks: [First], days: [Sunday]}
    archive_tiering:
      mode: recommended

- name: Delete a policy no VM uses
  azure_recovery.backup.azure_backup_policy:
    vault_name: prodVault
    vault_resource_group: backupRG
    name: OldPolicy
    state: absent
"""

RETURN = r"""
msg:
  description: A one-line summary of the outcome.
  returned: always
  type: str
  sample: "policy DailyPolicy of vault backupRG/prodVault changed (applies to 3 protected item(s))"
policy:
  description: The policy after the change (before it in check mode), as M(azure_recovery.backup.azure_backup_policy_info) returns it; V(null) when absent.
  returned: always
  type: dict
affected_items:
  description: How many protected items the change applies to (the policy's protected items).
  returned: always
  type: int
retention_cuts:
  description: One line per retention the change shortens or removes.
  returned: with state=present
  type: list
  elements: str
diff:
  description: Before and after of the normalised policy (diff mode).
  returned: when diff mode is on
  type: dict
"""

# first of the collection's imports: the others then load from compiled code kept between tasks
from ansible_collections.azure_recovery.backup.plugins.module_utils import _code_cache  # noqa: F401 pylint: disable=unused-import
from ansible_collections.azure_recovery.backup.plugins.module_utils._common import AzureBackupModule, backup_argument_spec
from ansible_collections.azure_recovery.backup.plugins.module_utils._policy import PolicyRun


def main():
    argument_spec = backup_argument_spec(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        policy_type=dict(type="str", choices=["standard", "enhanced"]),
        schedule=dict(type="dict", options=dict(
            frequency=dict(type="str", required=True, choices=["daily", "weekly", "hourly"]),
            time=dict(type="str"),
            days=dict(type="list", elements="str"),
            interval=dict(type="int"),
            window_hours=dict(type="int"))),
        time_zone=dict(type="str"),
        instant_restore_days=dict(type="int"),
        retention=dict(type="dict"),
        archive_tiering=dict(type="dict", options=dict(
            mode=dict(type="str", required=True, choices=["recommended", "after", "off"]),
            duration=dict(type="int"),
            duration_type=dict(type="str", choices=["days", "weeks", "months", "years"]))),
        wait_timeout=dict(type="int", default=1800),
    )
    glue = AzureBackupModule(argument_spec, supports_check_mode=True)
    module = glue.module
    glue.run(lambda: PolicyRun(glue.client, glue.params, check_mode=module.check_mode, diff=module._diff, warn=module.warn).run())


if __name__ == "__main__":
    main()
