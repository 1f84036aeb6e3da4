"""Measuring code the side-by-side monitor benchmarks (bench/*/monitor_bench.py) share.

A benchmark sets up its resource, describes each agent call as a Run (name, argv, env), and
then: healthy() checks every call answers as expected, interleaved() times N calls of each in
turn (so all see the same machine noise), median_ms() reduces the samples, and programs() lists
what one call executes (strace). Wall time is the caller's clock around posix_spawn + wait4;
CPU time is user+sys of the call and all its children (wait4's rusage).

Import from a benchmark one folder down:
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import benchlib
"""
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

Run = collections.namedtuple("Run", "name argv env")
Samples = collections.namedtuple("Samples", "walls cpus")  # seconds, one entry per call


def require(root_for=None, programs=()):
    """Exits with the reason when not root (root_for: what root is needed for) or a program is missing."""
    if root_for and os.geteuid() != 0:
        sys.exit(f"needs root ({root_for})")
    for p in programs:
        if not shutil.which(p):
            sys.exit(f"needs {p}")


def timed_run(argv, env):
    """(exit code, wall seconds, CPU seconds) of one call, its output discarded."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime


def healthy(runs, want=0, calls=1, what="monitor"):
    """Runs each call `calls` times (a warm-up: caches filled, scores written); exits unless the
    last answer is `want`."""
    for r in runs:
        codes = [timed_run(r.argv, r.env)[0] for _ in range(calls)]
        if codes[-1] != want:
            sys.exit(f"{r.name} {what} returned {', then '.join(map(str, codes))}, want {want}")


def interleaved(runs, n, want=0, what="monitor"):
    """n calls of each run, in turn; {name: Samples}. Exits when a call does not answer `want`."""
    samples = {r.name: Samples([], []) for r in runs}
    for _ in range(n):
        for r in runs:
            rc, wall, cpu = timed_run(r.argv, r.env)
            if rc != want:
                sys.exit(f"{r.name} {what} returned {rc}, want {want}")
            samples[r.name].walls.append(wall)
            samples[r.name].cpus.append(cpu)
    return samples


def median_ms(seconds):
    return statistics.median(seconds) * 1000


def ratio(reference, ours):
    return reference / ours if ours > 0 else float("inf")


def load_average():
    return os.getloadavg()[0]


def programs(argv, env, workdir, opaque_dirs=()):
    """Paths of the programs one call executes (successful execve anywhere in its process tree,
    in tree order), without the call's own exec. A program under one of `opaque_dirs` (fake
    tools) counts once; what it runs itself is left out, as a real tool would not run it."""
    tracedir = tempfile.mkdtemp(dir=workdir)
    # -ff: one file per process, so no call is split into "unfinished ... resumed" halves; the
    # forks say which process started which.
    subprocess.run(["strace", "-ff", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-e", "signal=none",
                    "-o", os.path.join(tracedir, "t")] + list(argv), env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    events = {}  # pid -> [("exec", path) | ("child", pid)], in order
    for name in os.listdir(tracedir):
        evs = events.setdefault(int(name.rsplit(".", 1)[1]), [])
        with open(os.path.join(tracedir, name), errors="replace") as f:
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
    opaque = tuple(os.path.join(d, "") for d in opaque_dirs)
    found = []

    def walk(pid, inside_opaque):
        for kind, value in events.get(pid, []):
            if kind == "child":
                walk(value, inside_opaque)
                continue
            if not inside_opaque:
                found.append(value)
            if opaque and value.startswith(opaque):
                inside_opaque = True

    for root in sorted(p for p in events if p not in children):
        walk(root, False)
    return found[1:]


def instructions(argv, env, workdir):
    """Instructions one call executes in its whole process tree (valgrind's callgrind), or None
    without valgrind. Unlike time, the machine's load does not change it."""
    if not shutil.which("valgrind"):
        return None
    outdir = tempfile.mkdtemp(dir=workdir)
    run = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                          "--callgrind-out-file=" + os.path.join(outdir, "cg.%p")] + list(argv),
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    shutil.rmtree(outdir, ignore_errors=True)
    total = 0
    for line in run.stderr.splitlines():
        if "Collected :" in line:
            total += int(line.rsplit(":", 1)[1].strip())
    return total or None


def print_table(title, rows, name_width=26):
    """rows: (name, median wall ms, median CPU ms, programs per call)."""
    print(title)
    print(f"{'agent':<{name_width}} {'median wall ms':>15} {'median CPU ms':>14} {'programs/call':>14}")
    for name, wall, cpu, progs in rows:
        print(f"{name:<{name_width}} {wall:>15.2f} {cpu:>14.2f} {progs:>14d}")
