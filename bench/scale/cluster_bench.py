#!/usr/bin/env python3
"""Cost at scale: CPU all recurring monitors take under a real Pacemaker, stock agents against ocfkit's.

On the single-node sandbox cluster (tests/sandbox/cluster.sh: corosync + Pacemaker started by
hand, libvirtd by tests/lib/libvirtd.sh) it runs, for each kind:
  fs: N ext4 file systems on loop devices, ocf:heartbeat:Filesystem, then ocf:<provider>:gfs2fs
  vm: N firmware-only TCG guests (tests/data/virtdomain/firmware-guest.xml.in),
      ocf:heartbeat:VirtualDomain, then ocf:<provider>:virtdomain
each with a 10 s recurring monitor, and measures three windows of the same length on the same
mounts / the same running guests:
  stock   the stock agent's monitors
  idle    the same resources with maintenance-mode=true (recurring monitors cancelled): the
          baseline the cluster and libvirtd cost anyway
  ocfkit  ocfkit's agent's monitors, after `ocfkit adopt apply` switched the resources over
          in place (nothing restarted: same qemu processes, same mounts)
CPU is read from /proc/PID/stat of the sandbox's own processes (pacemakerd, its subdaemons,
corosync, libvirtd): each one's utime+stime plus cutime+cstime (CPU of the children it reaped:
pacemaker-execd reaps the agents, which reap what they run). Monitors, processes and programs
per monitor come from BSD process accounting (acct(2)) switched on for the window: every
process that ended, with its parent, so the agents' process trees under pacemaker-execd are
counted without slowing them down (strace would).

usage: cluster_bench.py BUILDDIR [--kinds fs,vm] [-n 20] [--window 120] [--json FILE]
Needs root, pcs/crm_mon/cibadmin, libvirtd + qemu, losetup/mkfs.ext4, resource-agents, and
BUILDDIR with gfs2fs, virtdomain and ocfkit (adopt) built. Refuses to run while a sandbox
cluster it did not start runs. Leaves no guest, mount, loop device, agent or cluster behind.
"""
import argparse
import ctypes
import datetime
import fcntl
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.abspath(os.path.join(HERE, "../.."))
CLUSTER_SH = os.path.join(SOURCE_ROOT, "tests/sandbox/cluster.sh")
LIBVIRTD_SH = os.path.join(SOURCE_ROOT, "tests/lib/libvirtd.sh")
GUEST_TEMPLATE = os.path.join(SOURCE_ROOT, "tests/data/virtdomain/firmware-guest.xml.in")
SANDBOX_RUN = "/run/ocfkit-sandbox"
SANDBOX_LOCK = "/run/ocfkit-sandbox-scenarios.lock"  # the sandbox tier's own lock
WORK = "/run/ocfkit-bench-scale"
PROVIDER = "ocfkit-bench"  # a provider of our own: other tests install under "custom"
OCF_DIR = "/usr/lib/ocf/resource.d/" + PROVIDER
GUEST_PREFIX = "ocfkit-bench-scale-"
INTERVAL_S = 10
ENV = dict(os.environ, PATH="/usr/sbin:/usr/bin:/sbin:/bin")

KINDS = {
    # kind: (resource id prefix, stock agent, ocfkit agent, what)
    "fs": ("benchfs", "Filesystem", "gfs2fs", "ext4 on a loop device, depth-0 monitor"),
    "vm": ("benchvm", "VirtualDomain", "virtdomain", "firmware-only TCG guest"),
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(*argv, check=True, timeout=300):
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}")
    return r


# ---------------------------------------------------------------- /proc CPU of the sandbox's processes

