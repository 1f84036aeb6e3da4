#!/usr/bin/env python3
"""The agent's reordered DT_NEEDED list must not change a single symbol binding.

usage: compare-bindings.py AGENT DEFAULT_LINKED_AGENT
Runs `meta-data` of both with LD_DEBUG=bindings (the loader binds everything before main(): all
of libvirt's libraries are BIND_NOW) and compares the sets of (object, symbol, defining object).
Also prints both objects' global scope lengths and binding counts.
"""
import os
import re
import subprocess
import sys

PATTERN = re.compile(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: (\S+) symbol `([^']+)'")


def bindings(exe):
    env = dict(os.environ, LD_DEBUG="bindings")
    run = subprocess.run([exe, "meta-data"], env=env, capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        sys.exit(f"{exe} meta-data exited {run.returncode}")
    name = os.path.basename(exe)
    out = set()
    for line in run.stderr.splitlines():
        m = PATTERN.search(line)
        if m:
            src, dst, kind, sym = m.groups()
            src, dst = os.path.basename(src), os.path.basename(dst)
            out.add(("EXE" if src == name else src, kind, sym, "EXE" if dst == name else dst))
    return out


def main():
    ours, default = bindings(sys.argv[1]), bindings(sys.argv[2])
    print(f"bindings: {len(ours)} with the agent's link order, {len(default)} with the default one")
    if not ours:
        sys.exit("no bindings seen (LD_DEBUG ignored?)")
    only_ours, only_default = sorted(ours - default), sorted(default - ours)
    for b in only_ours[:20]:
        print("only with the agent's order:", b)
    for b in only_default[:20]:
        print("only with the default order:", b)
    sys.exit(1 if only_ours or only_default else 0)


if __name__ == "__main__":
    main()
