#!/usr/bin/env python3
"""Counts meson test results from testlog JSON files and prints 'N passed, N failed'.

A missing log (a phase that never ran) counts as a failure, and no test at all is not a pass.
`--prefix P` before some logs names their tests P<name> (the Debian 13 tier's, for example)."""
import json
import sys

passed = failed = skipped = 0
failures = []
prefix = ""
args = iter(sys.argv[1:])
for path in args:
    if path == "--prefix":
        prefix = next(args, "")
        continue
    try:
        with open(path, encoding="utf-8") as f:
            lines = [l for l in f if l.strip()]
    except OSError:
        failed += 1
        failures.append(f"{prefix}{path}: no results (the phase did not run)")
        continue
    for line in lines:
        entry = json.loads(line)
        result = entry.get("result", "ERROR")
        name = prefix + entry.get("name", "?")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append(f"{name}: {result}")

for f in failures:
    print(f"failed: {f}")
if passed == 0 and failed == 0:
    failed = 1
    print("failed: no test ran")
if skipped:
    print(f"skipped: {skipped} (counted as neither)")
# The last line, exactly as CI reads it.
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
