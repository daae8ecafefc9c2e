"""`make demo`: from an empty resource group to protected VMs (a vault and its policies, then
onboarding), twice, then audit.

1. starts the emulator (tests/emulator, short operations: LRO 2 s, Retry-After 1 s), seeds a few
   backup items with problems for the audit to find, and an empty resource group demoRG;
2. runs `ansible-playbook azure_recovery.backup.baseline -e @demo/baseline-vars.yml` (the vault demoVault
   and its policies from one definition, then the role vm_onboarding into it) with the environment an
   AWX Azure credential gives (AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT,
   AZURE_CLOUD_ENVIRONMENT) plus trust of the emulator's CA (REQUESTS_CA_BUNDLE);
3. runs it again and checks that the second run changed nothing and sent no write;
4. runs `ansible-playbook azure_recovery.backup.audit -e @demo/audit-vars.yml` (check mode; VM findings and
   the vaults' own findings);
5. runs `ansible-playbook azure_recovery.backup.restore_drill -e @demo/drill-vars.yml`: a one-VM restore
   drill (testVM's newest point restored as disks, verified, RPO/RTO measured, the drill's disks deleted);
6. prints the summaries as tables and stops the emulator, also on failure or Ctrl-C.

Reports (JSON, Markdown, HTML) and the ansible-playbook logs stay in .build/demo/.
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
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from print_summary import render  # noqa: E402  pylint: disable=wrong-import-position
from emulator_harness import Emulator, collections_path as link_collection, playbook_env  # noqa: E402  pylint: disable=wrong-import-position,import-error

BIN = os.path.dirname(sys.executable)
OUT = os.path.join(ROOT, ".build", "demo")
EMULATOR_ARGS = ["--lro-seconds", "2", "--retry-after", "1", "--refresh-seconds", "2", "--job-seconds", "3"]
BASELINE_VAULT = "/providers/microsoft.recoveryservices/vaults/demovault"
COLOUR = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def say(text, style="1"):
    print("\033[%sm%s\033[0m" % (style, text) if COLOUR else text, flush=True)


def last_seq(emulator):
    """The journal's newest sequence number: what came after it is what a run did."""
    entries = emulator.journal()
    return entries[-1]["seq"] if entries else 0


