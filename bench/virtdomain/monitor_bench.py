#!/usr/bin/env python3
"""Healthy monitor: ocf:custom:virtdomain against ocf:heartbeat:VirtualDomain on the same guest.

Starts one diskless firmware-only TCG guest (tests/data/virtdomain/firmware-guest.xml.in) on the
shared test libvirtd (tests/lib/libvirtd.sh; started and stopped again if it was not running),
then runs N recurring monitors of each agent against that same running guest, interleaved so
both see the same machine noise, and reports the median wall time, the median CPU time
(user+sys of the agent and all its children, from wait4; libvirtd's own work is not counted for
either) and the programs each call executes (strace -ff -e trace=execve: successful calls minus
the agent's own exec). Needs root, libvirtd, qemu and strace.

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

NAME = "ocfkit-test-bench"


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
    subprocess.run(["strace", "-ff", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o", prefix] + argv,
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    ok, programs = 0, []
    for name in os.listdir(tracedir):
        with open(os.path.join(tracedir, name)) as f:
            for line in f:
                if line.startswith("execve(") and line.rstrip().endswith("= 0"):
                    ok += 1
                    programs.append(os.path.basename(line.split('"')[1]))
    shutil.rmtree(tracedir, ignore_errors=True)
    return ok - 1, programs


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", "qemu:///system"] + list(args), capture_output=True, text=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source_root = os.path.abspath(os.path.join(here, "../.."))
    default_agent = os.path.join(os.environ.get("OCFKIT_BUILD_ROOT", os.path.join(source_root, "build")),
                                 "agents/virtdomain/virtdomain")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agent", default=default_agent)
    ap.add_argument("--reference", default="/usr/lib/ocf/resource.d/heartbeat/VirtualDomain")
    ap.add_argument("-n", type=int, default=30, help="monitors per agent (default 30)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (libvirtd, qemu)")
    if not shutil.which("strace"):
        sys.exit("needs strace")
    agent = os.path.abspath(args.agent)
    libvirtd_sh = os.path.join(source_root, "tests/lib/libvirtd.sh")

    started_libvirtd = subprocess.run(["bash", libvirtd_sh, "status"], capture_output=True).returncode != 0
    if started_libvirtd:
        subprocess.run(["bash", libvirtd_sh, "up"], check=True)
    work = tempfile.mkdtemp(prefix="ocfkit-bench-virtdomain-", dir="/var/tmp")
    os.chmod(work, 0o755)
    try:
        with open(os.path.join(source_root, "tests/data/virtdomain/firmware-guest.xml.in")) as f:
            xml = f.read().replace("@NAME@", NAME)
        config = os.path.join(work, NAME + ".xml")
        with open(config, "w") as f:
            f.write(xml)
        os.makedirs(os.path.join(work, "rsctmp"))
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "benchvm",
            "HA_RSCTMP": os.path.join(work, "rsctmp"),
            "OCF_RESKEY_config": config,
            "OCF_RESKEY_hypervisor": "qemu:///system",
            "OCF_RESKEY_CRM_meta_interval": "10000",
            "OCF_RESKEY_CRM_meta_timeout": "30000",
        }
        virsh("destroy", NAME)
        rc, wall, _ = timed_run([agent, "start"], env)
        if rc != 0:
            sys.exit(f"virtdomain start returned {rc}")
        agents = [("ocf:custom:virtdomain", [agent, "monitor"]),
                  ("ocf:heartbeat:VirtualDomain", [args.reference, "monitor"])]
        for name, argv in agents:  # both must see the running guest
            rc, _, _ = timed_run(argv, env)
            if rc != 0:
                sys.exit(f"{name} monitor returned {rc} on the running guest")
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
        print(f"healthy recurring monitor of one running TCG guest ({NAME}), {args.n} calls each, interleaved; "
              f"{os.cpu_count()} CPUs, load {load}")
        print(f"{'agent':<30} {'median wall ms':>15} {'median CPU ms':>14} {'programs/call':>14}")
        med = {}
        for name, _ in agents:
            w = statistics.median(samples[name][0]) * 1000
            c = statistics.median(samples[name][1]) * 1000
            med[name] = (w, c)
            print(f"{name:<30} {w:>15.2f} {c:>14.2f} {execs[name][0]:>14d}")
        ours, ref = med["ocf:custom:virtdomain"], med["ocf:heartbeat:VirtualDomain"]
        print(f"VirtualDomain / virtdomain: wall {ref[0] / ours[0]:.1f}x, CPU "
              f"{(ref[1] / ours[1]) if ours[1] > 0 else float('inf'):.1f}x")
        ref_programs = sorted(p for p in execs["ocf:heartbeat:VirtualDomain"][1][1:])
        print("VirtualDomain runs: " + ", ".join(f"{p} x{ref_programs.count(p)}" for p in sorted(set(ref_programs))))
    finally:
        env_stop = dict(env, OCF_RESKEY_force_stop="true") if "env" in locals() else None
        if env_stop:
            timed_run([agent, "stop"], env_stop)
        virsh("destroy", NAME)
        shutil.rmtree(work, ignore_errors=True)
        if started_libvirtd:
            subprocess.run(["bash", libvirtd_sh, "down"], capture_output=True)


if __name__ == "__main__":
    main()
