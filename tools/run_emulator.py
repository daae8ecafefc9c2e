"""`make emulator`: run the emulator in the foreground and say how to point playbooks at it."""
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE_DIR = os.path.join(ROOT, ".build", "emulator")


def main():
    os.makedirs(STATE_DIR, exist_ok=True)
    info_path = os.path.join(STATE_DIR, "endpoint.json")
    if os.path.exists(info_path):
        os.unlink(info_path)
    port = os.environ.get("EMULATOR_PORT", "8443")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "emulator"),  # pylint: disable=consider-using-with
                             "--state-dir", STATE_DIR, "--port", port] + sys.argv[1:])
    try:
        while not os.path.exists(info_path):
            if proc.poll() is not None:
                return proc.returncode
            time.sleep(0.1)
        time.sleep(0.1)
        with open(info_path, encoding="utf-8") as handle:
            info = json.load(handle)
        print("\nPoint any playbook at the emulator with:\n")
        print("export AZURE_CLOUD_ENVIRONMENT=%s" % info["endpoint"])
        print("export AZURE_SUBSCRIPTION_ID=%s" % info["subscription_id"])
        print("export AZURE_TENANT=%s" % info["tenant_id"])
        print("export AZURE_CLIENT_ID=%s" % info["client_id"])
        print("export AZURE_SECRET=%s" % info["client_secret"])
        print("export REQUESTS_CA_BUNDLE=%s" % info["ca_file"])
        print("export ANSIBLE_COLLECTIONS_PATH=%s" % os.path.join(ROOT, ".build", "collections"))
        print("\nAdmin API: %s/_emulator/ (journal, seed, faults, config, reset). Ctrl-C stops it.\n" % info["endpoint"])
        sys.stdout.flush()
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        return proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
