#!/usr/bin/env python3
"""Prints libvirt's shared-library closure as linker arguments, most-bound-to first.

Every libvirt client pays, before main(), for ~18 000 symbol relocations (all its libraries are
linked BIND_NOW), and each lookup walks the global scope in load order until it finds the
defining library. The agent lists the libraries as its own DT_NEEDED in the order of how many
bindings go to each (libcrypto, libvirt, libc, ... first): a third fewer loader instructions,
the same bindings (tests/agents/virtdomain `vd-link` compares them with a default link).

usage: link_order.py LIBDIR/libvirt.so.0  ->  "-l:libcrypto.so.3 -l:libvirt.so.0 ..." (nothing
when anything is unexpected: the build then links as usual)
"""
import collections
import os
import re
import subprocess
import sys


def closure(lib):
    """sonames ldd lists for lib (libvirt itself included), in ldd's order."""
    out = subprocess.run(["ldd", lib], capture_output=True, text=True, timeout=30, check=True).stdout
    names = [os.path.basename(lib)]
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+\S+", line)
        if m and m.group(1) not in names:
            names.append(m.group(1))
    return names


def binding_counts(lib):
    """How many symbol bindings go to each library when lib is loaded (python3 + ctypes)."""
    env = dict(os.environ, LD_DEBUG="bindings")
    run = subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({lib!r})"], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    counts = collections.Counter()
    for line in run.stderr.splitlines():
        m = re.search(r"binding file \S+ \[\d+\] to (\S+) \[\d+\]", line)
        if m:
            counts[os.path.basename(m.group(1))] += 1
    return counts


def main():
    lib = sys.argv[1]
    try:
        names = closure(lib)
        counts = binding_counts(lib)
    except (OSError, subprocess.SubprocessError):
        return
    # The loader itself stays where the linker puts it.
    names = [n for n in names if not n.startswith("ld-linux")]
    if len(names) < 2 or not counts:
        return
    ordered = sorted(names, key=lambda n: -counts.get(n, 0))  # stable: ties keep ldd's order
    print(" ".join(f"-l:{n}" for n in ordered))


if __name__ == "__main__":
    main()
