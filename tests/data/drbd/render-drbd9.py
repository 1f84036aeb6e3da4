#!/usr/bin/env python3
"""Renders DRBD 9 fixtures with the exact format strings of drbd-utils 9.22.0 (user/v9/drbdsetup.c:
resource_status_json, device_status_json, connection_status_json, peer_device_status_json and
status_cmd; user/v9/drbdsetup_events2.c: print_*_changes with NOTIFY_EXISTS). No DRBD 9 kernel
runs on the project's machines, so the values are chosen by hand; the layout is the tool's.
Usage: render-drbd9.py OUTDIR"""
import os
import sys


def b(x):
    return "true" if x else "false"


def peer_device_json(pd, dev_size):
    oos = pd.get("oos", 0)
    rs_total = pd.get("rs_total", 0)
    sync_details = rs_total not in (0, None)
    syncing = pd["repl"] in ("SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT")
    in_resync_without_details = rs_total is None and syncing
    pct_in_sync = 0 if dev_size == 0 else 100 * (1 - oos / dev_size)
    s = ("        {\n"
         "          \"volume\": %d,\n"
         "          \"replication-state\": \"%s\",\n"
         "          \"peer-disk-state\": \"%s\",\n"
         "          \"peer-client\": %s,\n"
         "          \"resync-suspended\": \"%s\",\n"
         "          \"received\": %d,\n"
         "          \"sent\": %d,\n"
         "          \"out-of-sync\": %d,\n"
         "          \"pending\": %d,\n"
         "          \"unacked\": %d,\n"
         "          \"has-sync-details\": %s,\n"
         "          \"has-online-verify-details\": %s,\n"
         "          \"percent-in-sync\": %.2f%s\n") % (
        pd["volume"], pd["repl"], pd["peer_disk"], b(pd.get("peer_client")), pd.get("resync_susp", "no"),
        pd.get("received", 0) // 2, pd.get("sent", 0) // 2, oos // 2, 0, 0, b(sync_details), "false",
        pct_in_sync, "," if (sync_details or in_resync_without_details) else "")
    if sync_details:
        sectors_to_go = oos
        db1, dt1 = pd["db1"], pd["dt1"]
        s += ("          \"rs-total\": %d,\n"
              "          \"rs-dt-start-ms\": %d,\n"
              "          \"rs-paused-ms\": %d,\n"
              "          \"rs-dt0-ms\": %d,\n"
              "          \"rs-db0-sectors\": %d,\n"
              "          \"rs-dt1-ms\": %d,\n"
              "          \"rs-db1-sectors\": %d,\n") % (rs_total, pd["dt_start"], 0, pd["dt0"], pd["db0"], dt1, db1)
        s += "          \"rs-failed\": %d,\n          \"rs-same-csum\": %d,\n" % (0, 0)
        s += "          \"want\": %.2f,\n" % 0.0
        s += "          \"db0/dt0 [MiB/s]\": %.2f,\n" % (pd["db0"] / pd["dt0"] * 1000.0 / 2048.0)
        s += "          \"db1/dt1 [MiB/s]\": %.2f,\n" % (db1 / dt1 * 1000.0 / 2048.0)
        s += "          \"estimated-seconds-to-finish\": %.0f,\n" % (dt1 * 1e-3 * sectors_to_go / db1)
        db = rs_total - sectors_to_go
        s += "          \"db/dt [MiB/s]\": %.2f,\n" % (db / pd["dt_start"] * 1000.0 / 2048.0)
        s += "          \"percent-resync-done\": %.2f\n" % (100.0 * db / rs_total)
    elif in_resync_without_details:
        s += "          \"percent-resync-done\": %.2f\n" % pct_in_sync
    s += "        }"
    return s


# drbdsetup.c susp_str(): the reasons in this order, joined by commas; "no" when none.
SUSPEND_ORDER = ("user", "no-data", "fencing", "quorum")


def susp_str(susp):
    return ",".join(x for x in SUSPEND_ORDER if x in susp) or "no"


