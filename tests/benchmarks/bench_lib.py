# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the benchmark (tests/benchmarks/run_bench.py): environment, timing, journal analysis."""

import datetime
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))  # the shared test support package ``support``

# A CA bundle in the environment overrides requests' Session.verify (the harness's admin
# session): the benchmark process must not carry one; the playbooks get the emulator's.
for _name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_name, None)

from support import playbook  # noqa: E402  pylint: disable=wrong-import-position,import-error
from support.emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error
from support.playbook import collections_path  # noqa: E402  pylint: disable=wrong-import-position,import-error

ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
CALLBACKS = os.path.join(HERE, "callback_plugins")
FQCN = "ansible_collections.azure_recovery.backup"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def read_json(path):
    """A JSON file a playbook wrote (a report), or {} when the run wrote none."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def fmt(value, digits=2, unit=""):
    if value is None:
        return "n/a"
    return ("%." + str(digits) + "f%s") % (value, unit)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def machine_info():
    version = subprocess.run([ANSIBLE_PLAYBOOK, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, check=False).stdout.splitlines()[0]
    try:
        cpu = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8") if line.startswith("model name")][0]
    except (OSError, IndexError):
        cpu = platform.processor() or "unknown"
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "ansible": version,
        "platform": platform.platform(),
        "load": load,
    }


class Workspace:
    """A temp directory with the collections path, a private token-cache directory and playbooks."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.collections = collections_path(root)
        self.playbooks = os.path.join(root, "playbooks")
        os.makedirs(self.playbooks, exist_ok=True)
        self._runtime = 0

    def new_runtime_dir(self):
        """A fresh 0700 XDG_RUNTIME_DIR: an empty token cache."""
        self._runtime += 1
        path = os.path.join(self.root, "runtime-%d" % self._runtime)
        os.makedirs(path, mode=0o700)
        os.chmod(path, 0o700)
        return path

    def write(self, name, text):
        path = os.path.join(self.playbooks, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def env(self, emulator, runtime_dir, timer_file=None, extra=None):
        env = playbook.playbook_env(
            emulator, self.collections, drop=("AZURE_", "ANSIBLE_"),
            ANSIBLE_LOCAL_TEMP=os.path.join(self.root, "ansible-local"),
            ANSIBLE_REMOTE_TMP=os.path.join(self.root, "ansible-remote"),
            ANSIBLE_ASYNC_DIR=os.path.join(self.root, "ansible-async"),
            XDG_RUNTIME_DIR=runtime_dir)
        if timer_file:
            env.update({"ANSIBLE_CALLBACK_PLUGINS": CALLBACKS, "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                        "BENCH_TIMER_FILE": timer_file})
        if extra:
            env.update(extra)
        return env


def run_playbook(env, playbook, extra_vars=None, args=(), timeout=3600, inventory="localhost,"):
    """Run ansible-playbook; returns (wall seconds, children CPU seconds, returncode, output).

    On timeout the playbook's process group is killed and returncode is -9 (output so far)."""
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, "-c", "local", playbook]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    cmd += list(args)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                            universal_newlines=True, start_new_session=True)
    try:
        output = proc.communicate(timeout=timeout)[0]
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output = proc.communicate()[0]
        code = -9
        output += "\n[bench] killed after %d s\n" % timeout
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code, output


def kill_strays(marker, spare=()):
    """Kill (by PID) leftover processes of ours whose command line names ``marker`` (the work
    directory): async jobs of a playbook that was killed detach from its process group."""
    killed = 0
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me or int(name) in spare:
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as handle:
                cmdline = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmdline:
            try:
                os.kill(int(name), signal.SIGTERM)
                killed += 1
            except OSError:
                pass
    return killed


def machine_cpu():
    """Busy CPU seconds of the whole machine so far (/proc/stat; includes everything running)."""
    with open("/proc/stat", encoding="utf-8") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / float(os.sysconf("SC_CLK_TCK"))


def process_cpu(pid):
    """CPU seconds used so far by one process (/proc/<pid>/stat utime + stime)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def recap(output):
    """{'ok': n, 'changed': n, 'failed': n, ...} summed over the PLAY RECAP lines."""
    totals = {}
    for line in output.splitlines():
        if " : ok=" in line:
            for key, value in re.findall(r"(\w+)=(\d+)", line):
                totals[key] = totals.get(key, 0) + int(value)
    return totals


def parse_time(text):
    # "2026-11-29T02:44:01.9784390Z" -> epoch seconds
    text = text.rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = head + "." + frac[:6]
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def classify(entry):
    """What a journal entry is: metadata, openid, token, arm-read, arm-write, other."""
    path = entry["path"].lower()
    if path.startswith("/metadata/endpoints"):
        return "metadata"
    if "/.well-known/openid-configuration" in path or path.startswith("/common/discovery"):
        return "openid"
    if "/oauth2/" in path and path.endswith("/token"):
        return "token"
    if path.startswith("/subscriptions/"):
        kind = entry.get("kind") or ("read" if entry["method"] in ("GET", "HEAD") else "write")   # older journals had no kind
        return "arm-write" if kind == "write" else "arm-read"   # the emulator's journal kind
    return "other"


def counts(entries):
    result = {"metadata": 0, "openid": 0, "token": 0, "arm-read": 0, "arm-write": 0, "other": 0, "429": 0}
    for entry in entries:
        result[classify(entry)] += 1
        if entry.get("status") == 429:
            result["429"] += 1
    return result


def short_path(entry):
    """A journal path without the subscription/vault prefix, with the query's api-version dropped."""
    path = re.sub(r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.RecoveryServices/vaults/([^/]+)", r"<vault \1>", entry["path"])
    path = re.sub(r"(?i)^/subscriptions/[^/]+", "<sub>", path)
    path = re.sub(r"(?i)/protectionContainers/[^/]+/protectedItems/[^/]+", "/…/protectedItems/<item>", path)
    path = re.sub(r"(?i)/(operationResults|operationsStatus|backupOperationResults)/[0-9a-f-]+", r"/\1/<op>", path)
    path = re.sub(r"^/[0-9a-f-]{36}/", "/<tenant>/", path)
    return path


def describe(entry):
    kind = classify(entry)
    path = entry["path"].lower()
    if kind == "arm-read" and ("operationsstatus" in path or "operationresults" in path):
        return "poll"
    return kind


def importtime(python, code, env=None):
    """Run ``python -X importtime -c code``; returns {module: (self_us, cumulative_us, depth)} in order."""
    proc = subprocess.run([python, "-X", "importtime", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("import failed: %s\n%s" % (code, proc.stderr[-2000:]))
    return parse_importtime(proc.stderr)


def parse_importtime(text):
    rows = {}
    for line in text.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            rows[match.group(4)] = (int(match.group(1)), int(match.group(2)), len(match.group(3)) // 2)
    return rows


def cumulative(rows, name):
    row = rows.get(name)
    return row[1] if row else 0


def own_self(rows, prefix=FQCN):
    """Sum of the self time of the collection's own modules (µs)."""
    return sum(row[0] for name, row in rows.items() if name.startswith(prefix))


def top_level_total(rows):
    """Sum of the cumulative times of top-level imports (depth 0) = everything the code imported."""
    return sum(row[1] for row in rows.values() if row[2] == 0)


def markdown_table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        out.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(out)


def goal_mark(met):
    if met is None:
        return "not measured"
    return "**met**" if met else "**not met**"


class RssSampler:
    """Samples the resident memory (VmRSS) of every process whose command line names ``marker`` (the work
    directory), except ``exclude`` (the emulator), every ``interval`` seconds, in a thread: ``peak`` (bytes)
    and ``peak_process`` (its command line, shortened)."""

    def __init__(self, marker, exclude=(), interval=0.5):
        import threading  # pylint: disable=import-outside-toplevel
        self.marker = marker
        self.exclude = set(exclude)
        self.interval = interval
        self.peak = 0
        self.peak_process = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            for name in os.listdir("/proc"):
                if not name.isdigit() or int(name) in self.exclude or int(name) == me:
                    continue
                try:
                    with open("/proc/%s/cmdline" % name, "rb") as handle:
                        cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
                    if self.marker not in cmdline:
                        continue
                    with open("/proc/%s/status" % name, encoding="utf-8") as handle:
                        rss = [int(line.split()[1]) * 1024 for line in handle if line.startswith("VmRSS:")]
                except (OSError, ValueError):
                    continue
                if rss and rss[0] > self.peak:
                    self.peak = rss[0]
                    self.peak_process = " ".join(os.path.basename(part) if part.startswith("/") else part
                                                 for part in cmdline.split()[:3])
            self._stop.wait(self.interval)


__all__ = ["Emulator", "playbook", "Workspace"]
