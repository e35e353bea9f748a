"""The local process pool: every job gets a verdict, in any order; an answer that overruns the
hard limit has its worker killed and becomes invalid while the batch goes on; a worker that
dies loses only the answer it was on; results equal a serial run."""

import signal
import time

import pytest

import nablagrade.check.api as api
from nablagrade.grade.model import Job
from nablagrade.grade.pool import run_job, run_local

ANSWERS = [r"\ln 4", "1.386", "2", r"\frac{1}{4}", r"2 \ln 2", r"\log(4)", "x +", "1.38"]


def jobs(answers):
    return [Job("loss.init", "loss", (("classes", 4),), a) for a in answers]


def test_pool_gives_the_same_verdicts_as_a_serial_run():
    batch = jobs(ANSWERS * 6)
    serial = {i: run_job(j) for i, j in enumerate(batch)}
    for workers in (1, 2):
        pooled = dict(run_local(batch, workers))
        assert sorted(pooled) == list(range(len(batch)))
        assert pooled == serial


def test_a_stuck_answer_is_killed_and_the_batch_goes_on(monkeypatch):
    real = api.CHECKERS["number"]

    def stuck(task, tree):
        if "999" in str(tree):  # this one answer hangs where the deadline cannot reach it
            signal.setitimer(signal.ITIMER_REAL, 0)
            while True:
                time.sleep(0.01)
        return real(task, tree)

    monkeypatch.setitem(api.CHECKERS, "number", stuck)  # inherited by the forked workers
    batch = jobs(ANSWERS + ["999"] + ANSWERS)
    start = time.monotonic()
    out = dict(run_local(batch, 2, hard_limit=1.0))
    assert time.monotonic() - start < 20
    assert len(out) == len(batch)
    killed = out[len(ANSWERS)]
    assert killed["verdict"] == "invalid" and killed["diagnoses"][0]["code"] == "limit"
    assert "was stopped" in killed["diagnoses"][0]["message"]
    assert out[0]["verdict"] == "correct" and out[len(ANSWERS) + 1]["verdict"] == "correct"


def test_a_worker_that_dies_loses_only_its_answer(monkeypatch):
    import os

    real = api.CHECKERS["number"]

    def crash(task, tree):
        if "777" in str(tree):
            os._exit(9)  # the worker process dies outright
        return real(task, tree)

    monkeypatch.setitem(api.CHECKERS, "number", crash)
    batch = jobs(["777"] + ANSWERS * 3)
    out = dict(run_local(batch, 2, hard_limit=5.0))
    assert len(out) == len(batch)
    assert out[0]["verdict"] == "invalid"
    assert [out[i]["verdict"] for i in range(1, 4)] == ["correct", "correct", "incorrect"]


def test_a_checker_bug_is_an_invalid_verdict_not_a_crash(monkeypatch):
    def broken(task, tree):
        raise ZeroDivisionError("oops")

    monkeypatch.setitem(api.CHECKERS, "number", broken)
    verdict = run_job(jobs(["1"])[0])
    assert verdict["verdict"] == "invalid" and verdict["diagnoses"][0]["code"] == "internal-error"
