#!/usr/bin/env python3
"""Healthy depth-0 monitor: ocf:custom:gfs2fs against ocf:heartbeat:Filesystem on the same mount.

Makes one loop device with ext4, mounts it once, then runs N monitors of each agent interleaved
(so both see the same machine noise) and reports the median wall time, the median CPU time
(user+sys of the agent and all its children, from wait4) and the programs each call executes
(strace: successful execs in its process tree minus the agent's own; bench/benchlib.py).
Needs root and strace.

usage: monitor_bench.py [--agent PATH] [-n N] [--reference PATH]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from benchlib import Run  # noqa: E402


def sh(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_agent = os.path.join(os.environ.get("OCFKIT_BUILD_ROOT", os.path.join(here, "../../build")),
                                 "agents/gfs2fs/gfs2fs")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agent", default=default_agent)
    ap.add_argument("--reference", default="/usr/lib/ocf/resource.d/heartbeat/Filesystem")
    ap.add_argument("-n", type=int, default=40, help="monitors per agent (default 40)")
    args = ap.parse_args()
    benchlib.require(root_for="loop device, mount", programs=["strace"])
    agent = os.path.abspath(args.agent)

    work = tempfile.mkdtemp(prefix="ocfkit-bench-gfs2fs-", dir="/run")
    img, mnt, loop = os.path.join(work, "img"), os.path.join(work, "m"), None
    try:
        with open(img, "wb") as f:
            f.truncate(64 << 20)
        loop = sh("losetup", "-f", "--show", img)
        sh("mkfs.ext4", "-q", loop)
        os.mkdir(mnt)
        sh("mount", "-t", "ext4", loop, mnt)

        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "benchfs",
            "OCF_RESKEY_device": loop,
            "OCF_RESKEY_directory": mnt,
            "OCF_RESKEY_fstype": "ext4",
            "OCF_RESKEY_CRM_meta_interval": "20000",
            "OCF_RESKEY_CRM_meta_timeout": "40000",
            "OCF_CHECK_LEVEL": "0",
        }
        runs = [Run("ocf:custom:gfs2fs", [agent, "monitor"], env),
                Run("ocf:heartbeat:Filesystem", [args.reference, "monitor"], env)]
        benchlib.healthy(runs)  # both must see a healthy mount
        samples = benchlib.interleaved(runs, args.n)
        rows = [(r.name, benchlib.median_ms(samples[r.name].walls), benchlib.median_ms(samples[r.name].cpus),
                 len(benchlib.programs(r.argv, r.env, work))) for r in runs]
        benchlib.print_table(f"healthy depth-0 monitor, ext4 on {loop}, {args.n} calls each, interleaved; "
                             f"{os.cpu_count()} CPUs, load {benchlib.load_average():.2f}", rows)
        ours, ref = rows
        print(f"Filesystem / gfs2fs: wall {benchlib.ratio(ref[1], ours[1]):.1f}x, "
              f"CPU {benchlib.ratio(ref[2], ours[2]):.1f}x")
    finally:
        subprocess.run(["umount", mnt], capture_output=True)
        if loop:
            subprocess.run(["losetup", "-d", loop], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
