#!/usr/bin/python3
"""Measures of the cluster tier's fault rows, and the markdown table of them.

  faults-report.py row DIR          one row's data directory -> one JSON line on stdout
  faults-report.py table FILE...    results.jsonl -> the markdown tables on stdout

DIR is what faults-phase.sh left: metrics (key=value), t0 (host epoch of the fault), notes,
counter (the guest's RAM counter sampled from the host: "t half_width node counter"),
clock-before/-after ("node guest_minus_host"), boot-before/-after, fence-events, data,
crm_mon.xml, status.xml and journal-<node>.txt (journalctl -o short-unix since the fault).
Times in the result are seconds after the fault, on the host's clock; a guest's timestamps are
converted with that guest's measured offset.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ROWS = {
    "1": "libvirtd SIGSTOP > monitor timeout, then move",
    "2": "libvirtd restarted under load",
    "3": "the guest's qemu killed",
    "4": "dlm_controld killed",
    "5": "lvmlockd killed",
    "6": "holder on GFS2, clone stopped on one node",
    "7": "DRBD backing disk fails (dm error)",
    "8": "replication link cut",
    "9": "drain: standby, live migration, unstandby",
    "10": "systemctl reboot",
    "11s": "corosync paused 10 s (< token)",
    "11l": "corosync paused 45 s (> token)",
    "K": "the guest's node killed (its qemu)",
}
ORDER = ["3", "9", "1", "6", "2", "4", "5", "K", "8", "11s", "11l", "10", "7"]


def read(d, name, default=""):
    try:
        with open(os.path.join(d, name), errors="replace") as f:
            return f.read()
    except OSError:
        return default


def metrics_of(d):
    m = {}
    for line in read(d, "metrics").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            m[k] = v
    return m


def clocks_of(d, tag):
    c = {}
    for line in read(d, "clock-" + tag).split("\n"):
        p = line.split()
        if len(p) == 2:
            c[p[0]] = float(p[1])
    return c


def qemu_scope_ends(d, clocks):
    """Host times at which a node's systemd saw the guest's qemu end (its machine scope)."""
    ends = {}
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        m = re.match(r"^journal-(\w+?)(-early)?\.txt$", name)
        if not m:
            continue
        node, off = m.group(1), clocks.get(m.group(1), 0.0)
        for line in read(d, name).splitlines():
            j = re.match(r"^(\d+\.\d+) \S+ systemd\[1\]: machine-qemu\S*labguest\.scope: (Deactivated|Succeeded)", line)
            if j:
                ends.setdefault(node, set()).add(round(float(j.group(1)) - off, 2))
    return {n: sorted(v) for n, v in ends.items()}


def counter_measures(d, t0, scope_ends=None):
    """Downtime seen in the guest's own counter (it counts from 0 again when restarted)."""
    samples, unread, alive = [], [], []
    for line in read(d, "counter").splitlines():
        p = line.split()
        if len(p) == 4 and p[3].startswith("q"):
            # Counter unreadable (libvirt not answering), the guest's qemu CPU time instead.
            alive.append((float(p[0]), p[2], int(p[3][1:])))
        elif len(p) == 4 and p[3] != "-":
            samples.append((float(p[0]), float(p[1]), p[2], int(p[3])))
        elif p:
            unread.append(float(p[0]))
    out = {"samples": len(samples), "unread": len(unread)}
    if alive:
        out["qemu_alive_samples"] = len(alive)
    if len(samples) < 2:
        out["verdict"] = "too few samples"
        return out
    gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:])]
    out["sample_interval_s"] = round(sorted(gaps)[len(gaps) // 2], 1)
    # Counts per second of host time (TCG in TCG: < 1), from the first incarnation with samples
    # 10 s apart or more (the first may have only one when a counter read takes 20 s).
    incarnations, cur = [], [samples[0]]
    for s in samples[1:]:
        if s[3] < cur[-1][3]:
            incarnations.append(cur)
            cur = []
        cur.append(s)
    incarnations.append(cur)
    rate = None
    for inc in incarnations:
        if len(inc) >= 2 and inc[-1][3] > inc[0][3] and inc[-1][0] - inc[0][0] >= 10:
            rate = (inc[-1][3] - inc[0][3]) / (inc[-1][0] - inc[0][0])
            break
    out["counts_per_s"] = round(rate, 3) if rate else None
    rate = rate or 1.0
    restarts, frozen, frozen_at = [], 0.0, None
    run_start = samples[0]
    for a, b in zip(samples, samples[1:]):
        if b[3] < a[3]:
            # A new incarnation: it started about counter/rate before this sample.
            start = b[0] - b[3] / rate
            # The old incarnation ran while its qemu used CPU, read or not (libvirt hung).
            last_old = a[0]
            prev = None
            for t, node, ticks in alive:
                if node != a[2] or t <= a[0] or t >= b[0]:
                    continue
                if prev is not None and ticks > prev:
                    last_old = t
                prev = ticks
            # Unread but not gone: the old qemu ran on until its node's systemd saw it end.
            ended = [t for t in (scope_ends or {}).get(a[2], []) if a[0] < t < b[0]]
            if ended and min(ended) > last_old:
                last_old = min(ended)
            # Not down before the fault, whenever the old incarnation was last seen.
            r = {"last_seen_old_s": round(last_old - t0, 1), "new_started_s": round(start - t0, 1),
                 "downtime_s": round(max(0.0, start - max(last_old, t0)), 1), "old_node": a[2], "new_node": b[2]}
            if last_old > a[0]:
                r["last_read_old_s"] = round(a[0] - t0, 1)
            if ended:
                r["old_qemu_ended_s"] = round(min(ended) - t0, 1)
            restarts.append(r)
            run_start = b
        elif b[3] == a[3]:
            if run_start[3] != a[3]:
                run_start = a
            if b[0] - run_start[0] > frozen:
                frozen, frozen_at = b[0] - run_start[0], run_start[0] - t0
        else:
            run_start = b
    out["restarts"] = restarts
    out["longest_frozen_s"] = round(frozen, 1)
    if frozen_at is not None:
        out["frozen_from_s"] = round(frozen_at, 1)
    # Longest stretch with no reading at all (no node answered with the counter).
    times = sorted([s[0] for s in samples] + unread)
    ok = {s[0] for s in samples}
    longest, start = 0.0, None
    for t in times:
        if t in ok:
            if start is not None:
                longest = max(longest, t - start)
            start = None
        elif start is None:
            prev = [x for x in times if x < t and x in ok]
            start = prev[-1] if prev else t
    out["longest_unread_s"] = round(longest, 1)
    out["first"], out["last"] = samples[0][3], samples[-1][3]
    out["nodes"] = sorted({s[2] for s in samples})
    if restarts:
        out["downtime_s"] = sum(r["downtime_s"] for r in restarts)
        out["verdict"] = "restarted %dx, down %.0f s" % (len(restarts), out["downtime_s"])
    else:
        # Never counted from 0 again: the guest kept its RAM (ran on, or migrated live).
        out["downtime_s"] = round(max(frozen, 0.0), 1)
        out["verdict"] = "never restarted" + (", counter frozen %.0f s" % frozen if frozen >= 2 * out["sample_interval_s"] else "")
    return out


def fences_of(d):
    ev = []
    for line in read(d, "fence-events").splitlines():
        p = line.split()
        if len(p) >= 4:
            ev.append({"t": int(p[0]), "action": p[1], "target": p[2], "from": p[3]})
    before = dict(l.split(None, 1) for l in read(d, "boot-before").splitlines() if " " in l)
    after = dict(l.split(None, 1) for l in read(d, "boot-after").splitlines() if " " in l)
    rebooted = sorted(n for n in before if after.get(n) and after[n] != before[n])
    return ev, rebooted


def ops_of(d, t0, clocks):
    """Operations Pacemaker recorded since the fault (CIB status), with exit reasons."""
    try:
        root = ET.fromstring(read(d, "status.xml"))
    except ET.ParseError:
        return []
    ops = []
    for ns in root.iter("node_state"):
        node = ns.get("uname")
        off = clocks.get(node, 0.0)
        for lr in ns.iter("lrm_resource"):
            agent = ":".join(x for x in (lr.get("class"), lr.get("provider"), lr.get("type")) if x)
            for op in lr.iter("lrm_rsc_op"):
                try:
                    at = int(op.get("last-rc-change", "0")) - off - t0
                except ValueError:
                    continue
                interval = op.get("interval", "0")
                rc, st = op.get("rc-code"), op.get("op-status")
                failed = st != "0" or rc not in ("0", "8", "7") or op.get("id", "").endswith("_last_failure_0")
                if at < -5 or (interval != "0" and not failed):
                    continue
                ops.append({"node": node, "rsc": lr.get("id"), "agent": agent, "op": op.get("operation"),
                            "interval_ms": int(interval), "rc": rc, "op_status": st,
                            "at_s": round(at, 1), "exec_ms": int(op.get("exec-time", "0") or 0),
                            "exit_reason": op.get("exit-reason", "")})
    ops.sort(key=lambda o: o["at_s"])
    return ops


def failures_of(d):
    try:
        root = ET.fromstring(read(d, "crm_mon.xml"))
    except ET.ParseError:
        return []
    return [{k: f.get(k) for k in ("op_key", "node", "exitstatus", "exitreason", "status", "last-rc-change")}
            for f in root.iter("failure")]


# The survivor's journal after a node loss: first line of each kind after the fault.
EVENTS = [
    ("detected", r"corosync.*\[TOTEM \] (Token has not been received|A processor failed)|"
                 r"pacemaker-controld.*(Transition \d+ .*aborted by .*(monitor|Event failed)|Result of monitor operation for .*(not running|error|Timed Out))"),
    ("membership_lost", r"corosync.*\[(TOTEM|QUORUM)\] .*(Members left|left\[)"),
    ("pacemaker_node_lost", r"pacemaker-controld.*Node \S+ state is now lost|pacemaker-controld.*Peer \S+ .*lost"),
    ("drbd_fence_peer", r"kernel: drbd r0: helper command: \S+ fence-peer"),
    ("fence_requested", r"pacemaker-(controld|fenced).*(Requesting fencing|Requesting peer fencing|wants to fence|Scheduling (node|Node) \S+ for STONITH)"),
    ("fence_confirmed", r"pacemaker-(controld|fenced).*(Operation '?(reboot|off)'? .*targeting .*OK|Peer \S+ was terminated \((reboot|off)\) by \S+ .*OK)"),
    ("drbd_resumed", r"kernel: drbd r0: (fence-peer helper returned|susp\( 1 -> 0 \)|.*susp-fen\( 1 -> 0 \))"),
    ("dlm_recovered", r"kernel: dlm: gfs2: dlm_recover \d+ generation \d+ done"),
    ("gfs2_journal_recovered", r"kernel: gfs2: fsid=\S+: (jid=\d+: (Journal replayed|Done)|recover generation \d+ done)"),
    ("transition_calculated", r"pacemaker-schedulerd.*Calculated transition \d+"),
    ("labguest_start_initiated", r"pacemaker-controld.*Initiating (start|migrate_from) operation labguest_"),
    ("labguest_started", r"pacemaker-controld.*Result of (start|migrate_from) operation for labguest on \S+: (ok|OK)"),
]


def timeline_of(d, t0, survivor, clocks):
    # The journal right after the row (the survivor may be fenced later), else the later one.
    text = read(d, "journal-%s-early.txt" % survivor) or read(d, "journal-%s.txt" % survivor)
    off = clocks.get(survivor, 0.0)
    found = {}
    for line in text.splitlines():
        m = re.match(r"^(\d+\.\d+) (.*)$", line)
        if not m:
            continue
        t = float(m.group(1)) - off - t0
        if t < -2:
            continue
        for name, pat in EVENTS:
            if name not in found and re.search(pat, m.group(2)):
                found[name] = {"at_s": round(t, 1), "line": m.group(2)[:200]}
    # Pacemaker's transition and the guest's start come after the fence: ignore earlier ones.
    fc = found.get("fence_confirmed", {}).get("at_s")
    if fc is not None:
        for name in ("transition_calculated", "labguest_start_initiated", "labguest_started"):
            for line in text.splitlines():
                m = re.match(r"^(\d+\.\d+) (.*)$", line)
                if not m:
                    continue
                t = float(m.group(1)) - off - t0
                if t >= fc and re.search(dict(EVENTS)[name], m.group(2)):
                    found[name] = {"at_s": round(t, 1), "line": m.group(2)[:200]}
                    break
    return found


def row(d):
    m = metrics_of(d)
    t0 = float(read(d, "t0", "0").strip() or 0)
    before, after = clocks_of(d, "before"), clocks_of(d, "after")
    # A rebooted node's clock was set again at boot: its later stamps use the new offset.
    clocks = dict(before)
    clocks.update(after)
    res = {"row": m.get("row"), "what": ROWS.get(m.get("row"), "?"), "stack": m.get("stack"),
           "t0": t0, "metrics": m, "notes": read(d, "notes").strip().splitlines(),
           "clock_offsets_s": {"before": before, "after": after},
           "clocksource": dict(l.split(None, 1) for l in read(d, "clocksource").splitlines() if " " in l)}
    if m.get("skipped"):
        res["skipped"] = m["skipped"]
        return res
    res["counter"] = counter_measures(d, t0, qemu_scope_ends(d, before))
    ev, rebooted = fences_of(d)
    res["fence_events"] = ev
    res["rebooted"] = rebooted
    res["fenced"] = sorted({e["target"] for e in ev if e["action"] in ("reboot", "off")})
    res["data"] = read(d, "data").strip().splitlines()
    if "recovered_at" in m:
        res["full_recovery_s"] = round(float(m["recovered_at"]) - t0, 1)
    res["failures"] = failures_of(d)
    res["operations"] = ops_of(d, t0, clocks)
    # A row that died before naming its victim: the first node fenced after the fault.
    victim = m.get("victim") or next((e["target"] for e in ev if e["action"] in ("reboot", "off")), None)
    if victim:
        survivor = "node2" if victim == "node1" else "node1"
        res["survivor"] = survivor
        res["timeline"] = timeline_of(d, t0, survivor, before)
    return res


def fmt(v, unit=" s"):
    return "–" if v is None else ("%.0f%s" % (v, unit) if isinstance(v, (int, float)) else str(v))


def table(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [json.loads(l) for l in f if l.strip()]
    # The last measurement of each (row, stack) counts.
    last = {}
    for r in rows:
        last[(r.get("row"), r.get("stack"))] = r
    keys = sorted(last, key=lambda k: (ORDER.index(k[0]) if k[0] in ORDER else 99, k[1] != "stock", k[1]))
    out = ["| row | fault | stack | guest (own counter) | fenced | data after | full recovery | Pacemaker recorded | row's own measures |",
           "|---|---|---|---|---|---|---|---|---|"]
    for k in keys:
        r = last[k]
        if r.get("skipped"):
            out.append("| %s | %s | %s | skipped: %s | | | | | |" % (r["row"], r["what"], r["stack"], r["skipped"]))
            continue
        c = r.get("counter", {})
        guest = c.get("verdict", "?")
        if c.get("sample_interval_s"):
            guest += " (read every %.0f s)" % c["sample_interval_s"]
        fenced = ", ".join(r.get("fenced") or []) or "no"
        if r.get("rebooted") and not r.get("fenced"):
            fenced += " (rebooted: %s)" % ", ".join(r["rebooted"])
        data = "; ".join(r.get("data") or ["not checked"])
        rec = [("%s %s on %s: %s%s" % (f.get("op_key"), f.get("exitstatus") or f.get("status"), f.get("node"),
                                        f.get("status"), (' "%s"' % f["exitreason"]) if f.get("exitreason") else ""))
               for f in r.get("failures", [])]
        rec = "<br>".join(rec) or "no failed actions"
        own = ", ".join("%s=%s" % (k2, v) for k2, v in r.get("metrics", {}).items()
                        if k2 not in ("row", "stack", "recovered_at", "row_rc", "guest_node", "victim"))
        if r.get("metrics", {}).get("row_rc", "0") != "0":
            own += ", ROW FAILED rc=%s" % r["metrics"]["row_rc"]
        own += "".join("<br>" + n for n in r.get("notes", []))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["row"], r["what"], r["stack"], guest, fenced, data, fmt(r.get("full_recovery_s")), rec, own))
    # Node losses: where the time between the fault and the guest running again went.
    tl = [k for k in keys if last[k].get("timeline") is not None]
    if tl:
        cols = ["detected", "pacemaker_node_lost", "fence_requested", "fence_confirmed", "drbd_resumed",
                "dlm_recovered", "gfs2_journal_recovered", "transition_calculated",
                "labguest_start_initiated", "labguest_started"]
        out += ["", "Node losses, seconds after the fault on the survivor's journal (its clock corrected "
                "by the measured offset):", "",
                "| row | stack | " + " | ".join(c.replace("_", " ") for c in cols) + " | guest counting again |",
                "|---|---|" + "---|" * (len(cols) + 1)]
        for k in tl:
            r = last[k]
            t = r["timeline"]
            ctr = r.get("counter", {}).get("restarts") or []
            counting = ctr[0]["new_started_s"] if ctr else None
            out.append("| %s | %s | %s | %s |" % (r["row"], r["stack"],
                       " | ".join(fmt(t.get(c, {}).get("at_s"), "") for c in cols), fmt(counting, "")))
        out += ["", "Agent operations after the fault (recorded completion, seconds after the fault; exec time):", ""]
        for k in tl:
            r = last[k]
            ops = ["%s %s on %s at %s (%.1f s)" % (o["rsc"], o["op"], o["node"], fmt(o["at_s"], ""), o["exec_ms"] / 1000)
                   for o in r.get("operations", []) if o["op"] in ("start", "promote", "migrate_from", "stop", "demote")]
            out.append("- row %s, %s: %s" % (r["row"], r["stack"], "; ".join(ops) or "none recorded"))
    return "\n".join(out)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "row":
        print(json.dumps(row(sys.argv[2]), sort_keys=True))
    elif len(sys.argv) >= 3 and sys.argv[1] == "table":
        print(table(sys.argv[2:]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
