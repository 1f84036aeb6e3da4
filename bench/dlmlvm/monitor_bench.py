#!/usr/bin/env python3
"""Healthy recurring monitors of controld and clvm against the references, on the fake setup.

Starts the fake dlm_controld and lvmlockd of tests/fake-tools/dlmlvm under a scratch host root,
starts the lockspace of VG vgcl and activates it (fake device-mapper), then runs N monitors of

  ocf:custom:controld    vs  ocf:pacemaker:controld
  ocf:custom:clvm        vs  ocf:heartbeat:lvmlockd   (which checks only the pidfile)

interleaved, and reports the median wall time, the median CPU time (user+sys of the agent and
its children, from wait4) and the programs each call executes (strace: successful execs in its
process tree minus the agent's own, a fake tool counted once; bench/benchlib.py). Both sides call the same fake dlm_tool/lvmlockctl, so
an exec costs both the same. Needs strace for the program counts.

usage: monitor_bench.py [--build DIR] [-n N]
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from benchlib import Run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "../.."))
FAKES = os.path.join(SOURCE, "tests/fake-tools/dlmlvm")


def count_programs(run, workdir):
    """Programs one call runs; a fake tool counts once and whatever the fake script runs inside
    does not (a real tool would not run those). -1 without strace."""
    if not shutil.which("strace"):
        return -1
    return len(benchlib.programs(run.argv, run.env, workdir, opaque_dirs=[FAKES]))


def wait_for(path, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path):
            return
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {path}")


def scratch_host(root):
    """A host root for the fake DLM/LVM tools (cluster name, lvm.conf for lvmlockd) and the
    environment that points the agents and the fakes at it."""
    for d in ("run", "sys/kernel/config/dlm/cluster", "dev/misc", "fake", "lvm"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    with open(os.path.join(root, "sys/kernel/config/dlm/cluster/cluster_name"), "w") as f:
        f.write("hacl\n")
    shutil.copy(os.path.join(SOURCE, "tests/data/lvm-config/conf/lvmlockd-good/lvm.conf"),
                os.path.join(root, "lvm/lvm.conf"))
    return {
        "PATH": f"{FAKES}:/usr/sbin:/usr/bin:/sbin:/bin",
        "OCFKIT_HOST_ROOT": root,
        "OCFKIT_CLUSTER": "standalone",
        "LVM_SYSTEM_DIR": os.path.join(root, "lvm"),
        "OCF_ROOT": "/usr/lib/ocf",
        "OCF_RESOURCE_INSTANCE": "bench",
    }


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
        env = dict(scratch_host(root), OCF_RESKEY_CRM_meta_interval="30000", OCF_RESKEY_CRM_meta_timeout="20000")
        pidfile = os.path.join(root, "run/lvmlockd.pid")
        subprocess.run([os.path.join(FAKES, "dlm_controld"), "-s", "0"], env=env, check=True)
        wait_for(os.path.join(root, "fake/dlm_controld.ready"))
        subprocess.run([os.path.join(FAKES, "lvmlockd"), "-p", pidfile, "-g", "dlm", "-A", "1"], env=env, check=True)
        wait_for(os.path.join(root, "fake/lvmlockd.ready"))
        subprocess.run([os.path.join(FAKES, "vgchange"), "--lock-start", "vgcl"], env=env, check=True)
        subprocess.run([os.path.join(FAKES, "vgchange"), "-asy", "vgcl"], env=env, check=True)

        clvm_env = dict(env, OCF_RESKEY_volgrpname="vgcl")
        ref_lockd_env = dict(env, OCF_RESKEY_pidfile=pidfile)
        runs = [
            Run("ocf:custom:controld", [os.path.join(build, "agents/controld/controld"), "monitor"], env),
            Run("ocf:pacemaker:controld", ["/usr/lib/ocf/resource.d/pacemaker/controld", "monitor"], env),
            Run("ocf:custom:clvm", [os.path.join(build, "agents/clvm/clvm"), "monitor"], clvm_env),
            Run("ocf:heartbeat:lvmlockd", ["/usr/lib/ocf/resource.d/heartbeat/lvmlockd", "monitor"], ref_lockd_env),
        ]
        benchlib.healthy(runs)
        samples = benchlib.interleaved(runs, args.n)
        rows = [(r.name, benchlib.median_ms(samples[r.name].walls), benchlib.median_ms(samples[r.name].cpus),
                 count_programs(r, work)) for r in runs]
        benchlib.print_table(f"healthy recurring monitor on the fake setup, {args.n} calls each, interleaved; "
                             f"{os.cpu_count()} CPUs, load {benchlib.load_average():.2f}", rows, name_width=24)
    finally:
        kill_host(root)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