def resource_json(r):
    susp = r.get("susp", ())
    out = ("{\n"
           "  \"name\": \"%s\",\n"
           "  \"node-id\": %d,\n"
           "  \"role\": \"%s\",\n"
           "  \"suspended\": %s,\n"
           "  \"suspended-user\": %s,\n"
           "  \"suspended-no-data\": %s,\n"
           "  \"suspended-fencing\": %s,\n"
           "  \"suspended-quorum\": %s,\n"
           "  \"force-io-failures\": %s,\n"
           "  \"write-ordering\": \"%s\",\n"
           "  \"devices\": [\n") % (r["name"], r["node_id"], r["role"], b(susp), b("user" in susp),
                                   b("no-data" in susp), b("fencing" in susp), b("quorum" in susp), "false",
                                   "flush")
    devs = []
    for d in r["devices"]:
        devs.append(("    {\n"
                     "      \"volume\": %d,\n"
                     "      \"minor\": %d,\n"
                     "      \"disk-state\": \"%s\",\n"
                     "      \"client\": %s,\n"
                     "      \"quorum\": %s%s\n") % (d["volume"], d["minor"], d["disk"], b(d.get("client")),
                                                    b(d.get("quorum", True)), ",")
                    + ("      \"size\": %d,\n"
                       "      \"read\": %d,\n"
                       "      \"written\": %d,\n"
                       "      \"al-writes\": %d,\n"
                       "      \"bm-writes\": %d,\n"
                       "      \"upper-pending\": %d,\n"
                       "      \"lower-pending\": %d\n") % (d["size"] // 2, 2420, 8192, 3, 0, 0, 0)
                    + "    }")
    out += ",\n".join(devs)
    out += " ],\n  \"connections\": [\n"
    conns = []
    for c in r["connections"]:
        s = ("    {\n"
             "      \"peer-node-id\": %d,\n"
             "      \"name\": \"%s\",\n"
             "      \"connection-state\": \"%s\", \n"
             "      \"congested\": %s,\n"
             "      \"peer-role\": \"%s\",\n") % (c["peer_node_id"], c["name"], c["state"], "false", c["peer_role"])
        s += "      \"ap-in-flight\": %d,\n      \"rs-in-flight\": %d,\n" % (0, 0)
        s += "      \"peer_devices\": [\n"
        s += ",\n".join(peer_device_json(pd, r["devices"][pd["volume"]]["size"]) for pd in c["peer_devices"])
        s += " ]\n    }"
        conns.append(s)
    out += ",\n".join(conns)
    out += " ]\n}\n"
    return out


def status_json(resources):
    return "[\n" + ",\n".join(resource_json(r) for r in resources) + "]\n\n"


def events2_now(r):
    lines = ["exists resource name:%s role:%s suspended:%s force-io-failures:no may_promote:%s promotion_score:%d" % (
        r["name"], r["role"], susp_str(r.get("susp", ())), r.get("may_promote", "no"), r.get("promotion_score", 0))]
    for c in r["connections"]:
        lines.append("exists connection name:%s peer-node-id:%d conn-name:%s connection:%s role:%s" % (
            r["name"], c["peer_node_id"], c["name"], c["state"], c["peer_role"]))
    for d in r["devices"]:
        lines.append("exists device name:%s volume:%d minor:%d backing_dev:%s disk:%s client:%s quorum:%s" % (
            r["name"], d["volume"], d["minor"], d.get("backing", "/dev/vdb"), d["disk"],
            "yes" if d.get("client") else "no", "yes" if d.get("quorum", True) else "no"))
    for c in r["connections"]:
        for pd in c["peer_devices"]:
            line = ("exists peer-device name:%s peer-node-id:%d conn-name:%s volume:%d replication:%s peer-disk:%s "
                    "peer-client:%s resync-suspended:%s") % (r["name"], c["peer_node_id"], c["name"], pd["volume"],
                                                             pd["repl"], pd["peer_disk"],
                                                             "yes" if pd.get("peer_client") else "no",
                                                             pd.get("resync_susp", "no"))
            if pd.get("rs_total"):
                line += " done:%.2f" % (100.0 * (pd["rs_total"] - pd["oos"]) / pd["rs_total"])
            lines.append(line)
        lines.append("exists path name:%s peer-node-id:%d conn-name:%s local:ipv4:192.168.100.2:7789 "
                     "peer:ipv4:192.168.100.1:7789 established:%s" % (
                         r["name"], c["peer_node_id"], c["name"], "yes" if c["state"] == "Connected" else "no"))
    lines.append("exists -")
    return "\n".join(lines) + "\n"


SIZE = 524288  # sectors (256 MiB)


def res(name="r0", role="Secondary", disk="UpToDate", state="Connected", peer_role="Primary",
        peer_disk="UpToDate", repl="Established", sync=None, **kw):
    pd = {"volume": 0, "repl": repl, "peer_disk": peer_disk}
    if sync is not None:
        oos = int(SIZE * (100 - sync) / 100)
        pd.update(oos=oos, rs_total=SIZE, dt_start=31000, dt0=31000, db0=SIZE - oos, dt1=3000, db1=50688)
    r = {"name": name, "node_id": 1, "role": role,
         "devices": [{"volume": 0, "minor": 0, "disk": disk, "size": SIZE}],
         "connections": [{"peer_node_id": 0, "name": "node1", "state": state, "peer_role": peer_role,
                          "peer_devices": [pd]}]}
    r.update(kw)
    return r


def suspended_res():
    r = res(role="Primary", state="Connecting", peer_role="Unknown", peer_disk="DUnknown", repl="Off",
            susp=("user", "quorum"))
    r["devices"][0]["quorum"] = False
    return r


def detached_res():
    # A detached device has no backing device: drbdsetup prints "none" (backing_dev_str).
    r = res(role="Primary", disk="Diskless")
    r["devices"][0]["backing"] = "none"
    return r


def main():
    out = sys.argv[1]
    files = {
        "9-status-json-secondary-connected.json": status_json([res()]),
        "9-status-json-primary-primary.json": status_json([res(role="Primary")]),
        "9-status-json-synctarget.json": status_json([res(disk="Inconsistent", repl="SyncTarget", sync=42.5,
                                                          peer_role="Primary")]),
        "9-status-json-standalone.json": status_json([res(role="Primary", state="StandAlone", peer_role="Unknown",
                                                          peer_disk="DUnknown", repl="Off")]),
        "9-status-json-two-resources.json": status_json([res(name="r0", role="Primary"),
                                                         res(name="r1", disk="Outdated", state="Connecting",
                                                             peer_role="Unknown", peer_disk="DUnknown",
                                                             repl="Off")]),
        "9-status-json-none.json": status_json([]),
        "9-events2-now-secondary-connected.txt": events2_now(res()),
        "9-events2-now-synctarget.txt": events2_now(res(disk="Inconsistent", repl="SyncTarget", sync=42.5)),
        # The peer is gone and I/O froze for lost quorum, and an admin suspended it too.
        "9-status-json-suspended-user-quorum.json": status_json([suspended_res()]),
        "9-events2-now-suspended-user-quorum.txt": events2_now(suspended_res()),
        # The backing disk failed under a Primary (on-io-error detach): I/O goes through the peer.
        "9-status-json-primary-detached.json": status_json([detached_res()]),
        "9-events2-now-primary-detached.txt": events2_now(detached_res()),
    }
    for name, text in files.items():
        with open(os.path.join(out, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
