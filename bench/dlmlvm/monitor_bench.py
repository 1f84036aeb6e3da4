#!/usr/bin/env python3
"""Healthy recurring monitors of controld and clvm against the references, on the fake setup.

Starts the fake dlm_controld and lvmlockd of tests/fake-tools/dlmlvm under a scratch host root,
starts the lockspace of VG vgcl and activates it (fake device-mapper), then runs N monitors of

  ocf:custom:controld    vs  ocf:pacemaker:controld
  ocf:custom:clvm        vs  ocf:heartbeat:lvmlockd   (which checks only the pidfile)

interleaved, and reports the median wall time, the median CPU time (user+sys of the agent and
its children, from wait4) and the programs each call executes (strace -ff -e trace=execve:
successful execs minus the agent's own). Both sides call the same fake dlm_tool/lvmlockctl, so
an exec costs both the same. Needs strace for the program counts.

usage: monitor_bench.py [--build DIR] [-n N]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "../.."))
FAKES = os.path.join(SOURCE, "tests/fake-tools/dlmlvm")


def timed_run(argv, env):
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, ru.ru_utime + ru.ru_stime


def count_execs(argv, env, workdir):
    """Programs one call runs: successful execs in the agent's process tree, minus its own, where a
    fake tool counts once and whatever the fake script runs inside does not (a real tool would
    not run those)."""
    if not shutil.which("strace"):
        return -1
    tracedir = tempfile.mkdtemp(dir=workdir)
    subprocess.run(["strace", "-ff", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-e", "signal=none",
                    "-o", os.path.join(tracedir, "t")] + argv, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    events = {}  # pid -> [("exec", path) | ("child", pid)] in order
    for name in os.listdir(tracedir):
        pid = int(name.rsplit(".", 1)[1])
        evs = events.setdefault(pid, [])
        with open(os.path.join(tracedir, name)) as f:
            for line in f:
                line = line.rstrip()
                if line.startswith("execve(") and line.endswith("= 0"):
                    evs.append(("exec", line.split('"')[1]))
                elif line.startswith(("clone(", "clone3(", "fork(", "vfork(")):
                    ret = line.rsplit("=", 1)[-1].strip().split()[0]
                    if ret.isdigit():
                        evs.append(("child", int(ret)))
    shutil.rmtree(tracedir, ignore_errors=True)
    children = {c for evs in events.values() for kind, c in evs if kind == "child"}
    roots = [p for p in events if p not in children]
    count = 0

    def walk(pid, inside_fake):
        nonlocal count
        for kind, value in events.get(pid, []):
            if kind == "exec":
                if not inside_fake:
                    count += 1
                if value.startswith(FAKES + "/"):
                    inside_fake = True
            else:
                walk(value, inside_fake)

    for r in roots:
        walk(r, False)
    return count - 1


def wait_for(path, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            return
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {path}")


def kill_host(root):
    marker = f"OCFKIT_HOST_ROOT={root}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("OCFKIT_BUILD_ROOT", os.path.join(SOURCE, "build")))
    ap.add_argument("-n", type=int, default=40, help="monitors per agent (default 40)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    work = tempfile.mkdtemp(prefix="ocfkit-bench-dlmlvm-")
    root = os.path.join(work, "host")
    try:
        for d in ("run", "sys/kernel/config/dlm/cluster", "dev/misc", "fake", "lvm"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        with open(os.path.join(root, "sys/kernel/config/dlm/cluster/cluster_name"), "w") as f:
            f.write("hacl\n")
        shutil.copy(os.path.join(SOURCE, "tests/data/lvm-config/conf/lvmlockd-good/lvm.conf"),
                    os.path.join(root, "lvm/lvm.conf"))
        env = {
            "PATH": f"{FAKES}:/usr/sbin:/usr/bin:/sbin:/bin",
            "OCFKIT_HOST_ROOT": root,
            "OCFKIT_CLUSTER": "standalone",
            "LVM_SYSTEM_DIR": os.path.join(root, "lvm"),
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RESOURCE_INSTANCE": "bench",
            "OCF_RESKEY_CRM_meta_interval": "30000",
            "OCF_RESKEY_CRM_meta_timeout": "20000",
        }
        pidfile = os.path.join(root, "run/lvmlockd.pid")
        subprocess.run([os.path.join(FAKES, "dlm_controld"), "-s", "0"], env=env, check=True)
        wait_for(os.path.join(root, "fake/dlm_controld.ready"))
        subprocess.run([os.path.join(FAKES, "lvmlockd"), "-p", pidfile, "-g", "dlm", "-A", "1"], env=env, check=True)
        wait_for(os.path.join(root, "fake/lvmlockd.ready"))
        subprocess.run([os.path.join(FAKES, "vgchange"), "--lock-start", "vgcl"], env=env, check=True)
        subprocess.run([os.path.join(FAKES, "vgchange"), "-asy", "vgcl"], env=env, check=True)

        clvm_env = dict(env, OCF_RESKEY_volgrpname="vgcl")
        ref_lockd_env = dict(env, OCF_RESKEY_pidfile=pidfile)
        pairs = [
            ("ocf:custom:controld", [os.path.join(build, "agents/controld/controld"), "monitor"], env),
            ("ocf:pacemaker:controld", ["/usr/lib/ocf/resource.d/pacemaker/controld", "monitor"], env),
            ("ocf:custom:clvm", [os.path.join(build, "agents/clvm/clvm"), "monitor"], clvm_env),
            ("ocf:heartbeat:lvmlockd", ["/usr/lib/ocf/resource.d/heartbeat/lvmlockd", "monitor"], ref_lockd_env),
        ]
        for name, argv, e in pairs:
            rc, _, _ = timed_run(argv, e)
            if rc != 0:
                sys.exit(f"{name} monitor returned {rc} on the healthy fake setup")
        samples = {name: ([], []) for name, _, _ in pairs}
        for _ in range(args.n):
            for name, argv, e in pairs:
                rc, wall, cpu = timed_run(argv, e)
                if rc != 0:
                    sys.exit(f"{name} monitor returned {rc}")
                samples[name][0].append(wall)
                samples[name][1].append(cpu)
        execs = {name: count_execs(argv, e, work) for name, argv, e in pairs}
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        print(f"healthy recurring monitor on the fake setup, {args.n} calls each, interleaved; "
              f"{os.cpu_count()} CPUs, load {load}")
        print(f"{'agent':<24} {'median wall ms':>15} {'median CPU ms':>14} {'programs/call':>14}")
        for name, _, _ in pairs:
            wall = statistics.median(samples[name][0]) * 1000
            cpu = statistics.median(samples[name][1]) * 1000
            print(f"{name:<24} {wall:>15.2f} {cpu:>14.2f} {execs[name]:>14d}")
    finally:
        kill_host(root)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
