# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery points of a protected item (reads)."""

from __future__ import annotations

from common import ArmError, Response, iso
from async_ops import ITEM
from protected_items import ITEM_TYPE
from routing import VAULT, route


class RecoveryPoints:
    """Mixin of BackupApi: recoveryPoints list and GET."""

    @route("GET", VAULT, ITEM + "/recoveryPoints")
    def list_points(self, req, vault, container, item_name):
        item = self._get_item(vault, container, item_name)
        return self._page(req, [self._point_body(item, p) for p in reversed(item.recovery_points)])

    @route("GET", VAULT, ITEM + "/recoveryPoints/{point}")
    def get_point(self, req, vault, container, item_name, point):
        item = self._get_item(vault, container, item_name)
        for entry in item.recovery_points:
            if entry["name"] == point:
                return Response(200, self._point_body(item, entry))
        raise ArmError(404, "BMSUserErrorRecoveryPointNotFound", "Recovery point '%s' not found." % point)

    def _point_body(self, item, point):
        return {"id": "%s/recoveryPoints/%s" % (self.item_id(item), point["name"]), "name": point["name"],
                "type": ITEM_TYPE + "/recoveryPoints",
                "properties": {"objectType": "IaasVMRecoveryPoint", "recoveryPointType": "AppConsistent",
                               "recoveryPointTime": iso(point["time"]), "isInstantIlrSessionActive": False,
                               "recoveryPointTierDetails": [{"type": "InstantRP", "status": "Valid"},
                                                            {"type": "HardenedRP", "status": "Valid"}],
                               "recoveryPointProperties": {"expiryTime": iso(point["expiry"])}}}
