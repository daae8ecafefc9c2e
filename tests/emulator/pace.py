# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator's settings (``GET|POST /_emulator/config``), the named paces and Resource Manager's token buckets.

``pace: fast`` (the default) keeps tests quick; ``pace: real`` is the real service's pace in one setting:
``Retry-After: 60``, operations of tens of seconds drawn from a range with a seedable RNG, and Resource
Manager's per-subscription token buckets (reads 250 refilled 25/s, writes 200 refilled 10/s, deletes 200
refilled 10/s). Settings given next to ``pace`` in the same request override the preset.
"""

from __future__ import annotations

import time

DURATION_KEYS = ("lro_seconds", "backup_op_seconds", "refresh_seconds", "job_seconds", "restore_op_seconds", "restore_job_seconds",
                 "compute_seconds",
                 "vault_lro_seconds")  # wave 2: vaults
BUCKETS = ("reads", "writes", "deletes")
_BUCKET_KEYS = {"reads": ("read_budget", "read_refill_per_second"),
                "writes": ("write_budget", "write_refill_per_second"),
                "deletes": ("delete_budget", "delete_refill_per_second")}

FAST = {
    "pace": "fast",
    "lro_seconds": 3.0,           # protect / stop / delete / undelete operations (a number, or [low, high] drawn per operation)
    "backup_op_seconds": 1.0,     # the backup trigger operation (the job runs longer)
    "refresh_seconds": 3.0,       # refreshContainers
    "job_seconds": 5.0,           # duration of a backup job
    "restore_op_seconds": 1.0,    # the restore trigger operation (ends when the job exists)
    "restore_job_seconds": 5.0,   # a restore job, start to Completed (make it long to test cancel / waits)
    "compute_seconds": 1.0,       # a Compute / Network / resource-group DELETE, 202 to gone
    "seed": None,                 # seed of the RNG that draws durations from ranges (None: unseeded)
    "retry_after": 1,             # Retry-After on 202s
    # Resource Manager's per-subscription token buckets: capacity and refill rate (tokens / second).
    "read_budget": 12000,
    "read_refill_per_second": 12000 / 3600.0,
    "write_budget": 1200,
    "write_refill_per_second": 1200 / 3600.0,
    "delete_budget": 1200,
    "delete_refill_per_second": 1200 / 3600.0,
    "token_lifetime": 3600,       # seconds
    "require_async_signature": False,  # True: refuse unsigned polls (a client test of "follow the URL verbatim")
}

REAL = dict(FAST, **{
    "pace": "real",
    "retry_after": 60,
    # REAL-BEHAVIOUR.md: enable 11-97 s, stop 11 s, delete 13-116 s, undelete 13 s; the backup trigger
    # succeeds at the first poll (1-5 s); a backup job runs minutes to over an hour.
    "lro_seconds": [15.0, 90.0],
    "refresh_seconds": [15.0, 90.0],
    "backup_op_seconds": [1.0, 5.0],
    "job_seconds": [300.0, 3600.0],
    # a restore trigger answers like a backup trigger; a restore job runs tens of minutes to hours (disk copy from
    # the vault); a Compute VM / disk DELETE takes tens of seconds to a few minutes
    "restore_op_seconds": [1.0, 5.0],
    "restore_job_seconds": [900.0, 5400.0],
    "compute_seconds": [20.0, 120.0],
    # ARM throttling docs (token bucket algorithm), per subscription and region
    "read_budget": 250, "read_refill_per_second": 25.0,
    "write_budget": 200, "write_refill_per_second": 10.0,
    "delete_budget": 200, "delete_refill_per_second": 10.0,
})

# ---------------------------------------------------------------------- wave 2: vaults, policies, guards
# (vaults.py, policies.py, guards.py; README "Admin config additions")
VAULT_SETTINGS = {
    "vault_lro_seconds": 3.0,     # vault create / update / delete operations
    "vault_create_mode": "async",  # "async" (201 Provisioning + AsyncOp) | "sync" (201 Succeeded, no header: 2022 CLI recording)
    "vault_default_soft_delete": "Enabled",  # "Enabled" | "AlwaysON" (secure-by-default regions)
    "vault_default_policies": ["DefaultPolicy"],  # any of DefaultPolicy, EnhancedPolicy, HourlyLogBackup
    "vault_list_page_size": 200,  # vault list page size (nextLink beyond it)
    "vault_soft_delete_writes": "ignored",  # "ignored" (azure-rest-api-specs #34218) | "applied"
    "vault_ignored_settings": [],  # dotted paths of a vault PUT/PATCH body the service silently ignores
    "policy_put_async": "auto",   # "auto" (202 when items use the policy) | "always" | "never"
    "policy_delete_status": 202,  # 200 | 202 | 204
    "unlock_delete_seconds": 1800.0,  # validity of an unlockDelete
}
CHOICES = {"vault_create_mode": ("async", "sync"), "vault_default_soft_delete": ("Enabled", "AlwaysON"),
           "vault_soft_delete_writes": ("ignored", "applied"), "policy_put_async": ("auto", "always", "never"),
           "policy_delete_status": (200, 202, 204),
           "vault_default_policies": ("DefaultPolicy", "EnhancedPolicy", "HourlyLogBackup")}  # policies.NEW_VAULT_POLICIES
FAST.update(VAULT_SETTINGS)
# No recorded duration of a vault create / update / delete: the emulator's choice (seconds, like an item operation).
REAL.update(VAULT_SETTINGS, vault_lro_seconds=[5.0, 30.0])

PACES = {"fast": FAST, "real": REAL}
# Shorthand kept from the first budget model: "<kind>_window_seconds" = refill the whole budget in that many seconds.
WINDOW_KEYS = {"read_window_seconds": "reads", "write_window_seconds": "writes", "delete_window_seconds": "deletes"}


def _duration(key, value):
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value) \
                or not 0 <= value[0] <= value[1]:
            raise ValueError("%s must be a number of seconds or [low, high] with 0 <= low <= high" % key)
        return [float(value[0]), float(value[1])]
    return float(value)


def coerce(key, value):
    """The setting ``key`` as the emulator keeps it; ValueError / TypeError if it cannot be one."""
    if key in DURATION_KEYS:
        return _duration(key, value)
    if key == "pace":
        if value not in PACES:
            raise ValueError("pace must be one of %s" % sorted(PACES))
        return value
    if key == "seed":
        return None if value is None else int(value)
    if key == "require_async_signature":
        if not isinstance(value, bool):
            raise ValueError("require_async_signature must be true or false")
        return value
    value = type(FAST[key])(value)
    allowed = CHOICES.get(key)
    if allowed is not None and any(v not in allowed for v in (value if isinstance(value, list) else [value])):
        raise ValueError("%s must be %s of %s, not %r" % (key, "a list" if isinstance(value, list) else "one", list(allowed), value))
    return value


def known(key):
    return key in FAST or key in WINDOW_KEYS


def apply(config, values):
    """Apply ``values`` to ``config`` (a dict): ``pace`` first (its preset), then the settings, then window shorthands."""
    unknown = sorted(k for k in values if not known(k))
    if unknown:
        raise ValueError("unknown settings %s" % unknown)
    new = dict(config)
    if "pace" in values:
        new.update(PACES[coerce("pace", values["pace"])])
    for key, value in values.items():
        if key in FAST:
            new[key] = coerce(key, value)
    for key, bucket in WINDOW_KEYS.items():
        if key in values:
            window = max(float(values[key]), 0.001)
            capacity_key, rate_key = _BUCKET_KEYS[bucket]
            new[rate_key] = float(new[capacity_key]) / window
    config.clear()
    config.update(new)
    return config


class TokenBucket:
    """Capacity ``capacity`` tokens, refilled at ``rate`` tokens / second (ARM's per-subscription model)."""

    def __init__(self, capacity, rate):
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def reconfigure(self, capacity, rate):
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = min(self.tokens, self.capacity)

    def take(self):
        """Consume one token; returns (ok, remaining, seconds until a token is back)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True, int(self.tokens), 0
        wait = (1.0 - self.tokens) / self.rate if self.rate > 0 else 3600
        return False, 0, max(1, int(wait + 0.999))


def bucket_settings(config, bucket):
    capacity_key, rate_key = _BUCKET_KEYS[bucket]
    return config[capacity_key], config[rate_key]
