# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""azure_vm_protection's decision: every requested state x every current state -> action."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils._protection import (
    DecisionError,
    decide,
    desired_disks,
    write_plan,
)

INCLUDE_0 = {"lun_list": [0], "is_inclusion_list": True}
EXCLUDE_1 = {"lun_list": [1], "is_inclusion_list": False}


def item(state="Protected", policy="DefaultPolicy", soft_deleted=False, disks=None):
    return {"friendly_name": "testVM", "protection_state": state, "policy_name": policy, "soft_deleted": soft_deleted,
            "deferred_delete_time": "2026-03-15T00:00:00Z" if soft_deleted else None,
            "deleted_time": "2026-03-01T00:00:00Z" if soft_deleted else None, "purge_time": "2026-03-15T00:00:00Z" if soft_deleted else None,
            "purge_in_days": 14 if soft_deleted else None, "disk_exclusion": disks}


CURRENT = {
    "absent": None,
    "irpending": item("IRPending"),
    "protected": item(),
    "protected_lowercase_policy": item(policy="defaultpolicy"),
    "protected_other_policy": item(policy="EnhancedPolicy"),
    "protected_include_0": item(disks=INCLUDE_0),
    "protection_error": item("ProtectionError"),
    "stopped": item("ProtectionStopped", policy=None),
    "paused": item("ProtectionPaused", policy=None),
    "suspended": item("BackupsSuspended"),
    "soft_deleted": item("ProtectionStopped", policy=None, soft_deleted=True),
}


def desired(state, policy="DefaultPolicy", disks=None, undelete=False):
    return {"state": state, "policy_name": policy if state == "present" else None, "disk_exclusion": disks, "undelete": undelete}


# (current, state, undelete) -> action; "error" means DecisionError. Every combination is listed.
EXPECTED = {
    ("absent", "present"): "enable",
    ("irpending", "present"): "none",
    ("protected", "present"): "none",
    ("protected_lowercase_policy", "present"): "none",
    ("protected_other_policy", "present"): "update",
    ("protected_include_0", "present"): "update",
    ("protection_error", "present"): "none",
    ("stopped", "present"): "resume",
    ("paused", "present"): "resume",
    ("suspended", "present"): "resume",
    ("soft_deleted", "present"): "error",
    ("absent", "stopped"): "none",
    ("irpending", "stopped"): "stop",
    ("protected", "stopped"): "stop",
    ("protected_lowercase_policy", "stopped"): "stop",
    ("protected_other_policy", "stopped"): "stop",
    ("protected_include_0", "stopped"): "stop",
    ("protection_error", "stopped"): "stop",
    ("stopped", "stopped"): "none",
    ("paused", "stopped"): "none",
    ("suspended", "stopped"): "stop",
    ("soft_deleted", "stopped"): "none",
    ("absent", "absent"): "none",
    ("irpending", "absent"): "delete",
    ("protected", "absent"): "delete",
    ("protected_lowercase_policy", "absent"): "delete",
    ("protected_other_policy", "absent"): "delete",
    ("protected_include_0", "absent"): "delete",
    ("protection_error", "absent"): "delete",
    ("stopped", "absent"): "delete",
    ("paused", "absent"): "delete",
    ("suspended", "absent"): "delete",
    ("soft_deleted", "absent"): "none",
}
# undelete=true only changes what happens to a soft-deleted item
UNDELETE_OVERRIDES = {
    ("soft_deleted", "present"): "undelete",
    ("soft_deleted", "stopped"): "undelete",
}


def test_the_table_is_exhaustive():
    assert set(EXPECTED) == set((current, state) for current in CURRENT for state in ("present", "stopped", "absent"))


@pytest.mark.parametrize("undelete", [False, True])
@pytest.mark.parametrize("current,state", sorted(EXPECTED))
def test_decide(current, state, undelete):
    expected = UNDELETE_OVERRIDES.get((current, state), EXPECTED[(current, state)]) if undelete else EXPECTED[(current, state)]
    if expected == "error":
        purge = "soft-deleted .deleted at 2026-03-01T00:00:00Z, purged for good at 2026-03-15T00:00:00Z, in 14 day.*undelete=true"
        with pytest.raises(DecisionError, match=purge):
            decide(CURRENT[current], desired(state, undelete=undelete))
        return
    action, before, after = decide(CURRENT[current], desired(state, undelete=undelete))
    assert action == expected
    # a no-op shows no difference; a change always does
    assert (before == after) == (action == "none")


