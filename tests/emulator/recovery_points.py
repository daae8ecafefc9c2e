# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery points of a protected item (reads, CONTRACT-wave2.md §2): the point model (tiers, disks, expiry),
list with its startDate / endDate filter, GET."""

from __future__ import annotations

import time

from async_ops import ITEM
from common import ArmError, Response, iso, parse_filter, parse_time
from protected_items import ITEM_TYPE
from routing import VAULT, bad_input, route

RP_TYPE = ITEM_TYPE + "/recoveryPoints"


# ---------------------------------------------------------------------- the recovery point model
def point_tiers(item, point, now):
    """{tier: status}: seeded tiers as given; else InstantRP (Valid within the policy's instant-RP days) + HardenedRP."""
    if point.get("tiers"):
        return dict(point["tiers"])
    instant_days = 7 if item.policy is not None and item.policy.policy_type == "V2" else 2
    return {"InstantRP": "Valid" if now - point["time"] < instant_days * 86400 else "Deleted", "HardenedRP": "Valid"}


def needs_rehydration(tiers):
    """Only the archive tier holds the point (and it is not rehydrated)."""
    usable = [t for t in ("InstantRP", "HardenedRP") if tiers.get(t) == "Valid"]
    return not usable and tiers.get("ArchivedRP") == "Valid"


def point_luns(item, point):
    """Data-disk LUNs in the point: as seeded, else the item's disk inclusion / exclusion, else all."""
    if point.get("luns") is not None:
        return list(point["luns"])
    luns = list(item.vm.luns)
    excl = item.disk_exclusion
    if excl:
        chosen = set(excl["diskLunList"])
        luns = [lun for lun in luns if (lun in chosen) == bool(excl["isInclusionList"])]
    return luns


def live_points(item, now=None):
    """The item's recovery points that have not expired (an expired point is gone, as the service deletes it)."""
    now = time.time() if now is None else now
    return [p for p in item.recovery_points if p["expiry"] > now]


# the text a fresh point shows (az CLI recordings test_backup_job.yaml 2022, test_backup_rp.yaml 2026)
STILL_DETERMINING = "We're still determining if this Recovery Point can be moved.. Please check again after some time."


def _move_readiness(tiers, point, now):
    if "ArchivedRP" in tiers:
        return {"isReadyForMove": False,
                "additionalInfo": "Recovery point cannot be moved to archive tier since it has already been moved."}
    if now - point["time"] < 90 * 86400:
        return {"isReadyForMove": False, "additionalInfo": STILL_DETERMINING}
    return {"isReadyForMove": True}


def reports_disks(item, point):
    """Whether the point carries recoveryPointDiskConfiguration: only with a disk inclusion / exclusion list
    (of the item, or seeded on the point). Recorded points of VMs without one have none (az CLI recordings
    test_backup_job.yaml, test_backup_rp.yaml; Azure/azure-cli#28492: "recoveryPointDiskConfiguration": null)."""
    return point.get("luns") is not None or bool(item.disk_exclusion)


def reports_properties(item, point):
    """Whether the point carries recoveryPointProperties {expiryTime, ruleName, isSoftDeleted}: no recorded point
    and no spec example has it (recordings above; Azure/azure-powershell#28890: the expiry is "mostly blank"), so
    only a point seeded with ``reports_properties: true`` or a point of a soft-deleted item (unverified) shows it."""
    return bool(point.get("reports_properties")) or bool(item.soft_deleted)


class RecoveryPoints:
    """Mixin of BackupApi: recoveryPoints list and GET."""

    def point_body(self, item, point):
        now = time.time()
        vm = item.vm
        tiers = point_tiers(item, point, now)
        included = point_luns(item, point)
        excluded = [lun for lun in vm.luns if lun not in included]
        disk_name = "%s-datadisk-%03d"
        props = {
            "objectType": "IaasVMRecoveryPoint",
            "recoveryPointType": point.get("type", "AppConsistent"),
            "recoveryPointTime": iso(point["time"]),
            "recoveryPointAdditionalInfo": "",
            "sourceVMStorageType": "NormalStorage",
            "isSourceVMEncrypted": bool(getattr(vm, "encrypted", False)),
            "isInstantIlrSessionActive": False,
            "recoveryPointTierDetails": [{"type": t, "status": tiers[t]} for t in ("InstantRP", "HardenedRP", "ArchivedRP")
                                         if t in tiers],
            "isManagedVirtualMachine": not vm.classic,
            "virtualMachineSize": "Standard_DS1_v2",
            "originalStorageAccountOption": bool(vm.classic),
            "osType": getattr(vm, "os_type", "Linux"),
            "recoveryPointMoveReadinessInfo": {"ArchivedRP": _move_readiness(tiers, point, now)},
            "securityType": "None",
            "isPrivateAccessEnabledOnAnyDisk": False,
        }
        if reports_disks(item, point):
            props["recoveryPointDiskConfiguration"] = {
                "numberOfDisksIncludedInBackup": len(included) + 1,
                "numberOfDisksAttachedToVm": len(vm.luns) + 1,
                "includedDiskList": [{"lun": -1, "name": "%s-osdisk" % vm.name.lower()}] +
                                    [{"lun": lun, "name": disk_name % (vm.name.lower(), lun)} for lun in included],
                "excludedDiskList": [{"lun": lun, "name": disk_name % (vm.name.lower(), lun)} for lun in excluded],
            }
        if reports_properties(item, point):
            props["recoveryPointProperties"] = {"expiryTime": iso(point["expiry"]),
                                                "ruleName": point.get("rule_name", "DailyRule" if item.policy else "AdhocRule"),
                                                "isSoftDeleted": bool(point.get("soft_deleted", False) or item.soft_deleted)}
        if item.policy is not None:
            # 2026 recording (test_backup_rp.yaml, api-version 2025-02-01): "createdWithPolicyType": "V1"
            props["createdWithPolicyType"] = item.policy.policy_type or "V1"
        if getattr(vm, "zones", None):
            props["zones"] = list(vm.zones)
        return {"id": "%s/recoveryPoints/%s" % (self.item_id(item), point["name"]), "name": point["name"],
                "type": RP_TYPE, "properties": props}

    @route("GET", VAULT, ITEM + "/recoveryPoints")
    def list_points(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        flt = parse_filter(req.query.get("$filter"), {"startdate", "enddate"})
        start = end = None
        if flt:
            if "startdate" not in flt or "enddate" not in flt:
                raise bad_input("The recovery point filter needs both startDate and endDate.")
            try:
                start, end = parse_time(flt["startdate"]), parse_time(flt["enddate"])
            except ValueError as exc:
                raise bad_input("startDate / endDate are not dates ('yyyy-MM-dd hh:mm:ss AM'): %s" % exc) from exc
            if start > end:
                raise bad_input("startDate must not be after endDate.")
        points = [p for p in reversed(live_points(item)) if start is None or start <= p["time"] <= end]
        return self._page(req, [self.point_body(item, p) for p in points])

    @staticmethod
    def find_point(item, name):
        for entry in live_points(item):
            if entry["name"] == name:
                return entry
        raise ArmError(404, "BMSUserErrorRecoveryPointNotFound", "Recovery point '%s' not found." % name)

    @route("GET", VAULT, ITEM + "/recoveryPoints/{point}")
    def get_point(self, req, vault, container, item_name, point):
        item = self._get_item(vault, container, item_name)
        return Response(200, self.point_body(item, self.find_point(item, point)))
