#!/usr/bin/env python3
"""bench/summary.py: the benchmark figures in one place.

Reads DIR/run.json (the whole run, as bench_report writes it: every benchmark's JSON under
"results") and writes DIR/SUMMARY.md: the run's date, the machine's limits, every headline
figure and ratio, and a short headline table between the markers

    <!-- summary-table:begin -->
    <!-- summary-table:end -->

With --readme FILE it also replaces FILE's block between the same markers with that table,
so that no figure in the README is typed by hand. With --check it writes nothing and exits 1
when SUMMARY.md (and FILE, with --readme) differ from what it would write.

    python3 bench/summary.py [--readme README.md] [--check] [DIR]

DIR defaults to bench/results beside this script. Standard library only.
"""

import argparse
import json
import os
import statistics
import sys

BEGIN = "<!-- summary-table:begin -->"
END = "<!-- summary-table:end -->"

# Shorter names for the headline table, by the peers benchmark's short_name.
HEADLINE_NAMES = {
    "txgraph DIFF kLog": "txgraph DIFF, `kLog`",
    "SQLite FULL": "SQLite WAL, `synchronous=FULL`, trigger",
    "RocksDB sync": "RocksDB, WAL synced",
    "txgraph DIFF kAsync": "txgraph DIFF, `kAsync`",
    "SQLite NORMAL": "SQLite WAL, `synchronous=NORMAL`, trigger",
    "RocksDB no sync": "RocksDB, WAL not synced",
}


def num(value, digits=0):
    """A figure with its thousands separated by spaces: 1 043 831, 0.51."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ")


def short(value):
    """A target's value or limit: whole above 1 000, two decimals below."""
    return num(value) if abs(value) >= 1000 else f"{value:.2f}".rstrip("0").rstrip(".")


def figure(name):
    """A name that starts with a selector's JSON, with the JSON as code."""
    if name.startswith("{"):
        end = name.rfind("}") + 1
        return f"`{name[:end]}`{name[end:]}"
    return name


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "–"


def mib(value):
    return f"{value / (1 << 20):.1f} MiB"


# ---------------------------------------------------------------------------------------------
# The peers benchmark: medians over rounds, as bench/peers/report.cc computes them.

class System:
    def __init__(self, row):
        self.system = row["system"]
        self.short_name = row.get("short_name", self.system)
        self.durable = row.get("durable", True)
        self.by_writers = {}

    def at(self, writers, field):
        rows = self.by_writers.get(writers, [])
        values = [r[field] for r in rows if field in r]
        return statistics.median(values) if values else 0

    def rate(self, writers):
        return self.at(writers, "commits_per_s")

    def per_sync(self):
        syncs = self.at(4, "log_syncs")
        return self.at(4, "transactions") / syncs if self.durable and syncs > 0 else 0


def peer_systems(peers):
    systems = []
    for row in peers.get("commits", []):
        found = next((s for s in systems if s.system == row["system"]), None)
        if found is None:
            found = System(row)
            systems.append(found)
        found.by_writers.setdefault(row["writers"], []).append(row)
    return systems


def first_txgraph(systems, durable):
    return next((s for s in systems if s.durable == durable and s.system.startswith("txgraph")), None)


def headline_systems(systems):
    """txgraph's DIFF row and each peer's plain row, for each durability."""
    rows = []
    for durable in (True, False):
        us = first_txgraph(systems, durable)
        if us is None:
            continue
        rows.append((us, us))
        for s in systems:
            if s.durable == durable and not s.system.startswith("txgraph") and "mutex" not in s.system:
                rows.append((s, us))
    return rows


def follow_of(peers, system):
    return next((f for f in peers.get("follow", []) if f["system"] == system), None)


# ---------------------------------------------------------------------------------------------
# The headline table (what the README shows).

