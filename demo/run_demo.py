"""`make demo`: from an empty resource group to protected VMs (a vault and its policies, then
onboarding), twice, then a check-mode audit and a one-VM restore drill, in about a minute.

1. starts the emulator (tests/emulator, short operations: 1 s or less, Retry-After 1 s), seeds a few
   backup items with problems for the audit to find, and an empty resource group demoRG;
2. runs `ansible-playbook azure_recovery.backup.baseline -e @demo/baseline-vars.yml` (the vault demoVault
   and its policies from one definition, then the role vm_onboarding into it) with the environment an
   AWX Azure credential gives (AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT,
   AZURE_CLOUD_ENVIRONMENT) plus trust of the emulator's CA (REQUESTS_CA_BUNDLE);
3. runs it again and checks from the emulator's journal that the second run changed nothing and sent no
   write and no per-VM call;
4. runs `ansible-playbook azure_recovery.backup.audit -e @demo/audit-vars.yml`: the posture report of rule
   mode, in check mode (every VM of the subscription one row, counted once, with its findings; the vaults'
   own findings), and checks that it sent no write;
5. runs `ansible-playbook azure_recovery.backup.restore_drill -e @demo/drill-vars.yml`: a one-VM restore
   drill (testVM's newest point in demoVault restored as disks into a resource group the drill creates,
   verified, RPO/RTO measured, the drill's disks deleted, then its group);
6. prints the summaries as tables (figures from the reports and the journal) and stops the emulator, also
   on failure or Ctrl-C.

Reports (JSON, Markdown, HTML; JSON only for the second run) and the ansible-playbook logs stay in .build/demo/.
"""
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))  # the shared test support package ``support``
from print_summary import render  # noqa: E402  pylint: disable=wrong-import-position
from support.emulator import Emulator, writes  # noqa: E402  pylint: disable=wrong-import-position,import-error
from support.playbook import collections_path as link_collection, playbook_env  # noqa: E402  pylint: disable=wrong-import-position,import-error

BIN = os.path.dirname(sys.executable)
OUT = os.path.join(ROOT, ".build", "demo")
# The emulator's pace: each operation (vault, protection, refresh, backup trigger, restore, delete) takes at most as long
# as the client's shortest pause between polls (1 s), so every wait ends at its first poll; a backup job takes 3 s and
# is done long before the drill restores its point, a restore job 1 s.
EMULATOR_ARGS = ["--lro-seconds", "1", "--retry-after", "1", "--refresh-seconds", "1", "--job-seconds", "3"]
PACE = {"vault_lro_seconds": 1, "backup_op_seconds": 1, "restore_op_seconds": 0.5, "restore_job_seconds": 1, "compute_seconds": 0.5}
BASELINE_VAULT = "/providers/microsoft.recoveryservices/vaults/demovault"
COLOUR = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def say(text, style="1"):
    print("\033[%sm%s\033[0m" % (style, text) if COLOUR else text, flush=True)


