#!/usr/bin/env python3
"""Healthy monitor: ocf:custom:virtdomain against ocf:heartbeat:VirtualDomain on the same guest.

Starts one diskless firmware-only TCG guest (tests/data/virtdomain/firmware-guest.xml.in) on the
shared test libvirtd (tests/lib/libvirtd.sh; started and stopped again if it was not running),
then runs N recurring monitors of each agent against that same running guest, interleaved so
both see the same machine noise, and reports the median wall time, the median CPU time
(user+sys of the agent and all its children, from wait4; libvirtd's own work is not counted for
either) and the programs each call executes (strace -ff -e trace=execve: successful calls minus
the agent's own exec). Needs root, libvirtd, qemu and strace.

usage: monitor_bench.py [--agent PATH] [-n N] [--reference PATH] [--variant LABEL=PATH ...]

--variant adds further builds of the agent (e.g. an older commit) to the same interleaved run.
The row "virtdomain meta-data (load)" is the agent's meta-data action: it never calls libvirt,
so it costs what loading libvirt.so and its libraries costs at that moment (the floor).
With valgrind installed, one more monitor of each runs under callgrind (children traced) and its
instruction count is printed: a number the machine's load does not change.
libvirtd's own CPU time per call (from /proc/<pid>/stat over all calls) is printed for
information; it is counted for neither agent.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from benchlib import timed_run  # noqa: E402

NAME = "ocfkit-test-bench"


def libvirtd_pid(libvirtd_sh):
    out = subprocess.run(["bash", libvirtd_sh, "pid"], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


def cpu_ticks(pid):
    """utime + stime of a process in clock ticks (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


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
    ap.add_argument("--variant", action="append", default=[], metavar="LABEL=PATH",
                    help="another build of the agent to measure in the same run")
    args = ap.parse_args()
    benchlib.require(root_for="libvirtd, qemu", programs=["strace"])
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
        agents = [("ocf:custom:virtdomain", [agent, "monitor"])]
        # The floor: the same binary doing nothing with libvirt, only loading it.
        agents.append(("virtdomain meta-data (load)", [agent, "meta-data"]))
        for v in args.variant:
            label, _, path = v.partition("=")
            agents.append((label, [os.path.abspath(path), "monitor"]))
        agents.append(("ocf:heartbeat:VirtualDomain", [args.reference, "monitor"]))
        daemon_pid = libvirtd_pid(libvirtd_sh)
        for name, argv in agents:  # both must see the running guest
            rc, _, _ = timed_run(argv, env)
            if rc != 0:
                sys.exit(f"{name} monitor returned {rc} on the running guest")
        samples = {name: ([], []) for name, _ in agents}
        daemon_ticks = {name: 0 for name, _ in agents}
        for _ in range(args.n):
            for name, argv in agents:
                before = cpu_ticks(daemon_pid)
                rc, wall, cpu = timed_run(argv, env)
                daemon_ticks[name] += cpu_ticks(daemon_pid) - before
                if rc != 0:
                    sys.exit(f"{name} monitor returned {rc}")
                samples[name][0].append(wall)
                samples[name][1].append(cpu)
        execs = {name: benchlib.programs(argv, env, work) for name, argv in agents}
        instr = {name: benchlib.instructions(argv, env, work) for name, argv in agents}

        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        print(f"healthy recurring monitor of one running TCG guest ({NAME}), {args.n} calls each, interleaved; "
              f"{os.cpu_count()} CPUs, load {load}")
        print(f"{'agent':<30} {'median wall ms':>15} {'median CPU ms':>14} {'programs/call':>14} "
              f"{'libvirtd CPU ms/call':>21} {'instructions (M)':>17}")
        med = {}
        hz = os.sysconf("SC_CLK_TCK")
        for name, _ in agents:
            w = benchlib.median_ms(samples[name][0])
            c = benchlib.median_ms(samples[name][1])
            med[name] = (w, c)
            d = daemon_ticks[name] * 1000 / hz / args.n
            ins = f"{instr[name] / 1e6:.1f}" if instr[name] else "-"
            print(f"{name:<30} {w:>15.2f} {c:>14.2f} {len(execs[name]):>14d} {d:>21.2f} {ins:>17}")
        ref = med["ocf:heartbeat:VirtualDomain"]
        for name, _ in agents[:-1]:
            ours = med[name]
            ratio_ins = (f", instructions {instr['ocf:heartbeat:VirtualDomain'] / instr[name]:.1f}x"
                         if instr[name] and instr["ocf:heartbeat:VirtualDomain"] else "")
            print(f"VirtualDomain / {name}: wall {benchlib.ratio(ref[0], ours[0]):.1f}x, CPU "
                  f"{benchlib.ratio(ref[1], ours[1]):.1f}x{ratio_ins}")
        ref_programs = sorted(os.path.basename(p) for p in execs["ocf:heartbeat:VirtualDomain"])
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
