#!/usr/bin/env python3
"""Runs every pcs command of the user-facing READMEs with `pcs -f` against an empty CIB.

usage: pcs-commands.py SOURCE_ROOT [--list]

Commands come from fenced and indented code blocks (with `\\` continuation lines) and from inline
`pcs ...` code spans, in document order; each README gets a fresh CIB. Markers in a README:
  <!-- pcs-commands: after agents/drbd-dual/README.md -->  replay that README first (its resources)
  # pcs 0.11 ... / # pcs 0.12 ...   (a comment line in a code block) the lines after it, up to a
      blank line or the block's end, are only for that pcs release.
Commands pcs takes only on a live cluster: see NO_FILE.
A failure, a deprecation warning, a clone option on the resource inside the clone or no command at all in README.md fails the test.
"""
import glob, os, re, shlex, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

src = sys.argv[1]
list_only = "--list" in sys.argv[2:]


def pcs_release():
    # The one place that maps the installed pcs to the README's release tags ("0.11", "0.12").
    out = subprocess.run(["pcs", "--version"], capture_output=True, text=True).stdout.strip()
    return ".".join(out.split(".")[:2])


def readmes():
    files = ["README.md"] + sorted(glob.glob("agents/*/README.md", root_dir=src))
    files += [f for f in ["heartbeat-compat/README.md"] if os.path.isfile(os.path.join(src, f))]
    return files


def extract(path):
    """[(line, release tag or None, command)] in document order."""
    lines = open(os.path.join(src, path), encoding="utf-8").read().split("\n")
    cmds, fence, tag, i = [], False, None, 0
    code_lines = set()
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("```"):
            fence, tag = not fence, None
            code_lines.add(i)
            i += 1
            continue
        if not s:
            tag = None
        m = re.match(r"#\s*pcs (\d+\.\d+)\b", s)
        if (fence or line.startswith("    ")) and m:
            tag = m.group(1)
            code_lines.add(i)
        elif (fence or re.match(r" {4,}pcs ", line)) and s.startswith("pcs "):
            start, cmd = i, s
            code_lines.add(i)
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                code_lines.add(i)
                cmd = cmd[:-1].rstrip() + " " + lines[i].strip()
            cmds.append((start + 1, tag, cmd))
        i += 1
    # Inline spans may wrap across lines; code-block lines are not searched.
    text = "\n".join("" if n in code_lines else l for n, l in enumerate(lines))
    for m in re.finditer(r"(?<!`)`(pcs [^`]+)`(?!`)", text):
        cmds.append((text.count("\n", 0, m.start()) + 1, None, " ".join(m.group(1).split())))
    return sorted(cmds, key=lambda c: c[0])


def after(path):
    text = open(os.path.join(src, path), encoding="utf-8").read()
    return re.findall(r"<!--\s*pcs-commands:\s*after\s+(\S+)\s*-->", text)


# Commands pcs refuses with -f. "run": read only, needs no cluster, runs without -f. "live": needs
# the running cluster; the resource it names (if any) must exist in the README's CIB.
NO_FILE = {("resource", "describe"): "run", ("resource", "cleanup"): "live",
           ("resource", "refresh"): "live", ("resource", "move"): "live"}


def pcs(args):
    r = subprocess.run(["pcs"] + args, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def run(cib, cmd):
    """None, or why CMD fails."""
    argv = shlex.split(cmd)[1:]
    kind = NO_FILE.get(tuple(argv[:2]))
    if kind == "live":
        names = [a for a in argv[2:] if not a.startswith("-") and "=" not in a][:1]
        rc, out = pcs(["-f", cib, "resource", "config"] + names) if names else (0, "")
        return f"{names[0]} is not in the CIB: {out}" if rc else None
    rc, out = pcs(argv if kind == "run" else ["-f", cib] + argv)
    if rc != 0:  # pcs's usage text after a syntax error is long: its first lines say it
        return "\n".join(out.splitlines()[:8]) or f"exit {rc}"
    if re.search(r"deprecat", out, re.I):
        return "deprecated: " + out
    return None


# Clone options that must sit on the clone: pcs 0.11 with "clone meta" and pcs 0.12 without
# --future put them on the inner resource, where Pacemaker ignores them, and exit 0.
CLONE_META = {"interleave", "ordered", "notify", "globally-unique", "clone-max", "clone-node-max",
              "promotable", "promoted-max", "promoted-node-max"}


def misplaced(cib):
    cfg = ET.parse(cib).getroot()
    return [f"{nv.get('name')} is on {prim.get('id')}, not on {clone.get('id')}"
            for clone in cfg.iter("clone") for prim in clone.iter("primitive")
            for ma in prim.findall("meta_attributes") for nv in ma.findall("nvpair")
            if nv.get("name") in CLONE_META]


def replay(cib, path, seen):
    """Runs the commands of the READMEs PATH names as prerequisites (recursively)."""
    errs = []
    for dep in after(path):
        if dep in seen:
            continue
        seen.add(dep)
        errs += replay(cib, dep, seen)
        for n, tag, cmd in extract(dep):
            if tag in (None, release) and (err := run(cib, cmd)):
                errs.append(f"{path}: prerequisite {dep}:{n} failed: {cmd}\n    {err}")
    return errs


release = pcs_release()
failures, ran = [], 0
with tempfile.TemporaryDirectory() as tmp:
    for path in readmes():
        cmds = extract(path)
        if path == "README.md" and not cmds:
            failures.append("README.md: no pcs command found (extractor broken?)")
        if list_only:
            for n, tag, cmd in cmds:
                print(f"{path}:{n}: [{tag or 'all'}] {cmd}")
            continue
        if not cmds:
            continue
        cib = os.path.join(tmp, path.replace("/", "_") + ".xml")
        with open(cib, "w") as f:
            subprocess.run(["cibadmin", "--empty"], stdout=f, check=True)
        failures += replay(cib, path, {path})
        for n, tag, cmd in cmds:
            if tag not in (None, release):
                continue
            ran += 1
            err = run(cib, cmd)
            print(f"{'FAIL' if err else 'ok  '} {path}:{n}: {cmd}")
            if err:
                failures.append(f"{path}:{n}: {cmd}\n    pcs {release}: " + err.replace("\n", "\n    "))
        failures += [f"{path}: pcs {release}: {m}" for m in misplaced(cib)]
for f in failures:
    print("FAIL " + f, file=sys.stderr)
if not list_only:
    print(f"pcs {release}: {ran} commands, {len(failures)} failed")
sys.exit(1 if failures else 0)