def audit_seed():
    """Backup items with the problems an audit should find, with times relative to now."""
    now = datetime.datetime.now(datetime.timezone.utc)

    items, points = [], []

    def item(vault, group, vm, policy, state, **last):
        # three daily recovery points, the newest made by the last backup (it sets the item's last backup time)
        newest = now - datetime.timedelta(**last)
        items.append({"vault": vault, "vault_resource_group": group, "vm": vm, "policy": policy, "state": state, "recovery_points": 0})
        points.extend({"vault": vault, "vault_resource_group": group, "vm": vm,
                       "time": (newest - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")} for days in (2, 1, 0))

    item("testVault", "testVaultRG", "legacyRG/legacyDB", "DefaultPolicy", "ProtectionStopped", days=20)
    item("testVault", "testVaultRG", "legacyRG/oldApp", "DefaultPolicy", "SoftDeleted", days=9)
    item("testVault", "testVaultRG", "legacyRG/reportVM", "EnhancedPolicy", "Protected", hours=75)
    item("testVault", "testVaultRG", "legacyRG/batchVM", "DefaultPolicy", "Protected", hours=5)
    item("otherVault", "otherVaultRG", "webRG/webVM", "DefaultPolicy", "Protected", hours=10)
    legacy = ["legacyRG/legacyDB", "legacyRG/oldApp", "legacyRG/reportVM", "legacyRG/batchVM"]
    web = ["webRG/webVM", "webRG/idleVM"]
    return {
        "resource_groups": ["legacyRG", "webRG", "demoRG"],
        "vms": [{"name": vm.partition("/")[2], "resource_group": vm.partition("/")[0], "location": "westus"} for vm in legacy + web],
        "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "discovered": legacy},
                   {"name": "otherVault", "resource_group": "otherVaultRG", "discovered": web}],
        "protected_items": items,
        "recovery_points": points,
    }


def job_environment(emulator, collections):
    """The user's environment with AWX-credential-style AZURE_* variables and the emulator's CA."""
    return playbook_env(emulator, collections, drop=("AZURE_", "CURL_CA_BUNDLE"), PATH=BIN + os.pathsep + os.environ.get("PATH", ""))


def collections_path():
    """ANSIBLE_COLLECTIONS_PATH as make sets it, or a temporary link to this checkout."""
    path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if path and os.path.exists(os.path.join(path.split(os.pathsep)[0], "ansible_collections", "azure_recovery", "backup")):
        return path
    return link_collection(OUT)


def playbook(env, name, log_name, *args):
    """Run ansible-playbook azure_recovery.backup.<name>; its output goes to a log file."""
    log_path = os.path.join(OUT, log_name + ".log")
    command = ["ansible-playbook", "azure_recovery.backup." + name] + list(args)
    say("$ " + " ".join(command), "2")
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        result = subprocess.run([os.path.join(BIN, "ansible-playbook"), "azure_recovery.backup." + name] + list(args),
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    took = time.monotonic() - started
    with open(log_path, encoding="utf-8") as log:
        recap = [line.rstrip() for line in log if " : ok=" in line]
    say("  %s in %.0f s; %s (log: %s)" % ("done" if result.returncode == 0 else "FAILED (rc %d)" % result.returncode,
                                          took, "; ".join(" ".join(r.split()) for r in recap), os.path.relpath(log_path, ROOT)),
        "0" if result.returncode == 0 else "31;1")
    if result.returncode != 0:
        with open(log_path, encoding="utf-8") as log:
            print(log.read()[-6000:])
        raise SystemExit("demo failed: ansible-playbook azure_recovery.backup.%s" % name)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def count(entries, kind):
    return len([e for e in entries if e["kind"] == kind])


def reports(stem):
    return ["-e", "vm_onboarding_report_json=%s/%s.json" % (OUT, stem), "-e", "vm_onboarding_report_markdown=%s/%s.md" % (OUT, stem),
            "-e", "vm_onboarding_report_html=%s/%s.html" % (OUT, stem)]


def drill_step(emulator, env):
    """A one-VM restore drill of testVM (backed up by run 1): restored into the drill's own group, verified, measured,
    cleaned up, group included."""
    say("\n-- restore drill of testVM: newest recovery point restored as disks into a resource group the drill creates, verified,"
        " cleaned up")
    mark = emulator.last_seq()
    playbook(env, "restore_drill", "drill", "-e", "@demo/drill-vars.yml", "-e", "restore_drill_report_json=%s/drill.json" % OUT,
             "-e", "restore_drill_report_markdown=%s/drill.md" % OUT, "-e", "restore_drill_report_html=%s/drill.html" % OUT)
    drill = load(os.path.join(OUT, "drill.json"))
    entries = emulator.journal(mark)
    deletes = [e for e in entries if e["method"] == "DELETE"]
    group = drill["resource_group"]
    group_path = "/resourceGroups/%s" % group["name"]
    group_deletes = [e for e in deletes if e["path"].lower().endswith(group_path.lower())]
    [row] = drill["vms"]
    assert drill["passed"] and row["verified"], drill["summary"]
    assert sorted(drill["cleanup"]["deleted"]) == sorted(drill["created"]) and len(deletes) == len(drill["created"]) + 1, drill["cleanup"]
    assert group["status"] == "created" and group["cleanup"] == "deleted" and len(group_deletes) == 1, group
    gone = emulator.session().get(emulator.endpoint + "/subscriptions/%s%s" % (emulator.subscription_id, group_path),
                                  params={"api-version": "2021-04-01"})
    assert gone.status_code == 404, gone.text
    say("  OK: drill %s: %s restored into the drill's own group %s and verified; RPO %d s, RTO %.0f s (job %.0f s); %d drill disk(s)"
        " deleted, then the group: none left" % (drill["drill"], row["vm"], group["name"], row["rpo_seconds"], row["rto_seconds"],
                                                 row["rto_job_seconds"], len(deletes) - 1), "32;1")


def demo(state_dir):
    say("== azure_recovery.backup demo: from an empty resource group to VMs under Azure Backup, against the local emulator")
    started = time.monotonic()
    emulator = Emulator(state_dir, EMULATOR_ARGS)
    try:
        say("-- emulator ready at %s (operations 1 s or less, Retry-After 1 s)" % emulator.endpoint)
        seeded = emulator.seed(audit_seed())
        compute_vms = len([vm for vm in seeded["vms"] if not vm["classic"]])   # a classic VM is not in the Compute API's list
        emulator.config(**PACE)
        say("-- seeded old backup items for the audit (stopped, soft-deleted, on another policy, stale) and an empty resource group demoRG")
        env = job_environment(emulator, collections_path())

        say("\n-- run 1: vault demoVault and its policies in the empty resource group demoRG, then 5 VMs onboarded into it")
        mark = emulator.last_seq()
        playbook(env, "baseline", "onboard-1", "-e", "@demo/baseline-vars.yml", *reports("onboard-1"))
        first = load(os.path.join(OUT, "onboard-1.json"))
        entries = emulator.journal(mark)
        refreshes = [e for e in entries if e["path"].lower().endswith("/refreshcontainers")]
        print(render(first, COLOUR))
        vault_writes = [e for e in writes(entries) if e["path"].lower().endswith(BASELINE_VAULT) or "/backupconfig/" in e["path"].lower()]
        policy_writes = [e for e in writes(entries) if "/backuppolicies/" in e["path"].lower()]
        say("  Azure calls: %d writes (%d for the vault, %d policies, %d refresh of the vault, %d protections, %d backups), %d reads, %d polls"
            % (len(writes(entries)), len(vault_writes), len(policy_writes), len(refreshes),
               len([e for e in entries if e["method"] == "PUT" and "/protecteditems/" in e["path"].lower()]),
               len([e for e in entries if e["path"].lower().endswith("/backup")]), count(entries, "read"), count(entries, "poll")))
        assert len(vault_writes) == 2 and len(policy_writes) == 2, (vault_writes, policy_writes)
        assert first["counts"]["protected"] == 5 and first["counts"]["failed"] == 0, first["counts"]
        assert len(refreshes) == 1, "expected one refresh of the vault, got %d" % len(refreshes)

        say("\n-- run 2: the same playbook again")
        mark = emulator.last_seq()
        # JSON only: the checks below read it (Markdown and HTML of an unchanged run cost about 3 s here and show nothing new)
        playbook(env, "baseline", "onboard-2", "-e", "@demo/baseline-vars.yml", "-e", "vm_onboarding_report_json=%s/onboard-2.json" % OUT)
        second = load(os.path.join(OUT, "onboard-2.json"))
        entries = emulator.journal(mark)
        print(render(second, COLOUR))
        counts = second["counts"]
        assert counts["protected"] == 0 and counts["changed"] == 0 and counts["failed"] == 0, counts
        assert not second["changed"] and not writes(entries), writes(entries)
        per_vm = [e for e in entries if "/protecteditems/" in e["path"].lower()]
        assert not per_vm, per_vm
        say("  OK: the second run changed nothing (vault, policies, VMs): %d VMs unchanged, 0 writes, %d reads, no per-VM call"
            % (counts["unchanged"], count(entries, "read")), "32;1")

        say("\n-- audit (check mode, read-only): the posture report of rule mode; rules: testRG and appRG belong in demoVault,"
            " legacyRG in testVault, webRG in otherVault")
        mark = emulator.last_seq()
        playbook(env, "audit", "audit", "-e", "@demo/audit-vars.yml", *reports("audit"))
        audit = load(os.path.join(OUT, "audit.json"))
        entries = emulator.journal(mark)
        print(render(audit, COLOUR))
        assert not writes(entries), "the audit wrote"
        rows = [row["vm_id"].lower() for row in audit["rows"]]
        assert len(rows) == len(set(rows)) == audit["counts"]["vms"] == compute_vms, (compute_vms, audit["counts"], sorted(rows))
        # reportVM is on the enhanced EnhancedPolicy and its rule wants the standard DefaultPolicy, which Azure refuses: a finding,
        # not a change the run would make
        [report_vm] = [row for row in audit["rows"] if row["label"] == "legacyRG/reportVM"]
        assert report_vm["action"] == "none" and "policy_change_refused" in report_vm["findings"], report_vm
        say("  OK: %d VMs (every Compute VM of the subscription), each one row and counted once; %d reads, no write"
            % (len(rows), count(entries, "read")), "32;1")

        drill_step(emulator, env)

        say("\n== demo done in %.0f s. Reports: %s/{onboard-1,audit,drill}.{md,html,json} and onboard-2.json"
            % (time.monotonic() - started, os.path.relpath(OUT, ROOT)), "1")
    finally:
        emulator.stop()
        say("-- emulator stopped", "2")


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main():
    os.makedirs(OUT, exist_ok=True)
    # a TERM (make interrupted, CI cancelled) ends the demo like Ctrl-C: the emulator is stopped
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="azure-backup-demo-") as state_dir:
            demo(state_dir)
    except KeyboardInterrupt:
        say("interrupted", "31;1")
        return 130
    except AssertionError as exc:
        say("demo check failed: %s" % exc, "31;1")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
