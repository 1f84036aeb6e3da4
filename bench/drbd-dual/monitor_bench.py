#!/usr/bin/env python3
"""Healthy Primary monitor: ocf:custom:drbd-dual against ocf:linbit:drbd on the same fake DRBD.

Both agents run against the fake two-node drbd-utils of tests/fake-tools/drbd (node1 Primary,
node2 Secondary, Connected, UpToDate/UpToDate), as recurring monitors under Pacemaker-like
environments with promotion scores going to the fake crm_attribute. N monitors of each agent
run interleaved (same machine noise); reported: median wall time, median CPU time (user+sys of
the agent and all its children, from wait4), and the programs one call executes (strace:
successful execs in its process tree minus the agent's own; bench/benchlib.py), with their names.

ocf:linbit:drbd tests `-f /proc/drbd`, which no fake can provide without a DRBD module; the
benchmark runs a copy whose only change is that path (-> $OCFKIT_DRBD_PROC, the fake's file).
Everything else, including crm_master and drbd.shellfuncs.sh, is the installed drbd-utils 9.22.
Needs root (a private UTS namespace gives the host name node1 that DRBD's config names) and strace.

usage: monitor_bench.py --agent PATH [-n N] [--kernel 8.4|9|both] [--reference PATH]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from benchlib import Run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKES = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "fake-tools", "drbd"))


def fake(state, *args, node=None):
    env = dict(os.environ, DRBD_FAKE_STATE=state)
    if node:
        env["DRBD_FAKE_NODE"] = node
    subprocess.run(list(args), env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def reference_copy(reference, workdir):
    refdir = os.path.join(workdir, "linbit")
    os.makedirs(refdir)
    with open(reference) as f:
        text = f.read()
    patched = text.replace("test -f /proc/drbd", 'test -f "$OCFKIT_DRBD_PROC"')
    if patched == text:
        sys.exit("cannot find 'test -f /proc/drbd' in %s" % reference)
    path = os.path.join(refdir, "drbd")
    with open(path, "w") as f:
        f.write(patched)
    os.chmod(path, 0o755)
    shutil.copy(os.path.join(os.path.dirname(reference), "drbd.shellfuncs.sh"), refdir)
    return path


def bench_kernel(kernel, args, workdir, reference):
    state = os.path.join(workdir, "fake-" + kernel)
    os.makedirs(state)
    ctl = os.path.join(FAKES, "drbd-fake")
    fake(state, ctl, "init", "--kernel", kernel, "--nodes", "node1 node2")
    fake(state, ctl, "up", "node1")
    fake(state, ctl, "up", "node2")
    fake(state, os.path.join(FAKES, "drbdadm"), "primary", "r0", node="node1")
    env = {
        "PATH": FAKES + ":/usr/sbin:/usr/bin:/sbin:/bin",
        "DRBD_FAKE_STATE": state,
        "OCF_ROOT": "/usr/lib/ocf",
        "OCF_RESOURCE_INSTANCE": "drbd-r0",
        "OCF_RESKEY_drbd_resource": "r0",
        "OCF_RESKEY_drbdconf": os.path.join(state, "drbd.conf"),
        "OCF_RESKEY_CRM_meta_clone_max": "2",
        "OCF_RESKEY_CRM_meta_clone_node_max": "1",
        "OCF_RESKEY_CRM_meta_promotable": "true",
        "OCF_RESKEY_CRM_meta_promoted_max": "2",
        "OCF_RESKEY_CRM_meta_master_max": "2",
        "OCF_RESKEY_CRM_meta_promoted_node_max": "1",
        "OCF_RESKEY_CRM_meta_master_node_max": "1",
        "OCF_RESKEY_CRM_meta_notify": "true",
        "OCF_RESKEY_CRM_meta_interval": "10000",
        "OCF_RESKEY_CRM_meta_timeout": "20000",
        "OCF_RESKEY_CRM_meta_on_node": "node1",
        "OCFKIT_DRBD_PROC": os.path.join(state, "node1", "proc"),
        "OCFKIT_RUN_DIR": os.path.join(workdir, "run-" + kernel),
        "OCFKIT_COROSYNC_STATE": os.path.join(workdir, "corosync"),
        "OCFKIT_CLUSTER": "pacemaker",
    }
    runs = [Run("drbd-dual", [args.agent, "monitor"], env), Run("linbit:drbd", [reference, "monitor"], env)]
    benchlib.healthy(runs, want=8, calls=2)  # warm up: minors cache, score written once
    samples = benchlib.interleaved(runs, args.n, want=8)
    return [(r.name, benchlib.median_ms(samples[r.name].walls), benchlib.median_ms(samples[r.name].cpus),
             [os.path.basename(p) for p in benchlib.programs(r.argv, r.env, workdir)]) for r in runs]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--agent", required=True)
    p.add_argument("-n", type=int, default=40)
    p.add_argument("--kernel", default="both", choices=["8.4", "9", "both"])
    p.add_argument("--reference", default="/usr/lib/ocf/resource.d/linbit/drbd")
    args = p.parse_args()
    args.agent = os.path.abspath(args.agent)
    benchlib.require(root_for="a UTS namespace named node1", programs=["strace", "unshare"])
    if os.environ.get("DRBD_BENCH_NS") != "1":
        os.execvp("unshare", ["unshare", "-u", "env", "DRBD_BENCH_NS=1", sys.executable,
                              os.path.abspath(__file__)] + sys.argv[1:])
    socket.sethostname("node1")
    workdir = tempfile.mkdtemp(prefix="drbd-dual-bench-")
    try:
        reference = reference_copy(args.reference, workdir)
        load = benchlib.load_average()
        print("| kernel | agent | wall (median) | CPU (median) | programs per monitor |")
        print("|---|---|---|---|---|")
        for kernel in (["8.4", "9"] if args.kernel == "both" else [args.kernel]):
            rows = bench_kernel(kernel, args, workdir, reference)
            for name, wall, cpu, progs in rows:
                print("| %s | %s | %.2f ms | %.2f ms | %d (%s) |" % (
                    kernel, name, wall, cpu, len(progs), ", ".join(progs) if progs else "none"))
            print("| %s | ratio | %.1fx | %.1fx | |" % (kernel, benchlib.ratio(rows[1][1], rows[0][1]),
                                                   benchlib.ratio(rows[1][2], rows[0][2])))
        print("\nn=%d per agent per kernel, load average %.1f at start" % (args.n, load))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
