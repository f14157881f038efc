#!/usr/bin/env python3
"""Unit tests of the load harness's verdicts (no SIPp, no SUT): `python3 -m unittest
bench/test_load.py` or `python3 bench/test_load.py`."""

import pathlib
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import load  # noqa: E402

FULL = {"SuccessfulCall(C)": "500", "FailedCall(C)": "0", "Retransmissions(C)": "3"}


class Verdict(unittest.TestCase):
    def test_all_calls_seen_successful_is_a_pass(self):
        self.assertEqual(load.call_verdict(0, FULL, 500), (500, 0, 3, True))

    def test_missing_statistics_are_not_a_pass(self):
        # SIPp exited 0 but wrote no statistics: nothing was observed.
        self.assertFalse(load.call_verdict(0, {}, 500)[3])
        self.assertEqual(load.call_verdict(0, {}, 500)[:3], (None, None, None))

    def test_missing_failed_counter_is_not_a_pass(self):
        stats = {"SuccessfulCall(C)": "500"}
        self.assertFalse(load.call_verdict(0, stats, 500)[3])

    def test_a_run_of_no_calls_is_not_a_pass(self):
        self.assertFalse(load.call_verdict(0, {}, 0)[3])

    def test_failures_or_a_bad_exit_are_not_a_pass(self):
        self.assertFalse(load.call_verdict(1, FULL, 500)[3])
        self.assertFalse(load.call_verdict(None, FULL, 500)[3])
        self.assertFalse(load.call_verdict(0, {**FULL, "FailedCall(C)": "1"}, 500)[3])
        self.assertFalse(load.call_verdict(0, FULL, 501)[3])

    def test_stale_statistics_file_is_removed_before_a_run(self):
        # run_calls deletes the file before SIPp starts; here SIPp cannot start (no
        # scenario runs), so an old file must not turn into this run's figures.
        with tempfile.TemporaryDirectory() as d:
            rundir = pathlib.Path(d) / "step"
            rundir.mkdir()
            (rundir / "uac_stat.csv").write_text(
                "SuccessfulCall(C);FailedCall(C)\n500;0\n")

            class NoSut:
                def pids(self):
                    return []

            old_path = load.os.environ.get("PATH", "")
            load.os.environ["PATH"] = str(pathlib.Path(d) / "empty")
            try:
                with self.assertRaises(FileNotFoundError):
                    load.run_calls(NoSut(), pathlib.Path(d), "step", 500, 500, 0)
            finally:
                load.os.environ["PATH"] = old_path
            self.assertFalse((rundir / "uac_stat.csv").exists())


class Memory(unittest.TestCase):
    def test_per_call_growth(self):
        self.assertEqual(load.per_call(20_000, 10_000, 2_000, True), 5.0)

    def test_no_figure_from_a_failed_run_or_no_calls(self):
        self.assertIsNone(load.per_call(20_000, 10_000, 2_000, False))
        self.assertIsNone(load.per_call(20_000, 10_000, 0, True))
        self.assertIsNone(load.per_call(None, 10_000, 2_000, True))


class Leftovers(unittest.TestCase):
    def test_a_system_not_measured_has_no_count(self):
        self.assertIsNone(load.left_total({}))
        self.assertIsNone(load.left_total({"leftovers_after_cpu_run": {"total": 0}}))

    def test_counts_add_up(self):
        r = {k: {"total": n} for k, n in [("leftovers_after_cpu_run", 0),
                                          ("leftovers_after_steps", 2),
                                          ("leftovers_after_memory_run", 1)]}
        self.assertEqual(load.left_total(r), 3)


class Cleanup(unittest.TestCase):
    def test_end_process_stops_a_child_that_ignores_sigterm(self):
        child = subprocess.Popen(
            [sys.executable, "-c",
             "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
             "print('ready', flush=True); time.sleep(60)"],
            stdout=subprocess.PIPE, start_new_session=True,
        )
        child.stdout.readline()
        child.stdout.close()
        started = time.time()
        load.end_process(child, grace=0.5, group=True)
        self.assertIsNotNone(child.poll())
        self.assertLess(time.time() - started, 5)

    def test_sut_that_never_answers_is_stopped(self):
        # A SUT that starts but never answers OPTIONS must not be left running.
        class Silent(load.Sut):
            name = "silent"

            def wait_ready(self):
                self.started = self.proc
                raise RuntimeError("did not answer OPTIONS")

        sut = Silent()
        saved = load.wait_udp_port_free
        load.wait_udp_port_free = lambda port: None
        try:
            with tempfile.TemporaryDirectory() as d:
                with self.assertRaises(RuntimeError):
                    sut.launch([sys.executable, "-c", "import time; time.sleep(60)"],
                               pathlib.Path(d))
        finally:
            load.wait_udp_port_free = saved
        self.assertIsNone(sut.proc)
        self.assertIsNotNone(sut.started.poll(), "the silent SUT is still running")

if __name__ == "__main__":
    unittest.main()
