#!/usr/bin/env python3
"""Load harness: callctl against a Kamailio baseline, same machine, same run, same SIPp.

For each system under test (SUT) the chain is SIPp UAC -> SUT -> SIPp UAS on loopback,
with the scenarios in bench/sipp/. Measured per system:

  * max rate: the offered rate is stepped up; the highest step at which all N calls
    complete with no failed call is the result (stops at the first failing step);
  * CPU per call: utime+stime of every SUT process (from /proc) during a run at a
    common fixed rate, divided by the calls of that run;
  * call setup time: INVITE -> 200 OK at the caller, percentiles, at the common rate;
  * memory per concurrent established call: PSS growth (smaps_rollup, all processes)
    of a freshly started SUT while M calls are held open, divided by the number of
    established calls the SUT itself reports;
  * leftovers: calls/dialogs the SUT still holds after each run (must be 0).

Writes results/load-<stamp>.{md,json} and results/latest.{md,json}. Run through
bench/load.sh, which installs the peers and builds callctl first.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = ROOT / "results"
SUT_ADDR = ("127.0.0.1", 5060)
UAS_PORT = 5070
UAC_PORT = 5061
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Same SIPp settings for every system: 4 MB socket buffers (the default drops under load),
# 1 ms timer resolution, and a message arriving out of order (a 180 overtaking the 200
# through a multi-process proxy) is ignored rather than failing the call.
SIPP_COMMON = ["-buff_size", "4194304", "-nostdin", "-timer_resol", "1",
               "-default_behaviors", "all,-abortunexp"]
KAM_CTL = "unix:/tmp/callctl-bench-kamailio.ctl"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------
# /proc readings


def process_tree(root_pid):
    """root_pid and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pids):
    """utime + stime of the processes (all threads of each), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / CLK_TCK


def memory_kib(pids):
    """(PSS, RSS) summed over the processes, in KiB."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


# ---------------------------------------------------------------------------------------
# Child processes


