#!/usr/bin/env python3
"""Healthy depth-0 monitor: ocf:custom:gfs2fs against ocf:heartbeat:Filesystem on the same mount.

Makes one loop device with ext4, mounts it once, then runs N monitors of each agent interleaved
(so both see the same machine noise) and reports the median wall time, the median CPU time
(user+sys of the agent and all its children, from wait4) and the programs each call executes
(strace -f -e trace=execve, successful calls minus the agent's own exec). Needs root and strace.

usage: monitor_bench.py [--agent PATH] [-n N] [--reference PATH]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def sh(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def timed_run(argv, env):
    """Returns (exit code, wall seconds, cpu seconds) of one run."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime


def count_execs(argv, env, workdir):
    """Programs a call executes: successful execve in the whole process tree, minus its own."""
    tracedir = tempfile.mkdtemp(dir=workdir)
    prefix = os.path.join(tracedir, "t")
    # -ff: one file per process, so no call is split into "unfinished ... resumed" halves.
    subprocess.run(["strace", "-ff", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o", prefix] + argv,
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    ok = 0
    for name in os.listdir(tracedir):
        with open(os.path.join(tracedir, name)) as f:
            for line in f:
                if line.startswith("execve(") and line.rstrip().endswith("= 0"):
                    ok += 1
    shutil.rmtree(tracedir, ignore_errors=True)
    return ok - 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_agent = os.path.join(os.environ.get("OCFKIT_BUILD_ROOT", os.path.join(here, "../../build")),
                                 "agents/gfs2fs/gfs2fs")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agent", default=default_agent)
    ap.add_argument("--reference", default="/usr/lib/ocf/resource.d/heartbeat/Filesystem")
    ap.add_argument("-n", type=int, default=40, help="monitors per agent (default 40)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (loop device, mount)")
    if not shutil.which("strace"):
        sys.exit("needs strace")
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
        agents = [("ocf:custom:gfs2fs", [agent, "monitor"]),
                  ("ocf:heartbeat:Filesystem", [args.reference, "monitor"])]
        for name, argv in agents:  # both must see a healthy mount
            rc, _, _ = timed_run(argv, env)
            if rc != 0:
                sys.exit(f"{name} monitor returned {rc} on the healthy mount")
        samples = {name: ([], []) for name, _ in agents}
        for _ in range(args.n):
            for name, argv in agents:
                rc, wall, cpu = timed_run(argv, env)
                if rc != 0:
                    sys.exit(f"{name} monitor returned {rc}")
                samples[name][0].append(wall)
                samples[name][1].append(cpu)
        execs = {name: count_execs(argv, env, work) for name, argv in agents}

        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        print(f"healthy depth-0 monitor, ext4 on {loop}, {args.n} calls each, interleaved; "
              f"{os.cpu_count()} CPUs, load {load}")
        print(f"{'agent':<26} {'median wall ms':>15} {'median CPU ms':>14} {'programs/call':>14}")
        med = {}
        for name, _ in agents:
            wall = statistics.median(samples[name][0]) * 1000
            cpu = statistics.median(samples[name][1]) * 1000
            med[name] = (wall, cpu)
            print(f"{name:<26} {wall:>15.2f} {cpu:>14.2f} {execs[name]:>14d}")
        ours, ref = med["ocf:custom:gfs2fs"], med["ocf:heartbeat:Filesystem"]
        print(f"Filesystem / gfs2fs: wall {ref[0] / ours[0]:.1f}x, CPU "
              f"{(ref[1] / ours[1]) if ours[1] > 0 else float('inf'):.1f}x")
    finally:
        subprocess.run(["umount", mnt], capture_output=True)
        if loop:
            subprocess.run(["losetup", "-d", loop], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