def proc_stat(pid):
    """Fields of /proc/PID/stat after the command name (index 0 = state), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def sandbox_processes():
    """{pid: (comm, start time)} of corosync, pacemakerd and its subdaemons (cluster.sh's PID
    records, checked against the start time) and the test libvirtd."""
    found = {}
    for name in ("corosync", "pacemakerd", "pacemakerd-children"):
        try:
            with open(os.path.join(SANDBOX_RUN, name + ".pid")) as f:
                records = [line.split() for line in f if line.strip()]
        except OSError:
            continue
        for pid, start in records:
            st = proc_stat(pid)
            if st and st[19] == start and st[0] != "Z":
                found[int(pid)] = (comm(pid), start)
    out = sh("bash", LIBVIRTD_SH, "pid", check=False).stdout.strip()
    if out.isdigit() and proc_stat(out):
        found[int(out)] = ("libvirtd", proc_stat(out)[19])
    return found


def cpu_snapshot(procs):
    """{pid: (own ticks, reaped children's ticks)}; fails when a process is gone or replaced."""
    snap = {}
    for pid, (name, start) in procs.items():
        st = proc_stat(pid)
        if not st or st[19] != start:
            raise RuntimeError(f"{name} (pid {pid}) ended during the measurement")
        snap[pid] = (int(st[11]) + int(st[12]), int(st[13]) + int(st[14]))
    return snap


def host_busy():
    """(busy, total) jiffies of the whole host from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


# ---------------------------------------------------------------- BSD process accounting

ACCT_V3 = struct.Struct("<BBHIIIIIIfHHHHHHHH16s")  # struct acct_v3, 64 bytes
AFORK = 0x01  # forked, never exec'd
AHZ = 100  # the unit of ac_etime
_libc = ctypes.CDLL(None, use_errno=True)


def acct(path):
    """Switches process accounting to `path` (None: off)."""
    if _libc.acct(path.encode() if path else None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"acct({path}): {os.strerror(err)}")


def acct_records(path):
    """[(flag, pid, ppid, comm, start, end)] of the processes that ended while accounting was on;
    start and end in seconds since the epoch (start whole seconds, end from the elapsed time)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    for off in range(0, len(data) - ACCT_V3.size + 1, ACCT_V3.size):
        r = ACCT_V3.unpack_from(data, off)
        if r[1] != 3:
            raise RuntimeError(f"{path}: accounting record version {r[1]}, want 3")
        out.append((r[0], r[6], r[7], r[18].split(b"\0")[0].decode(errors="replace"), r[8], r[8] + r[9] / AHZ))
    return out


def monitor_trees(records, execd, agent):
    """(agent runs, other processes execd started, processes under the agent runs, programs among
    them, {program name: count}). A run is an accounting record of `agent` (its name, at most 15
    characters) whose parent is pacemaker-execd; its processes are the records whose parent chain
    leads to it."""
    name = agent[:15]
    children = {}
    for flag, pid, ppid, c, start, end in records:
        children.setdefault(ppid, []).append((flag, pid, c, start, end))
    runs = [(pid, start, end) for flag, pid, c, start, end in children.get(execd, []) if c == name]
    others = sum(1 for flag, pid, c, _, _ in children.get(execd, []) if c != name)
    procs = progs = 0
    names = {}
    stack = list(runs)
    seen = set(pid for pid, _, _ in runs)
    while stack:
        parent, p_start, p_end = stack.pop()
        for flag, pid, c, start, end in children.get(parent, []):
            # PIDs are reused (pid_max 32768 goes round in minutes on a busy host): a child is
            # this run's only if it started while the run lived.
            if pid in seen or start < p_start - 1 or start > p_end + 1:
                continue
            seen.add(pid)
            procs += 1
            if not flag & AFORK:
                progs += 1
                names[c] = names.get(c, 0) + 1
            stack.append((pid, start, end))
    return len(runs), others, procs, progs, names


# ---------------------------------------------------------------- the cluster

def crm_mon():
    return ET.fromstring(sh("crm_mon", "-1", "--output-as=xml").stdout)


def status_xml():
    return ET.fromstring(sh("cibadmin", "--query", "--scope", "status").stdout)


def wait_for(what, limit, pred, step=2):
    t0 = time.monotonic()
    while True:
        try:
            if pred():
                return time.monotonic() - t0
        except (RuntimeError, ET.ParseError):
            pass
        if time.monotonic() - t0 > limit:
            raise RuntimeError(f"timed out after {limit} s waiting for {what}")
        time.sleep(step)


def all_started(ids):
    root = crm_mon()
    ok = 0
    for r in root.iter("resource"):
        if r.get("id") in ids and r.get("role") == "Started" and r.get("active") == "true" \
                and r.get("failed") == "false":
            ok += 1
    return ok == len(ids)


def failures():
    return [f.get("op_key") for f in crm_mon().iter("failure")]


def monitors_recorded(ids, agent_type):
    """Resources of `ids` whose history has a successful 10 s recurring monitor by agent_type."""
    done = set()
    for lrm in status_xml().iter("lrm_resource"):
        if lrm.get("id") in ids and lrm.get("type") == agent_type:
            for op in lrm.iter("lrm_rsc_op"):
                if op.get("operation") == "monitor" and op.get("interval") == str(INTERVAL_S * 1000) \
                        and op.get("rc-code") == "0":
                    done.add(lrm.get("id"))
    return done


def set_property(name, value):
    if value is None:
        sh("crm_attribute", "--type", "crm_config", "--name", name, "--delete", check=False)
    else:
        sh("crm_attribute", "--type", "crm_config", "--name", name, "--update", value)


def settle(limit=300):
    sh("crm_resource", "--wait", f"--timeout={limit}s", check=False, timeout=limit + 30)


def primitive_xml(rid, agent, params):
    attrs = "".join(f'<nvpair id="{rid}-ia-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    return (f'<primitive id="{rid}" class="ocf" provider="heartbeat" type="{agent}">'
            f'<instance_attributes id="{rid}-ia">{attrs}</instance_attributes>'
            f'<operations>'
            f'<op id="{rid}-monitor" name="monitor" interval="{INTERVAL_S}s" timeout="30s"/>'
            f'<op id="{rid}-start" name="start" interval="0s" timeout="180s"/>'
            f'<op id="{rid}-stop" name="stop" interval="0s" timeout="180s"/>'
            f'</operations></primitive>')


# ---------------------------------------------------------------- resources of each kind

def loop_of(image):
    out = sh("losetup", "-n", "-O", "NAME", "-j", image, check=False).stdout.split()
    return out


def make_fs(n):
    shared = os.path.join(WORK, "shared")
    os.makedirs(shared, exist_ok=True)
    # A shared mount point parent, as on a systemd host: no private copy of a mount stays
    # behind in another mount namespace (see tests/sandbox/README.md).
    sh("mount", "--bind", shared, shared)
    sh("mount", "--make-shared", shared)
    resources = {}
    for i in range(1, n + 1):
        image = os.path.join(WORK, f"fs{i:02d}.img")
        with open(image, "wb") as f:
            f.truncate(16 << 20)
        # Inode tables and journal written now: no ext4lazyinit thread working during the windows.
        sh("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image)
        dev = sh("losetup", "--find", "--show", image).stdout.strip()
        mnt = os.path.join(shared, f"m{i:02d}")
        os.makedirs(mnt, exist_ok=True)
        resources[f"benchfs{i:02d}"] = {"device": dev, "directory": mnt, "fstype": "ext4"}
    return resources


def make_vm(n):
    with open(GUEST_TEMPLATE) as f:
        template = f.read()
    resources = {}
    for i in range(1, n + 1):
        name = f"{GUEST_PREFIX}{i:02d}"
        config = os.path.join(WORK, name + ".xml")
        with open(config, "w") as f:
            f.write(template.replace("@NAME@", name))
        os.chmod(config, 0o644)
        resources[f"benchvm{i:02d}"] = {"config": config, "hypervisor": "qemu:///system"}
    return resources


def guests():
    out = sh("virsh", "-q", "-c", "qemu:///system", "list", "--all", "--name", check=False, timeout=30).stdout
    return [g for g in out.split() if g.startswith(GUEST_PREFIX)]


def remove_guests():
    for g in guests():
        pidfile = f"/run/libvirt/qemu/{g}.pid"
        pid = open(pidfile).read().strip() if os.path.exists(pidfile) else ""
        sh("virsh", "-q", "-c", "qemu:///system", "destroy", g, check=False, timeout=60)
        sh("virsh", "-q", "-c", "qemu:///system", "undefine", g, check=False, timeout=60)
        if pid.isdigit() and comm(pid).startswith("qemu-system"):
            os.kill(int(pid), signal.SIGKILL)


def remove_mounts():
    shared = os.path.join(WORK, "shared")
    for _ in range(3):
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
        ours = sorted((p for p in points if p.startswith(shared + "/")), reverse=True)
        for p in ours:
            if sh("umount", p, check=False).returncode != 0:
                sh("umount", "-l", p, check=False)
    while shared in [line.split()[4] for line in open("/proc/self/mountinfo")]:
        if sh("umount", shared, check=False).returncode != 0:
            sh("umount", "-l", shared, check=False)
    if os.path.isdir(WORK):
        for name in os.listdir(WORK):
            if name.endswith(".img"):
                for dev in loop_of(os.path.join(WORK, name)):
                    sh("losetup", "-d", dev, check=False)


# ---------------------------------------------------------------- one window

def measure(label, seconds, execd, agent):
    procs = sandbox_processes()
    acct_file = os.path.join(WORK, f"acct-{label}")
    open(acct_file, "wb").close()
    load0 = os.getloadavg()[0]
    busy0 = host_busy()
    before = cpu_snapshot(procs)
    acct(acct_file)
    t0 = time.monotonic()
    try:
        time.sleep(seconds)
    finally:
        after = cpu_snapshot(procs)
        elapsed = time.monotonic() - t0
        acct(None)
    busy1 = host_busy()
    hz = os.sysconf("SC_CLK_TCK")
    per_min = 60.0 / elapsed / hz
    parts = {"agents+children": 0.0, "pacemaker-execd": 0.0, "pacemaker+corosync": 0.0, "libvirtd": 0.0}
    by_comm = {}
    for pid, (name, _) in procs.items():
        own = after[pid][0] - before[pid][0]
        reaped = after[pid][1] - before[pid][1]
        by_comm[name] = by_comm.get(name, 0) + (own + reaped) * per_min
        if pid == execd:
            parts["pacemaker-execd"] += own * per_min
            parts["agents+children"] += reaped * per_min
        elif name == "libvirtd":
            parts["libvirtd"] += (own + reaped) * per_min
        else:
            parts["pacemaker+corosync"] += (own + reaped) * per_min
    runs, others, nproc, nprog, names = monitor_trees(acct_records(acct_file), execd, agent)
    os.unlink(acct_file)
    w = {
        "window": label, "agent": agent, "seconds": round(elapsed, 1),
        "load": [round(load0, 2), round(os.getloadavg()[0], 2)],
        "host_busy_pct": round(100.0 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 1),
        "cpu_s_per_min": {k: round(v, 3) for k, v in parts.items()},
        "total_cpu_s_per_min": round(sum(parts.values()), 3),
        "by_process": {k: round(v, 3) for k, v in sorted(by_comm.items())},
        "monitors_per_min": round(runs * 60.0 / elapsed, 1),
        "other_execd_processes": others,
        "processes_per_monitor": round(nproc / runs, 1) if runs else 0,
        "programs_per_monitor": round(nprog / runs, 1) if runs else 0,
        "programs": {k: round(v / runs, 2) for k, v in sorted(names.items(), key=lambda kv: -kv[1])} if runs else {},
        "agents_cpu_ms_per_monitor": round(parts["agents+children"] * 1000.0 * elapsed / 60.0 / runs, 1)
        if runs else 0,
    }
    log(f"{label}: {json.dumps(w)}")
    return w


def execd_pid():
    for pid, (name, _) in sandbox_processes().items():
        if name == "pacemaker-execd":
            return pid
    raise RuntimeError("no pacemaker-execd in the sandbox")


def run_kind(kind, n, window, ocfkit):
    prefix, stock, ours, what = KINDS[kind]
    log(f"{kind}: {n} × {what}")
    params = make_fs(n) if kind == "fs" else make_vm(n)
    ids = set(params)
    xml = "<resources>" + "".join(primitive_xml(rid, stock, p) for rid, p in sorted(params.items())) + "</resources>"
    sh("cibadmin", "--replace", "--scope", "resources", "--xml-text", xml)
    took = wait_for(f"{n} {stock} resources started", 900, lambda: all_started(ids), step=3)
    log(f"{kind}: {n} {stock} started in {took:.0f} s")
    execd = execd_pid()
    windows = []

    def steady(agent_type):
        wait_for(f"a recurring monitor of every {agent_type} resource", 180,
                 lambda: monitors_recorded(ids, agent_type) == ids)
        time.sleep(INTERVAL_S + 5)  # past the first round, the transition's work done
        if failures():
            raise RuntimeError(f"failed actions before the window: {failures()}")

    steady(stock)
    windows.append(measure(f"{kind}-stock", window, execd, stock))
    set_property("maintenance-mode", "true")
    settle()
    time.sleep(5)
    windows.append(measure(f"{kind}-idle", window, execd, stock))
    if windows[-1]["monitors_per_min"]:
        raise RuntimeError("monitors ran in maintenance mode: no idle baseline")
    set_property("maintenance-mode", None)
    settle()
    log(f"{kind}: ocfkit adopt apply")
    r = sh(ocfkit, "adopt", "apply", "--provider", PROVIDER, "--save-dir", os.path.join(WORK, "saved"),
           "--timeout", "600", check=False, timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"ocfkit adopt apply: exit {r.returncode}: {r.stdout[-800:]}{r.stderr[-800:]}")
    steady(ours)
    windows.append(measure(f"{kind}-ocfkit", window, execd, ours))
    if failures():
        raise RuntimeError(f"failed actions during the windows: {failures()}")
    # Done: the resources go without stop actions (a firmware guest ignores the ACPI shutdown a
    # graceful stop waits for): maintenance, configuration emptied, history refreshed away.
    set_property("maintenance-mode", "true")
    settle()
    sh("cibadmin", "--replace", "--scope", "resources", "--xml-text", "<resources/>")
    remove_guests() if kind == "vm" else remove_mounts()
    sh("crm_resource", "--refresh", check=False)
    settle()
    set_property("maintenance-mode", None)
    settle()
    return windows


# ---------------------------------------------------------------- report

def versions():
    pk = ["pacemaker", "corosync", "resource-agents", "libvirt-daemon", "qemu-system-x86"]
    out = sh("dpkg-query", "-W", "-f", "${Package} ${Version}\n", *pk, check=False).stdout.split("\n")
    commit = sh("git", "-C", SOURCE_ROOT, "describe", "--always", "--dirty", check=False).stdout.strip()
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "kernel": os.uname().release, "cpus": os.cpu_count(), "ocfkit": commit or "?",
            "packages": dict(line.split(" ", 1) for line in out if line)}


def report(result):
    v = result["host"]
    print(f"{v['date']}, {v['cpus']} CPUs, kernel {v['kernel']}, ocfkit {v['ocfkit']}; "
          + ", ".join(f"{k} {x}" for k, x in v["packages"].items()))
    print(f"{result['n']} resources per kind, {INTERVAL_S} s monitors, {result['window']} s windows; "
          "CPU seconds per minute of wall time")
    print(f"{'window':<14} {'agent':<14} {'load':>11} {'host%':>6} {'mon/min':>8} {'proc/mon':>9} "
          f"{'prog/mon':>9} {'agents':>7} {'execd':>6} {'pcmk+cs':>8} {'libvirtd':>9} {'total':>7} "
          f"{'-idle':>7} {'ms/mon':>7}")
    for kind, windows in result["kinds"].items():
        idle = next(w for w in windows if w["window"].endswith("-idle"))["total_cpu_s_per_min"]
        for w in windows:
            c = w["cpu_s_per_min"]
            net = w["total_cpu_s_per_min"] - idle
            per = f"{net * 1000 / w['monitors_per_min']:.1f}" if w["monitors_per_min"] else "-"
            print(f"{w['window']:<14} {w['agent']:<14} {w['load'][0]:>5.1f}-{w['load'][1]:<5.1f} "
                  f"{w['host_busy_pct']:>6.1f} {w['monitors_per_min']:>8.1f} {w['processes_per_monitor']:>9.1f} "
                  f"{w['programs_per_monitor']:>9.1f} {c['agents+children']:>7.2f} {c['pacemaker-execd']:>6.2f} "
                  f"{c['pacemaker+corosync']:>8.2f} {c['libvirtd']:>9.2f} {w['total_cpu_s_per_min']:>7.2f} "
                  f"{net:>7.2f} {per:>7}")
        stock = next(w for w in windows if w["window"].endswith("-stock"))["total_cpu_s_per_min"] - idle
        ours = next(w for w in windows if w["window"].endswith("-ocfkit"))["total_cpu_s_per_min"] - idle
        print(f"{kind}: monitors' CPU (total - idle) stock {stock:.2f} s/min, ocfkit {ours:.2f} s/min: "
              f"{benchlib.ratio(stock, ours):.1f}x")


# ---------------------------------------------------------------- setup and teardown

def install_agents(build):
    os.makedirs(OCF_DIR, exist_ok=True)
    for a in ("gfs2fs", "virtdomain"):
        shutil.copy(os.path.join(build, "agents", a, a), os.path.join(OCF_DIR, a))
        os.chmod(os.path.join(OCF_DIR, a), 0o755)


def remove_agent_state():
    """The state files both agents keep per resource in HA_RSCTMP (a stop would remove them)."""
    d = "/run/resource-agents"
    if os.path.isdir(d):
        for name in os.listdir(d):
            if name.startswith((f"VirtualDomain-{GUEST_PREFIX}", "ocfkit-virtdomain-benchvm")):
                os.unlink(os.path.join(d, name))


def cluster_running():
    return sh("bash", CLUSTER_SH, "status", check=False).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", help="meson build dir with gfs2fs, virtdomain and ocfkit built")
    ap.add_argument("--kinds", default="fs,vm", help="fs, vm or both (default fs,vm)")
    ap.add_argument("-n", type=int, default=20, help="resources per kind (default 20)")
    ap.add_argument("--window", type=int, default=120, help="seconds per measured window (default 120)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    if not kinds or any(k not in KINDS for k in kinds):
        sys.exit(f"--kinds: fs and/or vm, not {args.kinds}")
    build = os.path.abspath(args.build)
    ocfkit = os.path.join(build, "agents/adopt/ocfkit")
    benchlib.require(root_for="Pacemaker, libvirtd, loop devices, process accounting",
                     programs=["pcs", "crm_mon", "cibadmin", "crm_attribute", "crm_resource", "corosync",
                               "virsh", "qemu-system-x86_64", "losetup", "mkfs.ext4"])
    for path in [ocfkit] + [os.path.join(build, "agents", a, a) for a in ("gfs2fs", "virtdomain")]:
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} not built")
    for a in ("Filesystem", "VirtualDomain"):
        if not os.access(f"/usr/lib/ocf/resource.d/heartbeat/{a}", os.X_OK):
            sys.exit(f"stock ocf:heartbeat:{a} not installed (resource-agents)")

    lock = open(SANDBOX_LOCK, "w")
    log(f"waiting for {SANDBOX_LOCK}")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if cluster_running():
        sys.exit("a sandbox cluster not started by this benchmark is running")

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started_libvirtd = started_cluster = False
    result = {"n": args.n, "window": args.window, "host": versions(), "kinds": {}}
    t0 = time.monotonic()
    try:
        if os.path.isdir(WORK):  # left by a run that was killed
            remove_guests()
            remove_mounts()
            shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        os.chmod(WORK, 0o755)
        install_agents(build)
        if "vm" in kinds and sh("bash", LIBVIRTD_SH, "status", check=False).returncode != 0:
            sh("bash", LIBVIRTD_SH, "up")
            started_libvirtd = True
        started_cluster = True
        sh("bash", CLUSTER_SH, "up", timeout=200)
        for kind in kinds:
            result["kinds"][kind] = run_kind(kind, args.n, args.window, ocfkit)
        result["seconds"] = round(time.monotonic() - t0)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        log("teardown")
        try:
            acct(None)
        except OSError:
            pass
        if started_cluster:
            if cluster_running():
                # Nothing stopped through the agents: the measurement is over, see run_kind.
                sh("crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--update", "true",
                   check=False)
            sh("bash", CLUSTER_SH, "down", check=False, timeout=400)
        remove_guests()
        remove_mounts()
        if started_libvirtd:
            sh("bash", LIBVIRTD_SH, "down", check=False)
        shutil.rmtree(OCF_DIR, ignore_errors=True)
        shutil.rmtree(WORK, ignore_errors=True)
        remove_agent_state()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    report(result)
    print(f"whole run: {result['seconds']} s")


if __name__ == "__main__":
    main()