def end_process(proc, grace=10.0, group=False):
    """Stop a child that may still run: SIGTERM, then SIGKILL after `grace` seconds, and
    reap it. With `group` the signals go to its whole process group (a SUT started in its
    own session, e.g. Kamailio's worker processes)."""
    if proc is None:
        return
    def send(sig):
        try:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass
    if proc.poll() is None:
        send(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # The group's other members may outlive its leader.
    if proc.poll() is None or group:
        send(signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


# ---------------------------------------------------------------------------------------
# Systems under test


def wait_udp_port_free(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
            return
        except OSError:
            time.sleep(0.2)
        finally:
            s.close()
    raise RuntimeError(f"UDP port {port} still in use")


def sip_options_ok(timeout=0.5):
    """True when the SUT answers an OPTIONS (any final response)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.settimeout(timeout)
    msg = (
        f"OPTIONS sip:ping@127.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-ping{time.time_ns()}\r\n"
        f"From: <sip:ping@127.0.0.1>;tag=p\r\nTo: <sip:ping@127.0.0.1>\r\n"
        f"Call-ID: ping-{time.time_ns()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()
    try:
        s.sendto(msg, SUT_ADDR)
        data, _ = s.recvfrom(65535)
        return data.startswith(b"SIP/2.0 ")
    except OSError:
        return False
    finally:
        s.close()


class Sut:
    name = ""
    proc = None

    def start(self, workdir):
        raise NotImplementedError

    def launch(self, argv, workdir):
        """Start the SUT in its own session (so stop() reaches every process it forks) and
        wait until it answers; a SUT that does not come up is stopped before the error."""
        wait_udp_port_free(SUT_ADDR[1])
        self.log = open(workdir / f"{self.name}.log", "w")
        self.proc = subprocess.Popen(
            argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (status {self.proc.returncode})")
            if sip_options_ok():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer OPTIONS within 20 s")

    def pids(self):
        return process_tree(self.proc.pid)

    def stop(self):
        end_process(self.proc, grace=15, group=True)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def active_calls(self):
        """Calls/dialogs the SUT holds now (its own count)."""
        raise NotImplementedError

    def leftovers(self):
        """Wait (bounded) for the SUT to drop its calls; return what it still holds."""
        deadline = time.time() + 15
        while True:
            held = self.active_calls()
            if held.get("total", 0) == 0 or time.time() > deadline:
                return held
            time.sleep(0.5)


class Callctl(Sut):
    name = "callctl"

    def __init__(self, binary):
        self.binary = binary

    def version(self):
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return f"{out.stdout.strip()} ({rev})"

    def start(self, workdir):
        self.launch([self.binary, "--config", str(BENCH / "callctl.toml")], workdir)

    def rpc(self, method):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method}).encode()
        req = urllib.request.Request(
            "http://127.0.0.1:8060/mi", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())["result"]

    def active_calls(self):
        st = self.rpc("callctl_stats")
        d = st["dialogs"]
        open_calls = st["calls_started"] - st["calls_ended"]
        return {
            "total": max(d["active"], open_calls, st.get("script_instances", 0)),
            "dialogs_active": d["active"],
            "dialogs_confirmed": d["confirmed"],
            "calls_open": open_calls,
            "script_instances": st.get("script_instances"),
            "transactions": st.get("transactions"),
        }

    def established(self):
        return self.rpc("callctl_stats")["dialogs"]["confirmed"]

    def memory_detail(self):
        st = self.rpc("callctl_stats")
        return {
            "script_instances": st.get("script_instances"),
            "script_memory_bytes": st.get("script_memory_bytes"),
            "transactions": st.get("transactions"),
        }


class Kamailio(Sut):
    name = "kamailio"

    def memory_detail(self):
        return {}

    def version(self):
        out = subprocess.run(["kamailio", "-v"], capture_output=True, text=True).stdout
        return out.splitlines()[0].replace("version: ", "").strip() if out else "?"

    def start(self, workdir):
        route = BENCH / "kamailio" / "route.lua"
        self.launch(
            [
                "kamailio",
                "-f",
                str(BENCH / "kamailio" / "kamailio.cfg"),
                "-m",
                "512",
                "-M",
                "16",
                "-DD",
                "-E",
                "-w",
                str(workdir),
                "-A",
                f'LUA_ROUTE="{route}"',
            ],
            workdir,
        )

    def kamcmd(self, *args):
        out = subprocess.run(
            ["kamcmd", "-s", KAM_CTL, *args], capture_output=True, text=True, timeout=10
        )
        return out.stdout

    def dialog_stats(self):
        out = self.kamcmd("dlg.stats_active")
        vals = {k: int(v) for k, v in re.findall(r"(\w+):\s*(\d+)", out)}
        # No answer is not "no dialogs": a count that was not read must not read as 0.
        if "all" not in vals:
            raise RuntimeError(f"kamcmd dlg.stats_active gave no dialog counts: {out!r}")
        return vals

    def active_calls(self):
        st = self.dialog_stats()
        return {"total": st.get("all", 0), **{f"dialogs_{k}": v for k, v in st.items()}}

    def established(self):
        return self.dialog_stats().get("ongoing", 0)


# ---------------------------------------------------------------------------------------
# SIPp


def sipp_version():
    out = subprocess.run(["sipp", "-v"], capture_output=True, text=True).stdout
    m = re.search(r"SIPp v[\w.\-]+", out)
    return m.group(0) if m else "?"


def read_stat_csv(path):
    try:
        lines = [l for l in path.read_text().splitlines() if l.strip()]
    except OSError:
        return {}
    if len(lines) < 2:
        return {}
    head = lines[0].split(";")
    last = lines[-1].split(";")
    return dict(zip(head, last))


def setup_times(pcap):
    """INVITE -> first 200 (to the INVITE) at the caller, in ms, per call, from a capture."""
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", "sip.CSeq.method == \"INVITE\"", "-T", "fields",
         "-E", "separator=;", "-e", "frame.time_epoch", "-e", "sip.Call-ID",
         "-e", "sip.Method", "-e", "sip.Status-Code"],
        capture_output=True, text=True,
    ).stdout
    sent, answered = {}, {}
    for line in out.splitlines():
        parts = line.split(";")
        if len(parts) < 4:
            continue
        t, cid, method, code = parts[0], parts[1], parts[2], parts[3]
        try:
            ts = float(t)
        except ValueError:
            continue
        if method == "INVITE":
            sent.setdefault(cid, ts)
        elif code == "200":
            answered.setdefault(cid, ts)
    return [(answered[c] - sent[c]) * 1000.0 for c in answered if c in sent]


def rnd(v, digits=3):
    return None if v is None else round(v, digits)


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def stat_int(stats, key):
    """A SIPp counter from the statistics line; None when absent or not a number."""
    try:
        return int(stats[key])
    except (KeyError, ValueError):
        return None


def call_verdict(sipp_exit, stats, calls):
    """(successful, failed, retransmissions, passed) of one SIPp run. A run passes only when
    SIPp exited 0 and its own statistics file shows every call successful and none failed:
    missing statistics, or a run of no calls, are not a pass."""
    ok = stat_int(stats, "SuccessfulCall(C)")
    failed = stat_int(stats, "FailedCall(C)")
    retrans = stat_int(stats, "Retransmissions(C)")
    passed = calls > 0 and sipp_exit == 0 and ok == calls and failed == 0
    return ok, failed, retrans, passed


def run_calls(sut, workdir, tag, rate, calls, hold_ms, sample=None, capture=False):
    """One SIPp run: `calls` calls at `rate` calls/s, each held `hold_ms`.

    `sample(sut)` is called once all calls should be established (memory runs).
    Returns a dict with the SIPp counters, CPU seconds of the SUT and setup times."""
    rundir = workdir / tag
    rundir.mkdir(parents=True, exist_ok=True)
    duration = calls / rate + hold_ms / 1000.0
    # A call not done 20 s after the last one started has failed; a failing step must not
    # hold the run for long.
    timeout = int(duration + 20)
    stat_file = rundir / "uac_stat.csv"
    # A file left by an earlier run in the same directory must not stand for this one.
    stat_file.unlink(missing_ok=True)
    procs = []
    try:
        return _run_calls(sut, rundir, stat_file, rate, calls, hold_ms, timeout, sample, capture,
                          procs)
    finally:
        # Whatever happened (an error, Ctrl-C), no SIPp or dumpcap outlives the run.
        for proc in procs:
            end_process(proc, grace=5)


def _run_calls(sut, rundir, stat_file, rate, calls, hold_ms, timeout, sample, capture, procs):
    uas = subprocess.Popen(
        [
            "sipp", "-sf", str(BENCH / "sipp" / "uas.xml"),
            "-i", "127.0.0.1", "-p", str(UAS_PORT),
            "-m", str(calls), *SIPP_COMMON,
            "-timeout", f"{timeout}s", "-trace_err",
        ],
        cwd=rundir, stdout=subprocess.DEVNULL, stderr=open(rundir / "uas.stderr", "w"),
    )
    procs.append(uas)
    time.sleep(0.3)  # the UAS socket must exist before the first INVITE reaches the SUT
    cap = None
    if capture:
        # Setup time from a capture of the caller's port (microsecond timestamps; SIPp's
        # own response times are quantised to its 4 ms scheduler tick here).
        cap = subprocess.Popen(
            ["dumpcap", "-q", "-i", "lo", "-f", f"udp port {UAC_PORT}", "-B", "64",
             "-w", str(rundir / "uac.pcapng")],
            cwd=rundir, stdout=subprocess.DEVNULL, stderr=open(rundir / "dumpcap.stderr", "w"),
        )
        procs.append(cap)
        time.sleep(1.0)
    pids = sut.pids()
    cpu0 = cpu_seconds(pids)
    t0 = time.time()
    uac = subprocess.Popen(
        [
            "sipp", "-sf", str(BENCH / "sipp" / "uac.xml"),
            f"{SUT_ADDR[0]}:{SUT_ADDR[1]}",
            "-i", "127.0.0.1", "-p", str(UAC_PORT), "-s", "6421000777",
            "-r", str(rate), "-m", str(calls), "-d", str(hold_ms),
            "-l", str(max(int(rate * (hold_ms / 1000.0 + 5)), 1000)),
            *SIPP_COMMON,
            "-timeout", f"{timeout}s", "-timeout_error",
            "-trace_stat", "-stf", "uac_stat.csv", "-fd", "3600",
            "-trace_err",
        ],
        cwd=rundir, stdout=subprocess.DEVNULL, stderr=open(rundir / "uac.stderr", "w"),
    )
    procs.append(uac)
    sampled = None
    if sample is not None:
        # Established calls peak when the last call has been answered.
        wake = t0 + calls / rate + min(3.0, hold_ms / 3000.0)
        while time.time() < wake and uac.poll() is None:
            time.sleep(0.1)
        sampled = sample(sut)
    try:
        # SIPp's own -timeout ends it; this bound only guards against a hung SIPp.
        rc = uac.wait(timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        rc = None
    elapsed = time.time() - t0
    cpu1 = cpu_seconds(sut.pids())
    try:
        uas.wait(timeout=10)
    except subprocess.TimeoutExpired:
        end_process(uas, grace=5)
    stats = read_stat_csv(stat_file)
    setup = []
    if cap is not None:
        time.sleep(0.5)
        cap.send_signal(signal.SIGINT)
        try:
            cap.wait(timeout=10)
        except subprocess.TimeoutExpired:
            end_process(cap, grace=1)
        setup = sorted(setup_times(rundir / "uac.pcapng"))

    ok, failed, retrans, passed = call_verdict(rc, stats, calls)
    return {
        "rate": rate,
        "calls": calls,
        "hold_ms": hold_ms,
        "sipp_exit": rc,
        "successful": ok,
        "failed": failed,
        "retransmissions": retrans,
        "stats_found": bool(stats),
        "passed": passed,
        "elapsed_s": round(elapsed, 2),
        "sut_cpu_s": round(cpu1 - cpu0, 3),
        "setup_ms": {
            "samples": len(setup),
            "p50": rnd(percentile(setup, 50)),
            "p90": rnd(percentile(setup, 90)),
            "p99": rnd(percentile(setup, 99)),
            "max": rnd(setup[-1] if setup else None),
        },
        "sample": sampled,
    }


# ---------------------------------------------------------------------------------------
# Measurements


def measure(sut, args, workdir):
    res = {"name": sut.name, "version": sut.version()}
    sdir = workdir / sut.name
    sdir.mkdir(parents=True, exist_ok=True)

    log(f"{sut.name}: start")
    sut.start(sdir)
    try:
        run_calls(sut, sdir, "warmup", 200, 400, 0)

        log(f"{sut.name}: CPU and setup time at {args.common_rate} calls/s, {args.calls} calls")
        cpu_run = run_calls(
            sut, sdir, "cpu", args.common_rate, args.calls, args.hold_ms, capture=True
        )
        res["common_rate_run"] = cpu_run
        res["cpu_us_per_call"] = (
            round(cpu_run["sut_cpu_s"] * 1e6 / cpu_run["calls"], 1) if cpu_run["passed"] else None
        )
        res["leftovers_after_cpu_run"] = sut.leftovers()

        steps = []
        best = None
        for rate in args.rates:
            log(f"{sut.name}: step {rate} calls/s, {args.calls} calls")
            step = run_calls(sut, sdir, f"step-{rate}", rate, args.calls, args.hold_ms)
            left = sut.leftovers()
            step["leftovers"] = left
            steps.append(step)
            log(
                f"{sut.name}: {rate}/s -> {'pass' if step['passed'] else 'FAIL'} "
                f"(ok {step['successful']}, failed {step['failed']}, "
                f"retrans {step['retransmissions']}, cpu {step['sut_cpu_s']} s)"
            )
            if not step["passed"]:
                break
            best = rate
        res["steps"] = steps
        res["max_rate"] = best
        res["leftovers_after_steps"] = sut.leftovers()
    finally:
        sut.stop()

    # Memory on a fresh process, so earlier peaks do not hide the growth.
    log(f"{sut.name}: memory with {args.concurrent} calls held open")
    sut.start(sdir)
    try:
        run_calls(sut, sdir, "mem-warmup", 200, 400, 0)
        time.sleep(1.0)
        pids = sut.pids()
        pss0, rss0 = memory_kib(pids)

        def sample(s):
            pss, rss = memory_kib(s.pids())
            return {
                "pss_kib": pss,
                "rss_kib": rss,
                "established": s.established(),
                "detail": s.memory_detail(),
            }

        hold = int(args.concurrent / args.mem_rate * 1000 + 5000)
        mem_run = run_calls(
            sut, sdir, "memory", args.mem_rate, args.concurrent, hold, sample=sample
        )
        smp = mem_run["sample"] or {}
        est = smp.get("established", 0)
        res["memory"] = {
            "rate": args.mem_rate,
            "calls": args.concurrent,
            "hold_ms": hold,
            "passed": mem_run["passed"],
            "baseline_pss_kib": pss0,
            "baseline_rss_kib": rss0,
            "loaded_pss_kib": smp.get("pss_kib"),
            "loaded_rss_kib": smp.get("rss_kib"),
            "established": est,
            # Per-call figures only from a run that passed (every call established and
            # ended cleanly) and with established calls counted by the SUT itself.
            "kib_per_call_pss": per_call(smp.get("pss_kib"), pss0, est, mem_run["passed"]),
            "kib_per_call_rss": per_call(smp.get("rss_kib"), rss0, est, mem_run["passed"]),
            "detail": smp.get("detail"),
        }
        res["leftovers_after_memory_run"] = sut.leftovers()
    finally:
        sut.stop()
    return res


def per_call(loaded_kib, baseline_kib, established, passed):
    """Memory growth per established call, in KiB; None unless it was observed."""
    if not passed or not established or loaded_kib is None:
        return None
    return round((loaded_kib - baseline_kib) / established, 2)


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return round(a / b, 3)


def machine_info():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "sipp": sipp_version(),
    }


def left_total(r):
    """Calls the SUT still held after its runs; None when a count was not taken (a system
    that was not measured does not show 0)."""
    keys = ["leftovers_after_cpu_run", "leftovers_after_steps", "leftovers_after_memory_run"]
    counts = [(r.get(k) or {}).get("total") for k in keys]
    if any(c is None for c in counts):
        return None
    return sum(counts)


def report_md(rep):
    m = rep["machine"]
    c, k = rep["systems"].get("callctl", {}), rep["systems"].get("kamailio", {})
    t = rep["targets"]

    def f(v, unit=""):
        return "n/a" if v is None else f"{v}{unit}"

    def setup(r, p):
        return f((r.get("common_rate_run") or {}).get("setup_ms", {}).get(p), " ms")

    lines = [
        f"# Load harness report, {rep['when']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}; "
        f"{m['sipp']}; SIPp UAC, UAS and the system under test share the cores.",
        "",
        f"Command: `{rep['command']}`",
        "",
        f"Settings: {rep['settings']['calls']} calls per step, hold {rep['settings']['hold_ms']} ms, "
        f"steps {rep['settings']['rates']} calls/s, common rate {rep['settings']['common_rate']} "
        f"calls/s, {rep['settings']['concurrent']} calls held open at "
        f"{rep['settings']['mem_rate']} calls/s for memory.",
        "",
        f"Systems: callctl {c.get('version', '?')}; Kamailio {k.get('version', '?')} "
        "(tm + rr + dialog, routing in Lua through app_lua KEMI).",
        "",
        "| figure | callctl | Kamailio | callctl / Kamailio | target |",
        "|---|---|---|---|---|",
        f"| max calls/s with 0 failed calls | {f(c.get('max_rate'))} | {f(k.get('max_rate'))} "
        f"| {f(rep['ratios']['max_rate'])} | >= 2 ({t['max_rate']}) |",
        f"| server CPU per call at {rep['settings']['common_rate']}/s | "
        f"{f(c.get('cpu_us_per_call'), ' µs')} | {f(k.get('cpu_us_per_call'), ' µs')} | "
        f"{f(rep['ratios']['cpu_per_call'])} | <= 0.3 ({t['cpu_per_call']}) |",
        f"| setup time p50 | {setup(c, 'p50')} | {setup(k, 'p50')} | | |",
        f"| setup time p90 | {setup(c, 'p90')} | {setup(k, 'p90')} | | |",
        f"| setup time p99 | {setup(c, 'p99')} | {setup(k, 'p99')} | | |",
        f"| setup time max | {setup(c, 'max')} | {setup(k, 'max')} | | |",
        f"| memory per established call (PSS) | {f((c.get('memory') or {}).get('kib_per_call_pss'), ' KiB')} "
        f"| {f((k.get('memory') or {}).get('kib_per_call_pss'), ' KiB')} "
        f"| {f(rep['ratios']['memory_per_call'])} | callctl <= 8 KiB ({t['memory']}) |",
        f"| calls/dialogs left after the runs | {f(left_total(c))} | {f(left_total(k))} | | 0 ({t['leftovers']}) |",
        "",
    ]
    for name, r in rep["systems"].items():
        lines += [f"## {name}", "", "| rate | result | ok | failed | retrans | SUT CPU s | CPU µs/call | p50 ms | p99 ms |",
                  "|---|---|---|---|---|---|---|---|---|"]
        runs = [("common", r.get("common_rate_run"))] + [("step", s) for s in r.get("steps", [])]
        for label, s in runs:
            if not s:
                continue
            sm = s["setup_ms"]
            lines.append(
                f"| {s['rate']} ({label}) | {'pass' if s['passed'] else 'FAIL'} | {s['successful']} | "
                f"{s['failed']} | {s['retransmissions']} | {s['sut_cpu_s']} | "
                f"{round(s['sut_cpu_s'] * 1e6 / s['calls']) if s['calls'] else 'n/a'} | "
                f"{f(sm['p50'] and round(sm['p50'], 2))} | {f(sm['p99'] and round(sm['p99'], 2))} |"
            )
        mem = r.get("memory") or {}
        lines += [
            "",
            f"Memory: baseline PSS {mem.get('baseline_pss_kib')} KiB, with "
            f"{mem.get('established')} established calls {mem.get('loaded_pss_kib')} KiB "
            f"(RSS {mem.get('baseline_rss_kib')} -> {mem.get('loaded_rss_kib')} KiB, "
            f"{mem.get('kib_per_call_rss')} KiB per call); at that moment: {mem.get('detail')}.",
            "",
            f"Left behind: after the common-rate run {r.get('leftovers_after_cpu_run')}, after the "
            f"steps {r.get('leftovers_after_steps')}, after the memory run "
            f"{r.get('leftovers_after_memory_run')}.",
            "",
        ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller runs, under 5 minutes")
    ap.add_argument("--calls", type=int, help="calls per step (default 20000; quick 4000)")
    ap.add_argument("--rates", help="comma-separated offered rates to step through")
    ap.add_argument("--common-rate", type=int, default=1000, help="rate of the CPU-per-call run")
    ap.add_argument("--hold-ms", type=int, default=0, help="call hold time in the rate runs")
    ap.add_argument("--concurrent", type=int, help="calls held open for memory (default 20000; quick 10000)")
    ap.add_argument("--mem-rate", type=int, default=1000, help="rate at which memory-run calls start")
    ap.add_argument("--only", choices=["callctl", "kamailio"], help="measure one system")
    ap.add_argument("--callctl-bin", default=str(ROOT / "target" / "release" / "callctl"))
    args = ap.parse_args()
    # SIGTERM ends the run like Ctrl-C: the cleanup in the finally blocks runs (no SIPp,
    # dumpcap or SUT left behind).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.calls is None:
        args.calls = 4000 if args.quick else 20000
    if args.concurrent is None:
        args.concurrent = 10000 if args.quick else 20000
    if args.rates:
        args.rates = [int(x) for x in args.rates.split(",")]
    elif args.quick:
        args.rates = [1000, 2000, 3000, 4000, 5000, 6000]
    else:
        args.rates = [1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 6000, 7000, 8000, 10000]
    for name, v in [("--calls", args.calls), ("--concurrent", args.concurrent),
                    ("--common-rate", args.common_rate), ("--mem-rate", args.mem_rate),
                    *[("--rates", r) for r in args.rates]]:
        if v <= 0:
            ap.error(f"{name} must be positive (got {v})")
    if args.hold_ms < 0:
        ap.error(f"--hold-ms must not be negative (got {args.hold_ms})")

    for tool in ["sipp", "dumpcap", "tshark", "kamailio", "kamcmd"]:
        if args.only == "callctl" and tool.startswith("kam"):
            continue
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: run bench/load.sh, which installs it")

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"callctl-load-{stamp}-"))
    log(f"work files in {workdir}")
    systems = []
    if args.only != "kamailio":
        systems.append(Callctl(args.callctl_bin))
    if args.only != "callctl":
        systems.append(Kamailio())

    results = {}
    for sut in systems:
        results[sut.name] = measure(sut, args, workdir)

    c, k = results.get("callctl", {}), results.get("kamailio", {})
    ratios = {
        "max_rate": ratio(c.get("max_rate"), k.get("max_rate")),
        "cpu_per_call": ratio(c.get("cpu_us_per_call"), k.get("cpu_us_per_call")),
        "memory_per_call": ratio(
            (c.get("memory") or {}).get("kib_per_call_pss"),
            (k.get("memory") or {}).get("kib_per_call_pss"),
        ),
    }

    def verdict(ok):
        return "met" if ok else "missed"

    cm = (c.get("memory") or {}).get("kib_per_call_pss")
    targets = {
        "max_rate": verdict(ratios["max_rate"] is not None and ratios["max_rate"] >= 2.0),
        "cpu_per_call": verdict(ratios["cpu_per_call"] is not None and ratios["cpu_per_call"] <= 0.3),
        "memory": verdict(cm is not None and cm <= 8.0),  # None unless the run passed
        "leftovers": verdict(left_total(c) == 0),
    }
    rep = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": "./bench/load.sh " + " ".join(sys.argv[1:]),
        "machine": machine_info(),
        "settings": {
            "quick": args.quick,
            "calls": args.calls,
            "rates": args.rates,
            "common_rate": args.common_rate,
            "hold_ms": args.hold_ms,
            "concurrent": args.concurrent,
            "mem_rate": args.mem_rate,
        },
        "systems": results,
        "ratios": ratios,
        "targets": targets,
        "workdir": str(workdir),
    }
    RESULTS.mkdir(exist_ok=True)
    md = report_md(rep)
    for base in [f"load-{stamp}", "latest"]:
        (RESULTS / f"{base}.json").write_text(json.dumps(rep, indent=2) + "\n")
        (RESULTS / f"{base}.md").write_text(md + "\n")
    print(md)
    log(f"report: {RESULTS / f'load-{stamp}.md'} and .json")


if __name__ == "__main__":
    main()
