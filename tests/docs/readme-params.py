#!/usr/bin/env python3
"""Every parameter an agent's meta-data declares is named in that agent's README, in backticks
(`name` or `name=value`), so a new parameter cannot ship undocumented.

readme-params.py SOURCE_ROOT NAME=AGENT_EXE..."""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

root = sys.argv[1]
failed = 0
for arg in sys.argv[2:]:
    name, exe = arg.split("=", 1)
    xml = subprocess.run([exe, "meta-data"], capture_output=True, text=True, timeout=30, check=True).stdout
    params = [p.get("name") for p in ET.fromstring(xml).iter("parameter")]
    readme_path = f"{root}/agents/{name}/README.md"
    readme = open(readme_path, encoding="utf-8").read()
    missing = [p for p in params if not re.search(r"`" + re.escape(p) + r"(`|=)", readme)]
    if not params:
        print(f"not ok - {name}: meta-data declares no parameter")
        failed += 1
    elif missing:
        print(f"not ok - {name}: {readme_path} does not name {', '.join(missing)}")
        failed += 1
    else:
        print(f"ok - {name}: all {len(params)} parameters in {readme_path}")
sys.exit(1 if failed else 0)
