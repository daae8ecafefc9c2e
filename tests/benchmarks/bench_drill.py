"""Benchmark of issue 14: a restore drill of N VMs (default 50) with the role restore_drill.

    python tests/benchmarks/bench_drill.py [N]

One emulator (restore job L seconds, write budget 200 per 20 s = 10 writes/s), N protected VMs with a
recovery point each, one ansible-playbook of playbooks/restore_drill.yml (disks into restoreRG, concurrency N,
cleanup on). Prints the wall time against its lower bound max(L, writes / write rate) and the calls per VM
(from the emulator's journal). A measurement, not an assertion.
"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))  # the shared test support package ``support``
from support.emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error
from support.playbook import collections_path, playbook_env  # noqa: E402  pylint: disable=wrong-import-position,import-error

RESTORE_SECONDS = 5.0
WRITE_BUDGET, WRITE_WINDOW = 200, 20.0
SUB = "00000000-0000-0000-0000-000000000000"


def scenario(count):
    vms = [{"name": "drill%03d" % i, "resource_group": "drillSrcRG", "location": "westus"} for i in range(count)]
    return {
        "resource_groups": ["drillSrcRG"],
        "vms": vms,
        "protected_items": [{"vault": "testVault", "vault_resource_group": "testVaultRG", "vm": "drillSrcRG/" + vm["name"],
                             "policy": "DefaultPolicy", "state": "Protected", "recovery_points": 1} for vm in vms],
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as work:
        os.makedirs(os.path.join(work, "state"))
        emulator = Emulator(os.path.join(work, "state"))
        try:
            emulator.reset()
            emulator.config(restore_op_seconds=1, restore_job_seconds=RESTORE_SECONDS, compute_seconds=1, lro_seconds=1,
                            write_budget=WRITE_BUDGET, write_window_seconds=WRITE_WINDOW)
            emulator.seed(scenario(count))
            env = playbook_env(emulator, collections_path(work))
            drill_vars = {
                "restore_drill_vault_name": "testVault", "restore_drill_vault_resource_group": "testVaultRG",
                "restore_drill_name": "bench", "restore_drill_target_resource_group": "restoreRG",
                "restore_drill_staging_storage_account": "/subscriptions/%s/resourceGroups/restoreRG/providers/Microsoft.Storage/"
                                                         "storageAccounts/stagingwestus" % SUB,
                "restore_drill_concurrency": count, "restore_drill_show_table": False,
                "restore_drill_report_json": os.path.join(work, "drill.json"),
            }
            entries = emulator.journal()
            mark = entries[-1]["seq"] if entries else 0
            started = time.monotonic()
            import subprocess  # pylint: disable=import-outside-toplevel
            result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
                                     os.path.join(ROOT, "playbooks", "restore_drill.yml"), "-e", json.dumps(drill_vars)],
                                    env=env, cwd=ROOT, capture_output=True, text=True, check=False)
            wall = time.monotonic() - started
            arm = [e for e in emulator.journal(mark) if e["path"].lower().startswith("/subscriptions/")]
            with open(os.path.join(work, "drill.json"), encoding="utf-8") as handle:
                report = json.load(handle)
        finally:
            emulator.stop()
    writes = [e for e in arm if e["method"] != "GET"]
    throttled = [e for e in arm if e.get("status") == 429]
    bound = max(RESTORE_SECONDS, len(writes) / (WRITE_BUDGET / WRITE_WINDOW))
    print("restore drill of %d VMs: rc %d, %s; wall %.1f s against max(L=%.0f s, %d writes / %.0f per s = %.1f s) = %.1f s: %.2fx; "
          "per VM %.1f calls (%.1f reads, %.1f writes), %d answers 429; worst RTO %s s"
          % (count, result.returncode, report["summary"], wall, RESTORE_SECONDS, len(writes), WRITE_BUDGET / WRITE_WINDOW,
             len(writes) / (WRITE_BUDGET / WRITE_WINDOW), bound, wall / bound, len(arm) / count, (len(arm) - len(writes)) / count,
             len(writes) / count, len(throttled), report["max_rto_seconds"]))
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