def headline(run):
    results = run.get("results", {})
    peers = results.get("peers_bench")
    if not peers:
        return ["No peers benchmark in this run (it needs SQLite and RocksDB): no headline table."]
    machine = peers.get("machine", {})
    plan = peers.get("plan", {})
    systems = peer_systems(peers)
    imports = peers.get("import", [])
    txgraph_import = next((i for i in imports if i["system"] == "txgraph"), None)
    uncaptured = {i["system"].split(",")[0].split(" ")[0]: i for i in imports
                  if not i.get("captured") and i["system"] != "txgraph"}
    poll_ms = plan.get("follow", {}).get("poll_us", 0) / 1000
    lines = [
        f"Run of {peers.get('time_utc', run.get('time_utc', '?'))[:10]}{' (quick sizes)' if run.get('quick') else ''}: "
        f"the same change-capturing workload on each system, medians of {plan.get('rounds', '?')} rounds; "
        f"fdatasync {num(machine.get('fdatasync_per_s'))}/s from one thread, "
        f"{num(machine.get('fdatasync_4_threads_per_s'))}/s from four. "
        "*txgraph / it* above 1: txgraph does better. txgraph's reader builds complete events, "
        "the peers' readers only hand over bytes; txgraph's consumer is woken by the commit, "
        f"the peers' poll every {poll_ms:g} ms. Import: {num(plan.get('import_rows'))} CSV rows, "
        "durable, without change capture (SQLite without its trigger, RocksDB by SST ingestion).",
        "",
        "| system | commits/s, 1 writer | 4 writers | txgraph / it, 1 / 4 | change log B/tx "
        "| changes read/s | commit → consumer p50 / p99 µs | import rows/s (txgraph / it) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s, us in headline_systems(systems):
        self = s is us
        follow = follow_of(peers, s.system)
        latency = f"{num(follow['p50_us'])} / {num(follow['p99_us'])}" if follow else "–"
        imported = "–"
        if s.durable:
            if self and txgraph_import:
                imported = num(txgraph_import["rows_per_s"])
            elif not self:
                peer_import = uncaptured.get(s.system.split(",")[0].split(" ")[0])
                if peer_import and txgraph_import:
                    imported = (f"{num(peer_import['rows_per_s'])} "
                                f"({ratio(txgraph_import['rows_per_s'], peer_import['rows_per_s'])})")
        reads = s.at(1, "changes_read_per_s")
        lines.append(
            f"| {HEADLINE_NAMES.get(s.short_name, s.short_name)} | {num(s.rate(1))} | {num(s.rate(4))} | "
            f"{'' if self else ratio(us.rate(1), s.rate(1)) + ' / ' + ratio(us.rate(4), s.rate(4))} | "
            f"{num(s.at(1, 'log_bytes_per_tx'))} | {num(reads) if reads else '–'} | {latency} | {imported} |")
    return lines


# ---------------------------------------------------------------------------------------------
# SUMMARY.md, section by section. Each takes one benchmark's results and returns lines.

def machine_section(results):
    peers = results.get("peers_bench", {})
    commit = results.get("commit_bench", {})
    m = peers.get("machine", {})
    rows = []
    if m:
        by_round = " / ".join(num(r) for r in m.get("fdatasync_per_s_by_round", []))
        rows += [
            f"| fdatasync of a 150-byte append, one thread (`peers_bench`) | {num(m.get('fdatasync_per_s'))}/s"
            + (f" (at the start of each round: {by_round}/s)" if by_round else "") + " |",
            f"| the same, four threads on a file each | {num(m.get('fdatasync_4_threads_per_s'))}/s |",
            f"| sequential write | {num(m.get('write_mb_per_s'))} MB/s |",
            f"| zstd -3, one core | {num(m.get('zstd_mb_per_s'))} MB/s |",
            f"| XXH3, one core | {num(m.get('xxh3_mb_per_s'))} MB/s |",
        ]
    if commit:
        rows += [
            f"| fdatasync of a 150-byte append (`commit_bench`, mean of the loops before and after) | "
            f"{num(commit.get('fdatasync_per_second'))}/s (drift {commit.get('fdatasync_drift', 0) * 100:.1f} %) |",
            f"| fdatasync overwriting synced zeros (`commit_bench`) | {num(commit.get('fdatasync_overwrite_per_second'))}/s |",
        ]
    if not rows:
        return []
    return ["## Machine limits", "", "| measured | value |", "|---|---|"] + rows + [""]


def peers_section(peers):
    if not peers:
        return ["## Against SQLite and RocksDB", "", "`peers_bench` was not part of this run.", ""]
    systems = peer_systems(peers)
    out = ["## Against SQLite and RocksDB (`peers_bench`)", "",
           f"Workload: {peers.get('workload', '?')} Medians of {peers.get('plan', {}).get('rounds', '?')} rounds; "
           "bytes and reads from the 1-writer runs. What each column measures: [peers.md](peers.md).", ""]
    for durable in (True, False):
        us = first_txgraph(systems, durable)
        if us is None:
            continue
        out += [f"### {'Durable' if durable else 'Non-durable'} commits", "",
                "| system | commits/s, 1 writer | txgraph / it | 4 writers | txgraph / it | 4 writers / 1 "
                "| bytes on disk/tx | change log bytes/tx | changes read/s | txgraph / it |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for s in systems:
            if s.durable != durable:
                continue
            self = s is us
            reads = s.at(1, "changes_read_per_s")
            out.append(
                f"| {s.system} | {num(s.rate(1))} | {'' if self else ratio(us.rate(1), s.rate(1))} | "
                f"{num(s.rate(4))} | {'' if self else ratio(us.rate(4), s.rate(4))} | {ratio(s.rate(4), s.rate(1))} | "
                f"{num(s.at(1, 'bytes_per_tx'))} | {num(s.at(1, 'log_bytes_per_tx'))} | "
                f"{num(reads) if reads else '–'} | "
                f"{'' if self or not reads else ratio(us.at(1, 'changes_read_per_s'), reads)} |")
        out.append("")
    sharing = "; ".join(f"{s.system} {s.per_sync():.2f}" for s in systems if s.per_sync() > 0)
    if sharing:
        out += [f"Commits per log fdatasync with 4 writers (txgraph's group commit, counted): {sharing}.", ""]
    follow = peers.get("follow", [])
    if follow:
        out += ["### Commit to consumer", "",
                "From `commit()` returning to a consumer following the change feed holding the change, µs.", "",
                "| system | consumer | p50 | p99 | max | it / txgraph, p50 | it / txgraph, p99 |",
                "|---|---|---|---|---|---|---|"]
        for durable in (True, False):
            us = next((f for f in follow if f.get("durable") == durable and f["system"].startswith("txgraph")), None)
            for f in follow:
                if f.get("durable") != durable:
                    continue
                self = f is us
                out.append(f"| {f['system']} | {f.get('consumer', '')} | {num(f['p50_us'])} | {num(f['p99_us'])} | "
                           f"{num(f.get('max_us'))} | {'' if self or not us else ratio(f['p50_us'], us['p50_us'])} | "
                           f"{'' if self or not us else ratio(f['p99_us'], us['p99_us'])} |")
        out.append("")
    imports = peers.get("import", [])
    if imports:
        us = next((i for i in imports if i["system"] == "txgraph"), imports[0])
        out += ["### Bulk import", "",
                f"{num(peers.get('plan', {}).get('import_rows'))} rows from one CSV file, durable when the load returns.",
                "", "| system | method | change feed sees the rows | rows/s | txgraph / it | bytes on disk/row |",
                "|---|---|---|---|---|---|"]
        for i in imports:
            out.append(f"| {i['system']} | {i.get('method', '')} | {'yes' if i.get('captured') else 'no'} | "
                       f"{num(i['rows_per_s'])} | {'' if i is us else ratio(us['rows_per_s'], i['rows_per_s'])} | "
                       f"{num(i.get('bytes_per_row'))} |")
        out.append("")
    return out


def commit_section(commit):
    if not commit:
        return []
    base = commit.get("fdatasync_per_second")
    out = ["## Commits (`commit_bench`)", "",
           f"One node with a label and three properties per transaction, {commit.get('seconds_per_measurement', '?')} s "
           f"per measurement; *× fdatasync* is against the appending loop's {num(base)}/s.", "",
           "| measurement | per second | × fdatasync | commits per log sync |", "|---|---|---|---|"]
    for m in commit.get("measurements", []):
        syncing = m["name"].startswith("fdatasync")
        per_sync = f"{m['count'] / m['log_syncs']:.2f}" if m.get("log_syncs") and m["name"].startswith(("kLog", "kFull")) else ""
        out.append(f"| {m['name']} | {num(m['per_second'])} | {'' if syncing else ratio(m['per_second'], base)} | {per_sync} |")
    facts = [
        ("`kLog`, 4 writers / fdatasync (group commit)", "group_commit_factor", "group_commit_target"),
        ("the same, against the overwriting fdatasync loop", "group_commit_factor_overwrite", None),
        ("the same, without power-loss protection", "group_commit_factor_unprotected", None),
        ("`kLog`, 1 writer / fdatasync", "single_thread_factor", None),
        ("preallocated log / appended log, 1 writer", "preallocation_gain_1", None),
        ("the same, 4 writers", "preallocation_gain_4", None),
        ("store batches / a store commit per transaction, `kLog`, 1 writer", "batch_gain_log_1", None),
        ("the same, 4 writers", "batch_gain_log_4", None),
        ("the same, `kAsync`", "batch_gain_async", None),
    ]
    out += ["", "| ratio | value | target |", "|---|---|---|"]
    for label, field, target in facts:
        if field in commit:
            out.append(f"| {label} | {commit[field]:.3f} | {('≥ ' + num(commit[target])) if target and target in commit else ''} |")
    if "async_commits_per_second" in commit:
        out.append(f"| `kAsync` commits/s | {num(commit['async_commits_per_second'])} | "
                   f"≥ {num(commit.get('async_target'))} ({'met' if commit.get('async_pass') else 'missed'}) |")
    return out + [""]


def targets_table(targets):
    out = ["| target | value | limit | |", "|---|---|---|---|"]
    for t in targets:
        kind = "" if t.get("target", True) else " (for information)"
        out.append(f"| {figure(t['name'])}{kind} | {short(t['value'])} | {'≤' if t.get('at_most') else '≥'} {short(t['limit'])} | "
                   f"{'met' if t.get('pass') else 'missed'} |")
    return out


def log_volume_section(volume):
    if not volume:
        return []
    out = ["## Log volume (`log_volume_bench`)", "",
           f"A mixed workload, `kAsync`, {num(volume.get('tx_per_run'))} transactions, median of "
           f"{volume.get('rounds', '?')} rounds.", "",
           "| mode | zstd | log bytes/tx | commits/s | CPU µs/tx |", "|---|---|---|---|---|"]
    for c in volume.get("configs", []):
        out.append(f"| {c['mode']} | {c['compression_level'] or 'off'} | {c['log_bytes_per_tx']:.1f} | "
                   f"{num(c['median_commits_per_second'])} | {c.get('median_cpu_us_per_tx', 0):.2f} |")
    out += [""] + targets_table(volume.get("targets", [])) + [""]
    typed = volume.get("typed_workload")
    if typed:
        plain = {(c["mode"], c["compression_level"]): c["log_bytes_per_tx"] for c in volume.get("configs", [])}
        out += ["The same workload with a datetime (Europe/Berlin) and a WGS-84 point on each created node, one run:", "",
                "| mode | zstd | log bytes/tx | without them |", "|---|---|---|---|"]
        for t in typed:
            base = plain.get((t["mode"], t["compression_level"]))
            out.append(f"| {t['mode']} | {t['compression_level'] or 'off'} | {t['log_bytes_per_tx']:.1f} | "
                       f"{'–' if base is None else format(base, '.1f')} |")
        out += ["", f"One datetime in a named zone encodes in {volume.get('datetime_bytes', '?')} bytes; an integer "
                f"of its milliseconds and the zone name as a string, in {volume.get('int_and_zone_bytes', '?')}.", ""]
    return out


def cdc_section(cdc):
    if not cdc:
        return []
    scans = cdc.get("scans", [])
    full = next((s for s in scans if s["name"].startswith("full scan")), None)
    out = ["## Change reads (`cdc_bench`)", "",
           f"{num(cdc.get('tx'))} transactions, {num(cdc.get('changes'))} changes, {cdc.get('log_bytes', 0) / 1e6:.1f} MB "
           f"of log in DIFF with zstd; median of {cdc.get('rounds', '?')} rounds, one core.", "",
           "| scan | changes/s | against the full scan | transactions passed by on their tags |", "|---|---|---|---|"]
    for s in scans:
        skipped = s.get("transactions_skipped", 0) / s["transactions"] * 100 if s.get("transactions") else 0
        selective = not s["name"].startswith(("full scan", "internal"))
        out.append(f"| {figure(s['name'])} | {num(s['changes_per_second'])} | "
                   f"{ratio(s['changes_per_second'], full['changes_per_second']) if full else '–'} | "
                   f"{f'{skipped:.1f} %' if selective else ''} |")
    wake = cdc.get("wake", [])
    if wake:
        out += ["", "Commit to `ChangeStream::wait` returning (µs; a bare condition variable ping shows the machine's floor):",
                "", "| | from commit() called, p50 / p99 | from commit() returned, p50 / p99 | query after the wake, p50 |",
                "|---|---|---|---|"]
        for w in wake:
            out.append(f"| {w['name']} | {w['from_call_p50_us']:.0f} / {w['from_call_p99_us']:.0f} | "
                       f"{w['from_return_p50_us']:.0f} / {w['from_return_p99_us']:.0f} | "
                       f"{'' if not w.get('read_p50_us') else format(w['read_p50_us'], '.0f')} |")
    out += [""] + targets_table(cdc.get("targets", [])) + [""]
    return out


def import_section(imp):
    if not imp:
        return []
    rate = imp.get("import_nodes_per_s")
    rows = [("`import_csv`", rate),
            ("transactions of 1 node, default options (`kLog`)", imp.get("tx_1_node_default_nodes_per_s")),
            ("transactions of 1 node, `kAsync`, no power-loss protection", imp.get("tx_1_node_fast_nodes_per_s")),
            ("transactions of 1 000 nodes, the same", imp.get("tx_1000_nodes_fast_nodes_per_s"))]
    out = ["## Bulk import (`import_bench`)", "",
           f"{num(imp.get('nodes'))} nodes and {num(imp.get('relationships'))} relationships, "
           f"{imp.get('csv_bytes', 0) / 1e6:.1f} MB of CSV, best of {imp.get('rounds', '?')} rounds; "
           f"relationships imported at {num(imp.get('import_relationships_per_s'))}/s.", "",
           "| path | nodes/s | import / this |", "|---|---|---|"]
    for label, value in rows:
        if value:
            out.append(f"| {label} | {num(value)} | {'' if value is rate else ratio(rate, value) + ' ×'} |")
    return out + [""]


def replication_section(rep):
    if not rep:
        return []
    return ["## Replication (`replication_bench`)", "",
            "| measurement | value |", "|---|---|",
            f"| source commit returned → replica commit returned, p50 / p99 / max | "
            f"{rep.get('p50_ms', 0):.2f} / {rep.get('p99_ms', 0):.2f} / {rep.get('max_ms', 0):.1f} ms |",
            f"| backlog into a durable (`kLog`) replica | {num(rep.get('durable_changes_per_s'))} changes/s |",
            f"| backlog into a `kAsync` replica | {num(rep.get('async_changes_per_s'))} changes/s |", ""]


def snapshot_section(snap):
    if not snap:
        return []
    alone = snap.get("writer_commits_per_s_alone") or 0
    during = snap.get("writer_commits_per_s_during") or 0
    return ["## Snapshots (`snapshot_bench`)", "",
            f"{num(snap.get('nodes'))} nodes and {num(snap.get('relationships'))} relationships, bulk imported.", "",
            "| measurement | value |", "|---|---|",
            f"| snapshot, events in process, no writers | {num(snap.get('events_per_s'))} entities/s |",
            f"| snapshot as JSON lines, no writers | {num(snap.get('json_lines_per_s'))} entities/s |",
            f"| snapshot in process, {snap.get('writer_threads', '?')} writers committing | "
            f"{num(snap.get('busy_events_per_s'))} entities/s |",
            f"| writers' commits/s without / during the snapshot | {num(alone)} / {num(during)} "
            f"({during / alone if alone else 0:.2f}) |",
            f"| store file before / after the snapshot with writers | "
            f"{snap.get('store_bytes_before', 0) / 1e6:.1f} / {snap.get('store_bytes_after', 0) / 1e6:.1f} MB |", ""]


def kafka_section(kafka):
    if not kafka:
        return []
    out = ["## Kafka (`kafka_bench`)", "",
           f"librdkafka's mock cluster in the benchmark's process ({kafka.get('brokers', '?')} brokers); a real "
           "cluster adds its network and disks.", "",
           "| partitions | published events/s, whole call / after the first Kafka commit "
           "| commit → replica visible p50 / p99 / max |", "|---|---|---|"]
    latency = {row["partitions"]: row for row in kafka.get("latency", [])}
    for row in kafka.get("publish", []):
        lat = latency.get(row["partitions"], {})
        out.append(f"| {row['partitions']} | {num(row.get('events_per_s'))} / {num(row.get('steady_events_per_s'))} | "
                   f"{lat.get('p50_ms', 0):.2f} / {lat.get('p99_ms', 0):.2f} / {lat.get('max_ms', 0):.1f} ms |")
    return out + [""]


def retention_section(ret):
    if not ret:
        return []
    out = ["## Retention over a simulated week (`retention_bench`)", "",
           f"{ret.get('transactions_per_quarter', '?')} transactions of a {num(ret.get('note_bytes'))} B note every "
           f"simulated quarter hour for {ret.get('days', '?')} days, {mib(ret.get('rotation_size', 0))} segments. "
           "Each bound is checked after every checkpoint.", "",
           "| policy | bound checked | largest log | final log | oldest change at the end | violations |",
           "|---|---|---|---|---|---|"]
    for p in ret.get("policies", []):
        bounds = []
        if p.get("max_bytes_bound"):
            bounds.append(f"bytes ≤ {mib(p['max_bytes_bound'])} + one segment")
        if p.get("min_age_hours_bound"):
            bounds.append(f"changes < {p['min_age_hours_bound']:g} h old retained")
        if p.get("min_txs_bound"):
            bounds.append(f"≥ {num(p['min_txs_bound'])} transactions retained")
        out.append(f"| `{p['policy']}` | {'; '.join(bounds)} | {mib(p['largest_log_bytes'])} | "
                   f"{mib(p['final_log_bytes'])} | {p['oldest_change_age_hours']:.1f} h | {p['violations']} |")
    return out + [""]


def suite_section(run):
    suite = run.get("suite", [])
    if not suite:
        return []
    out = ["## Wall times", "", "| program | seconds |", "|---|---|"]
    out += [f"| {s['program']} | {s['seconds']:.1f} |" for s in suite]
    out.append(f"| all | {run.get('seconds', 0):.1f} |")
    return out + [""]


def summary(run):
    results = run.get("results", {})
    lines = [
        "# Benchmark results: summary",
        "",
        "Made by `bench/summary.py` from `run.json`; do not edit it by hand: run `python3 bench/summary.py` again. "
        "Earlier runs and experiments: [HISTORY.md](HISTORY.md).",
        "",
        f"Run finished {run.get('time_utc', '?').replace('T', ' ').replace('Z', ' UTC')}, "
        f"{'quick sizes' if run.get('quick') else 'full sizes'}, {run.get('seconds', 0):.0f} s of benchmarks.",
        "",
    ]
    lines += machine_section(results)
    lines += ["## Headline", "", BEGIN] + headline(run) + [END, ""]
    lines += peers_section(results.get("peers_bench"))
    lines += commit_section(results.get("commit_bench"))
    lines += log_volume_section(results.get("log_volume_bench"))
    lines += cdc_section(results.get("cdc_bench"))
    lines += import_section(results.get("import_bench"))
    lines += replication_section(results.get("replication_bench"))
    lines += snapshot_section(results.get("snapshot_bench"))
    lines += kafka_section(results.get("kafka_bench"))
    lines += retention_section(results.get("retention_bench"))
    lines += suite_section(run)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def replace_block(text, block, name):
    begin = text.find(BEGIN)
    end = text.find(END)
    if begin < 0 or end < begin:
        raise ValueError(f"{name} has no {BEGIN} ... {END} block")
    return text[:begin] + block + text[end + len(END):]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="Write SUMMARY.md (and the README's headline table) from run.json.")
    parser.add_argument("dir", nargs="?", default=os.path.join(here, "results"), help="the results folder (run.json)")
    parser.add_argument("--readme", help="also replace this file's summary-table block")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file differs")
    args = parser.parse_args()

    try:
        with open(os.path.join(args.dir, "run.json"), encoding="utf-8") as f:
            run = json.load(f)
    except (OSError, ValueError) as e:
        print(f"summary.py: {e}", file=sys.stderr)
        return 1
    text = summary(run)
    block = "\n".join([BEGIN] + headline(run) + [END])
    targets = [(os.path.join(args.dir, "SUMMARY.md"), lambda old: text)]
    if args.readme:
        targets.append((args.readme, lambda old, name=args.readme: replace_block(old, block, name)))

    stale = []
    for path, make in targets:
        try:
            with open(path, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = None
        try:
            new = make(old if old is not None else "")
        except ValueError as e:
            print(f"summary.py: {e}", file=sys.stderr)
            return 1
        if new == old:
            continue
        if args.check:
            stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"summary.py: wrote {path}")
    if stale:
        print("summary.py: not what run.json makes: " + ", ".join(stale) +
              " (run python3 bench/summary.py" + (f" --readme {args.readme}" if args.readme else "") + ")",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
