# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the wave-2 vault settings add to the protected-item writes (hooks called from backup_api.py):

- suspend (CONTRACT-wave2 §9): ``PUT I {protectionState: BackupsSuspended}`` without a policy -> 202 ->
  ``DisableBackup`` job -> ``BackupsSuspended`` (the item keeps its policy; resume with the enable body);
- multi-user authorisation on stop / suspend / policy change / delete (§6.3);
- what an immutable vault refuses on an item (stop protection with delete data).
"""

from __future__ import annotations

import guard_api
from common import ArmError
from policy_api import check_item_policy_change
from vault_api import check_not_immutable

ACTIVE = ("Protected", "IRPending", "ProtectionError")


class ItemHooks:
    def __init__(self, api):
        self.api = api
        self.state = api.state

    def before_write(self, req, vault, vm, item, props):
        """Called by put_item for a non-soft-deleted item; a Response ends the request, None goes on."""
        state_wanted = props.get("protectionState")
        policy_id = props.get("policyId")
        tokens = props.get("resourceGuardOperationRequests") or []
        if state_wanted == "BackupsSuspended":
            if policy_id:
                raise ArmError(400, "BMSUserErrorInvalidInput", "Input provided for the call is invalid. A request to "
                               "suspend backups (protectionState BackupsSuspended) must not carry a policyId.")
            if item is None:
                raise self.api._item_not_found(req.segments[13])  # pylint: disable=protected-access
            if item.state not in ACTIVE:
                raise ArmError(400, "BMSUserErrorInvalidProtectionStateForSuspend",
                               "Backups of '%s' cannot be suspended: its protection state is %s." % (vm.name, item.state))
            guard_api.require(self.state, vault, "stopProtectionWithRetainDataRequests", tokens,
                              "suspend backups of '%s'" % vm.name)

            def apply(when):
                current = vault.items.get(vm.key)
                if current is not None and not current.soft_deleted:
                    current.state = "BackupsSuspended"
                return None
            return self.api._start_item_op(req, vault, vm, "DisableBackup", apply)  # pylint: disable=protected-access
        if state_wanted == "ProtectionStopped" and not policy_id and item is not None:
            guard_api.require(self.state, vault, "stopProtectionWithRetainDataRequests", tokens,
                              "stop protection of '%s'" % vm.name)
            return None
        if policy_id and item is not None:
            policy = self.api._parse_policy(vault, policy_id)  # pylint: disable=protected-access
            check_item_policy_change(self.state, vault, item, policy, tokens)
        return None

    def before_delete(self, vault, item):
        """Called by delete_item (stop protection with delete data) before the operation starts."""
        if item.recovery_points:
            check_not_immutable(vault, "delete the backup data of '%s'" % item.vm.name)
        guard_api.require_unlocked(self.state, vault, "deleteProtectedItemRequests", self.api.item_id(item),
                                   "delete the backup data of '%s'" % item.vm.name)