@pytest.mark.parametrize("current", sorted(CURRENT))
def test_only_stopped_and_absent_reduce_protection(current):
    """state=present never stops, deletes or un-protects anything."""
    try:
        action, _before, after = decide(CURRENT[current], desired("present"))
    except DecisionError:
        return
    assert action not in ("stop", "delete")
    if action != "none":
        assert after["policy"] == "DefaultPolicy" and after["protection_state"] not in ("ProtectionStopped",)


@pytest.mark.parametrize("current,disks,action", [
    ("protected", None, "none"),
    ("protected", INCLUDE_0, "update"),
    ("protected", EXCLUDE_1, "update"),
    ("protected_include_0", INCLUDE_0, "none"),
    ("protected_include_0", EXCLUDE_1, "update"),
    ("protected_include_0", None, "update"),
])
def test_disk_selection_is_compared(current, disks, action):
    assert decide(CURRENT[current], desired("present", disks=disks))[0] == action


def test_policy_given_in_other_case_is_the_same_policy():
    assert decide(CURRENT["protected"], desired("present", policy="DEFAULTPOLICY"))[0] == "none"


def test_diff_shapes():
    action, before, after = decide(None, desired("present", disks=INCLUDE_0))
    assert action == "enable" and before == {}
    assert after == {"policy": "DefaultPolicy", "protection_state": "Protected", "soft_deleted": False, "disk_exclusion": INCLUDE_0}

    action, before, after = decide(CURRENT["protected"], desired("stopped"))
    assert before["policy"] == "DefaultPolicy" and after == dict(before, policy=None, protection_state="ProtectionStopped")

    action, before, after = decide(CURRENT["protected"], desired("absent"))
    assert action == "delete" and after == {}

    action, before, after = decide(CURRENT["irpending"], desired("present", policy="EnhancedPolicy"))
    assert action == "update" and after["protection_state"] == "IRPending" and after["policy"] == "EnhancedPolicy"

    action, before, after = decide(CURRENT["soft_deleted"], desired("present", undelete=True))
    assert before["soft_deleted"] is True and after["soft_deleted"] is False and after["protection_state"] == "Protected"


def test_unknown_state():
    with pytest.raises(ValueError):
        decide(None, {"state": "gone"})


@pytest.mark.parametrize("action,state,plan", [
    ("none", "present", []), ("enable", "present", ["protect"]), ("update", "present", ["protect"]),
    ("resume", "present", ["protect"]), ("undelete", "present", ["undelete", "protect"]),
    ("undelete", "stopped", ["undelete"]), ("stop", "stopped", ["stop"]), ("delete", "absent", ["delete"]),
])
def test_write_plan(action, state, plan):
    assert write_plan(action, state) == plan


@pytest.mark.parametrize("include,exclude,expected", [
    (None, None, None), (None, [], None), ([2, 0, 2], None, {"lun_list": [0, 2], "is_inclusion_list": True}),
    (None, [3], {"lun_list": [3], "is_inclusion_list": False}),
])
def test_desired_disks(include, exclude, expected):
    assert desired_disks(include, exclude) == expected


@pytest.mark.parametrize("include,exclude,message", [
    ([0], [1], "not both"), ([], None, "include_disk_luns is empty"), ([64], None, "0 to 63"), (None, [-1], "0 to 63"),
    # whole values only (issue 11, items 2 and 7): a YAML boolean, a string with a control character or a space
    ([True], None, "0 to 63"), (None, [False], "0 to 63"), (["1\n"], None, "0 to 63"), (["\t2"], None, "0 to 63"),
    (["3\r"], None, "0 to 63"), (["4\x00"], None, "0 to 63"), ([" 5"], None, "0 to 63"), (["1.0"], None, "0 to 63"), ([1.0], None, "0 to 63"),
])
def test_desired_disks_errors(include, exclude, message):
    with pytest.raises(ValueError, match=message):
        desired_disks(include, exclude)


def test_desired_disks_takes_digit_strings():
    assert desired_disks(["2", "0", 2], None) == {"lun_list": [0, 2], "is_inclusion_list": True}
