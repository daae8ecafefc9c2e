# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the Recovery Services backup emulator: ``python tests/emulator --port 0 --state-dir DIR``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from server import build_server  # noqa: E402  pylint: disable=wrong-import-position


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python tests/emulator",
                                     description="HTTPS emulator of the Azure Recovery Services backup API (IaaS VM subset).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument("--state-dir", default=None, help="directory for ca.pem and endpoint.json (default: a new temp dir)")
    parser.add_argument("--scenario", default=None, help="JSON scenario file (same shape as POST /_emulator/seed)")
    parser.add_argument("--pace", choices=("fast", "real"), default=os.environ.get("EMULATOR_PACE") or None,
                        help="fast (default: quick tests) or real (Retry-After 60, operations of 15-90 s, ARM's token buckets); "
                             "the options below override it; default from $EMULATOR_PACE")
    parser.add_argument("--seed", type=int, default=None, help="seed of the RNG that draws operation durations (real pace)")
    parser.add_argument("--lro-seconds", type=float, default=None, help="seconds a protect/stop/delete operation runs")
    parser.add_argument("--retry-after", type=int, default=None, help="Retry-After seconds on 202 answers (default 1)")
    parser.add_argument("--job-seconds", type=float, default=None, help="seconds a backup job runs (default 5)")
    parser.add_argument("--refresh-seconds", type=float, default=None, help="seconds a refreshContainers runs (default 3)")
    parser.add_argument("--write-budget", type=int, default=None, help="subscription writes per window (default 1200/hour)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="azure-backup-emulator-")
    scenario = None
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as handle:
            scenario = json.load(handle)
    config = {}
    for key in ("pace", "seed", "lro_seconds", "retry_after", "job_seconds", "refresh_seconds", "write_budget"):
        value = getattr(args, key)
        if value is not None:
            config[key] = value
    server, info = build_server(args.host, args.port, state_dir, scenario, config, args.verbose)
    print("emulator ready %s" % info["endpoint"], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
