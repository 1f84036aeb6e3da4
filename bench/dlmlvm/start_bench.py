#!/usr/bin/env python3
"""clvm start (lvmlockd launched, VG lockspace started, LVs activated) on the fake setup, for
one or more builds of the agent side by side.

Starts the fake dlm_controld of tests/fake-tools/dlmlvm under a scratch host root, then runs N
start/stop cycles of each given clvm executable, interleaved, and reports the median wall time
of start and the programs one start runs (without the launcher's `lvmlockctl -i` questions
asked before the fake lvmlockd listens: how many depends on timing). Programs are counted from the fakes' own call log
(every tool clvm runs here is a fake or, for lvmconfig, a recording wrapper around the real
one), not with strace: strace would wait for the daemon start leaves running.

usage: start_bench.py [-n N] NAME=CLVM_EXECUTABLE [NAME=CLVM_EXECUTABLE ...]
"""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402
from monitor_bench import FAKES, kill_host, scratch_host, wait_for  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10, help="start/stop cycles per executable (default 10)")
    ap.add_argument("agents", nargs="+", metavar="NAME=CLVM_EXECUTABLE")
    args = ap.parse_args()
    agents = [a.split("=", 1) for a in args.agents]

    work = tempfile.mkdtemp(prefix="ocfkit-bench-clvm-start-")
    root = os.path.join(work, "host")
    try:
        env = dict(scratch_host(root), OCF_RESKEY_CRM_meta_timeout="60000", OCF_RESKEY_volgrpname="vgcl")
        subprocess.run([os.path.join(FAKES, "dlm_controld"), "-s", "0"], env=env, check=True)
        wait_for(os.path.join(root, "fake/dlm_controld.ready"))
        calls_log = os.path.join(root, "fake/calls.log")
        answered_log = os.path.join(root, "fake/lvmlockctl.answered")
        walls = {name: [] for name, _ in agents}
        counts = {name: collections.Counter() for name, _ in agents}
        for _ in range(args.n):
            for name, exe in agents:
                for log in (calls_log, answered_log):
                    open(log, "w").close()
                rc, wall, _cpu = benchlib.timed_run([exe, "start"], env)
                if rc != 0:
                    sys.exit(f"{name} start returned {rc}")
                with open(calls_log) as f:
                    lines = [line.split() for line in f if line.strip()]
                with open(answered_log) as f:
                    answered = {int(n) for n in f.read().split()}
                for i, words in enumerate(lines, 1):
                    what = " ".join(words[:2])
                    # The launcher's questions before lvmlockd listens depend on timing, not on
                    # the agent: counted apart.
                    if what == "lvmlockctl -i" and i not in answered:
                        what += " (not yet ready)"
                    counts[name][what] += 1
                walls[name].append(wall)
                rc, _wall, _cpu = benchlib.timed_run([exe, "stop"], env)
                if rc != 0:
                    sys.exit(f"{name} stop returned {rc}")
        print(f"clvm start on the fake setup, {args.n} start/stop cycles each, interleaved; "
              f"{os.cpu_count()} CPUs, load {benchlib.load_average():.2f}")
        for name, _ in agents:
            c = counts[name]
            programs = sum(n for what, n in c.items() if "not yet" not in what) / args.n
            what = ", ".join(f"{p} x{n / args.n:.2g}" for p, n in c.items())
            print(f"  {name:8} start {benchlib.median_ms(walls[name]):7.1f} ms  programs per start {programs:g} "
                  f"(+ questions before lvmlockd listened): {what}")
    finally:
        kill_host(root)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