def audit_seed():
    """Backup items with the problems an audit should find, with times relative to now."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def ago(**delta):
        return (now - datetime.timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def item(vault, group, vm, policy, state, last):
        return {"vault": vault, "vault_resource_group": group, "vm": vm, "policy": policy, "state": state,
                "recovery_points": 3, "last_backup_time": last}

    legacy = ["legacyRG/legacyDB", "legacyRG/oldApp", "legacyRG/reportVM", "legacyRG/batchVM"]
    web = ["webRG/webVM", "webRG/idleVM"]
    return {
        "resource_groups": ["legacyRG", "webRG", "demoRG"],
        "vms": [{"name": vm.partition("/")[2], "resource_group": vm.partition("/")[0], "location": "westus"} for vm in legacy + web],
        "vaults": [{"name": "testVault", "resource_group": "testVaultRG", "discovered": legacy},
                   {"name": "otherVault", "resource_group": "otherVaultRG", "discovered": web}],
        "protected_items": [
            item("testVault", "testVaultRG", "legacyRG/legacyDB", "DefaultPolicy", "ProtectionStopped", ago(days=20)),
            item("testVault", "testVaultRG", "legacyRG/oldApp", "DefaultPolicy", "SoftDeleted", ago(days=9)),
            item("testVault", "testVaultRG", "legacyRG/reportVM", "EnhancedPolicy", "Protected", ago(hours=75)),
            item("testVault", "testVaultRG", "legacyRG/batchVM", "DefaultPolicy", "Protected", ago(hours=5)),
            item("otherVault", "otherVaultRG", "webRG/webVM", "DefaultPolicy", "Protected", ago(hours=10)),
        ],
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


def writes(entries):
    return [e for e in entries if e["kind"] == "write"]   # the emulator marks each entry read / write / poll


def reports(stem):
    return ["-e", "vm_onboarding_report_json=%s/%s.json" % (OUT, stem), "-e", "vm_onboarding_report_markdown=%s/%s.md" % (OUT, stem),
            "-e", "vm_onboarding_report_html=%s/%s.html" % (OUT, stem)]


def drill_step(emulator, env):
    """A one-VM restore drill of testVM (backed up by run 1): restored, verified, measured, cleaned up."""
    say("\n-- restore drill of testVM: newest recovery point restored as disks into restoreRG, verified, cleaned up")
    emulator.config(restore_op_seconds=0.5, restore_job_seconds=2, compute_seconds=0.5)
    mark = last_seq(emulator)
    playbook(env, "restore_drill", "drill", "-e", "@demo/drill-vars.yml", "-e", "restore_drill_report_json=%s/drill.json" % OUT,
             "-e", "restore_drill_report_markdown=%s/drill.md" % OUT, "-e", "restore_drill_report_html=%s/drill.html" % OUT)
    drill = load(os.path.join(OUT, "drill.json"))
    entries = emulator.journal(mark)
    deletes = [e for e in entries if e["method"] == "DELETE"]
    [row] = drill["vms"]
    assert drill["passed"] and row["verified"], drill["summary"]
    assert sorted(drill["cleanup"]["deleted"]) == sorted(drill["created"]) and len(deletes) == len(drill["created"]), drill["cleanup"]
    say("  OK: drill %s: %s restored and verified; RPO %d s, RTO %.0f s (job %.0f s); %d drill disk(s) deleted, none left"
        % (drill["drill"], row["vm"], row["rpo_seconds"], row["rto_seconds"], row["rto_job_seconds"], len(deletes)), "32;1")


def demo(state_dir):
    say("== azure_recovery.backup demo: from an empty resource group to VMs under Azure Backup, against the local emulator")
    emulator = Emulator(state_dir, EMULATOR_ARGS)
    try:
        say("-- emulator ready at %s (LRO 2 s, Retry-After 1 s)" % emulator.endpoint)
        emulator.seed(audit_seed())
        emulator.config(vault_lro_seconds=2)
        say("-- seeded old backup items for the audit (stopped, soft-deleted, on another policy, stale) and an empty resource group demoRG")
        env = job_environment(emulator, collections_path())
        started = time.monotonic()

        say("\n-- run 1: vault demoVault and its policies in the empty resource group demoRG, then 5 VMs onboarded into it")
        mark = last_seq(emulator)
        playbook(env, "baseline", "onboard-1", "-e", "@demo/baseline-vars.yml", *reports("onboard-1"))
        first = load(os.path.join(OUT, "onboard-1.json"))
        entries = emulator.journal(mark)
        refreshes = [e for e in entries if e["path"].lower().endswith("/refreshcontainers")]
        print(render(first, COLOUR))
        vault_writes = [e for e in writes(entries) if e["path"].lower().endswith(BASELINE_VAULT) or "/backupconfig/" in e["path"].lower()]
        policy_writes = [e for e in writes(entries) if "/backuppolicies/" in e["path"].lower()]
        say("  Azure calls: %d writes (%d for the vault, %d policies, %d refresh of the vault, %d protections, %d backups), %d reads"
            % (len(writes(entries)), len(vault_writes), len(policy_writes), len(refreshes),
               len([e for e in entries if e["method"] == "PUT" and "/protecteditems/" in e["path"].lower()]),
               len([e for e in entries if e["path"].lower().endswith("/backup")]), len(entries) - len(writes(entries))))
        assert len(vault_writes) == 2 and len(policy_writes) == 2, (vault_writes, policy_writes)
        assert first["counts"]["protected"] == 5 and first["counts"]["failed"] == 0, first["counts"]
        assert len(refreshes) == 1, "expected one refresh of the vault, got %d" % len(refreshes)

        say("\n-- run 2: the same playbook again")
        mark = last_seq(emulator)
        playbook(env, "baseline", "onboard-2", "-e", "@demo/baseline-vars.yml", *reports("onboard-2"))
        second = load(os.path.join(OUT, "onboard-2.json"))
        entries = emulator.journal(mark)
        print(render(second, COLOUR))
        counts = second["counts"]
        assert counts["protected"] == 0 and counts["changed"] == 0 and counts["failed"] == 0, counts
        assert not second["changed"] and not writes(entries), writes(entries)
        say("  OK: the second run changed nothing (vault, policies, VMs): %d VMs unchanged, 0 writes, %d reads (no per-VM call)"
            % (counts["unchanged"], len([e for e in entries if e["path"].lower().startswith("/subscriptions/")])), "32;1")

        say("\n-- audit of demoVault, testVault and otherVault (check mode, read-only)")
        mark = last_seq(emulator)
        playbook(env, "audit", "audit", "-e", "@demo/audit-vars.yml", *reports("audit"))
        audit = load(os.path.join(OUT, "audit.json"))
        print(render(audit, COLOUR))
        assert not writes(emulator.journal(mark)), "the audit wrote"
        for vault, found in sorted((audit.get("vault_findings") or {}).items()):
            say("  vault %s: %s" % (vault, ", ".join(f["code"] for f in found) or "no findings"))
        assert "demoRG/demoVault" in (audit.get("vault_findings") or {}), "no vault findings in the audit"
        say("  OK: the audit sent no write")

        drill_step(emulator, env)

        say("\n== demo done in %.0f s. Reports: %s/{onboard-1,onboard-2,audit,drill}.{md,html,json}"
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
