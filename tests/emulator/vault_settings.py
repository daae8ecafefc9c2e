# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault RP's settings of a vault, and the rules on them that several families share (vaults.py,
policies.py, guards.py, protected_items.py).

The soft-delete state lives on ``state.Vault`` (``soft_delete``, ``soft_delete_always_on``,
``soft_delete_days``: the item handlers read it); every other vault setting lives in ``settings(vault)``,
a dict attached to the vault on first use. ``ext(state)`` holds what the vault families keep beside the
vaults (seeded resource guards); ``State.reset`` clears it.
"""

from __future__ import annotations

import base64
import re
import uuid

from common import ArmError

IMMUTABLE_LINK = "https://aka.ms/AB-ImmutableVaults-States"
# A zone-redundant default where the region has zones is how the portal presents it; the emulator keeps the
# service's historical default (GeoRedundant) everywhere except regions without a pair.
NO_PAIR_REGIONS = ("qatarcentral", "israelcentral", "mexicocentral", "polandcentral", "italynorth", "spaincentral",
                   "newzealandnorth")


def immutable_error(message):
    return ArmError(400, "BMSUserErrorImmutableVaultOperationNotAllowed",
                    "%s See %s for the operations an immutable vault allows." % (message, IMMUTABLE_LINK))


def normalise_location(text):
    return re.sub(r"\s+", "", str(text or "")).lower()


def default_settings(vault):
    """The vault RP's view of a vault that was seeded or created without settings."""
    location = normalise_location(vault.location)
    return {
        "tags": {}, "sku": {"name": "RS0", "tier": "Standard"}, "identity": None,
        "provisioning": "Succeeded",
        "public_network_access": "Enabled",
        "redundancy": "LocallyRedundant" if location in NO_PAIR_REGIONS else "GeoRedundant",
        "crr": "Disabled",
        "immutability": "Disabled",
        "enhanced_security": "Enabled",
        "alerts": {"alertsForAllJobFailures": "Enabled", "alertsForAllReplicationIssues": "Enabled",
                   "alertsForAllFailoverIssues": "Enabled"},
        "classic_alerts": {"alertsForCriticalOperations": "Disabled", "emailNotificationsForSiteRecovery": "Enabled"},
        "csr": "Enabled",
        "cost": None, "encryption": None, "source_scan": None, "region_of_choice": None,
        "soft_delete_api": None,       # None | "vault" | "backupconfig": which API last wrote the soft-delete state
        "storage_locked": False,
        "storage_version": "V2",
        "proxy": None,                 # the resource guard proxy (guards.py)
        "unlocks": {},                 # (request type, resource id lower) -> expiry (guards.py)
        "integrity_key": base64.b64encode(uuid.uuid4().bytes).decode(),
    }


def settings(vault):
    """The vault RP settings of ``vault`` (attached on first use)."""
    found = getattr(vault, "rp_settings", None)
    if found is None:
        found = vault.rp_settings = default_settings(vault)
    return found


def ext(state):
    """Extension state kept on ``state`` (reset with it): seeded resource guards."""
    found = getattr(state, "vault_ext", None)
    if found is None:
        found = state.vault_ext = {"guards": {}}
    return found


def storage_locked(vault):
    """storageTypeState: Locked once an item has been protected in the vault (permanent)."""
    conf = settings(vault)
    if vault.items and not conf["storage_locked"]:
        conf["storage_locked"] = True
        conf["storage_version"] = "V2"
    return conf["storage_locked"]


def soft_delete_state(vault):
    return "AlwaysON" if vault.soft_delete_always_on else ("Enabled" if vault.soft_delete else "Disabled")


def soft_deleted_count(vault):
    return sum(1 for item in vault.items.values() if item.soft_deleted)


def check_not_immutable(vault, what):
    """Refuse an operation an immutable vault (Unlocked or Locked) does not allow."""
    state = settings(vault)["immutability"]
    if state != "Disabled":
        raise immutable_error("The operation '%s' is not allowed because vault '%s' is immutable (%s)." % (what, vault.name, state))
