"""Print an onboarding summary, an audit or a rule-mode posture report (the role's JSON report) as a table.

    python demo/print_summary.py REPORT.json [REPORT.json ...]

Colours when the output is a terminal (NO_COLOR turns them off).
"""
import json
import os
import sys

COLOURS = {"protected": "32", "ok": "32", "changed": "36", "unchanged": "2", "failed": "31;1", "attention": "33"}


def _colour(text, outcome, enabled):
    code = COLOURS.get(outcome)
    return "\033[%sm%s\033[0m" % (code, text) if enabled and code else text


def _when(value):
    return (value or "")[:16].replace("T", " ") or "-"


def rows_of(report):
    """(title, headline lines, header, rows, row outcomes, coloured columns) of a report."""
    check = report.get("check_mode")
    if report.get("kind") == "fleet":   # rule mode: the fleet_report filter built the table
        table = report["table"]
        header, rows = list(table["header"]), [list(row) for row in table["rows"]]
        column = header.index("Subscription")
        if len({row[column] for row in rows}) <= 1:   # one subscription: its headline lines name it
            del header[column]
            for row in rows:
                del row[column]
        return table["title"], table["lines"], header, rows, table["classes"], (header.index("Outcome"),)
    if report.get("kind") == "onboarding":
        counts = report["counts"]
        would = "would be " if check else ""
        lines = ["%d VMs: %d %sprotected, %d %schanged, %d unchanged, %d failed"
                 % (counts["total"], counts["protected"], would, counts["changed"], would, counts["unchanged"], counts["failed"])]
        for vault in report["vaults"]:
            if vault["error"]:
                what = "could not be read: " + vault["error"]
            elif vault["refresh_failed"]:
                what = "refresh failed: " + vault["refresh_msg"]
            elif vault["unknown_vms"]:
                verb = ("refreshed once to discover" if vault["refreshed"] else "would refresh to discover" if check
                        else "no refresh needed after all (already discovered) for")
                what = "%s %s" % (verb, ", ".join(vault["unknown_vms"]))
            else:
                what = "knew every VM: no refresh"
            lines.append("vault %s/%s: %s" % (vault["resource_group"], vault["vault"], what))
        header = ["VM", "Outcome", "Action", "Policy", "State", "First backup", "Notes"]
        rows, outcomes = [], []
        for vm in report["vms"]:
            outcome = vm["outcome"]
            if check and outcome in ("protected", "changed"):
                outcome = "would be " + outcome
            notes = vm["reason"] if vm["outcome"] == "failed" else "; ".join(f["detail"] for f in vm["findings"])
            rows.append([vm["label"], outcome, vm["action"], vm["current_policy"] or "-", vm["protection_state"] or "-",
                         vm["backup"] or "-", notes or "-"])
            outcomes.append(vm["outcome"])
        title = "Onboarding (check mode: nothing written)" if check else "Onboarding"
        return title, lines, header, rows, outcomes, (1, 2)
    lines = ["%(total)d VMs, each counted once (under the vault that protects it): %(ok)d ok, %(attention)d need attention" % report["counts"],
             "findings: " + (", ".join("%s %d" % item for item in report["finding_counts"].items() if item[1]) or "none")]
    header = ["VM", "Vault", "Status", "Policy", "State", "Last backup", "Findings"]
    rows, outcomes = [], []
    for vm in report["vms"]:
        status = "attention" if vm["findings"] else "ok"
        others = ["%s: %s" % (seen["vault"], seen["state"].replace("_", " ")) for seen in vm.get("seen_by", []) if seen["vault"] != vm["vault"]]
        vault = vm["vault"] + (" (also %s)" % ", ".join(others) if others else "")
        rows.append([vm["label"], vault, status, vm["current_policy"] or "-", vm["protection_state"] or "-",
                     _when(vm["last_backup_time"]), "; ".join(f["detail"] for f in vm["findings"]) or "-"])
        outcomes.append(status)
    return "Audit (read-only, check mode)", lines, header, rows, outcomes, (2,)


def render(report, colour=False):
    title, lines, header, rows, outcomes, coloured = rows_of(report)
    widths = [max([len(header[i])] + [len(str(row[i])) for row in rows]) for i in range(len(header))]
    widths[-1] = min(widths[-1], 70)

    def line(cells, outcome=None):
        parts = []
        for i, cell in enumerate(cells):
            text = str(cell)
            if i == len(cells) - 1 and len(text) > widths[i]:
                text = text[:widths[i] - 1] + "…"
            text = text.ljust(widths[i])
            parts.append(_colour(text, outcome, colour) if i in coloured and outcome else text)
        return "│ " + " │ ".join(parts) + " │"

    def rule(left, mid, right):
        return left + mid.join("─" * (w + 2) for w in widths) + right

    out = [title + "  (" + report.get("generated_at", "") + ")"] + ["  " + text for text in lines]
    out += [rule("┌", "┬", "┐"), line(header), rule("├", "┼", "┤")]
    out += [line(row, outcome) for row, outcome in zip(rows, outcomes)]
    out.append(rule("└", "┴", "┘"))
    return "\n".join(out)


def main(paths):
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            print(render(json.load(handle), colour))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
