"""The SQLite gradebook: schema, round trips, the check cache, runs, changes, concurrency, and
consistency after a writer is killed with SIGKILL at random moments."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import nablagrade
from nablagrade.grade.gradebook import SCHEMA_VERSION, Change, Gradebook, GradebookError
from nablagrade.grade.model import FileProblem, Result

ROOT = Path(nablagrade.__file__).resolve().parent.parent


@pytest.fixture
def book(tmp_path):
    with Gradebook(tmp_path / "gradebook.sqlite") as gb:
        yield gb


def result(student="ab123", question="1.1a", points=1.0, **fields):
    base = dict(verdict="correct" if points else "incorrect", score=points / 2,
                max_points=2.0, answer="2 \\times 5", params=(("H", 11),))
    return Result(student, question, points=points, **{**base, **fields})


def raw(path):
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


# Schema

def test_schema_is_created_in_wal_mode_with_a_version(tmp_path):
    path = tmp_path / "g.sqlite"
    Gradebook(path).close()
    conn = raw(path)
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")}
    assert {"runs", "checks", "results", "problems"} <= tables
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_reopening_keeps_the_data(tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as gb:
        run = gb.start_run("hw1", "d1", "0.1.0", {"jobs": 4})
    with Gradebook(path) as gb:
        assert gb.run(run).options == {"jobs": 4}
        assert gb.run(run).finished is None


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "g.sqlite"
    conn = raw(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(GradebookError, match="newer than this nablagrade"):
        Gradebook(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "g.sqlite"
    path.write_text("student,1.1a\n" * 200)
    with pytest.raises(GradebookError, match="not a usable gradebook") as err:
        Gradebook(path)
    assert err.value.exit_code == 4


def test_foreign_keys_are_enforced(book):
    with pytest.raises(GradebookError, match="FOREIGN KEY"):
        book.store_results(99, [result()])


# Round trips

RESULTS = [
    Result("ab123", "1.1a", "correct", 1.0, 2.0, 2.0),
    result(question="1.1b", diagnoses=(("dims-swapped", "The dimensions are swapped."),),
           note="credit 0.5",
           counterexample={"instance": {"n": 3}, "expected": [[1, 2]], "got": "undefined"},
           method="sampled", instances=48, understood="2 \\times 5", expected="10"),
    result("cd456", "2.3", 0.0, verdict="invalid", answer="\\frac{1}{",
           diagnoses=(("parse-error", "Unclosed brace at 7."), ("limit", "…")),
           params=(("S", 2), ("signal", (1, 4, 0, -2, 3)), ("w", ((1, 2), (3, 4))), ("x", 0.5))),
    result("ünï", "3", 0.25, verdict="missing", answer="", note="no answer", params=()),
]


def test_results_round_trip_field_for_field(book):
    run = book.start_run("hw1", "d1", "0.1.0", {})
    book.store_results(run, RESULTS)
    back = book.results_of(run)
    assert back == {(r.student, r.question): r for r in RESULTS}
    for r in RESULTS:
        assert back[r.student, r.question].params == r.params  # tuples, not lists


def test_a_result_stored_again_replaces_the_first(book):
    run = book.start_run("hw1", "d1", "0.1.0", {})
    book.store_results(run, [result(points=0.0)])
    book.store_results(run, [result(points=2.0)])
    assert list(book.results_of(run).values()) == [result(points=2.0)]


def test_problems_round_trip(book):
    run = book.start_run("hw1", "d1", "0.1.0", {})
    problems = [FileProblem("a.tex", "line 12", "unknown question '9.9'", "ab123"),
                FileProblem("b.csv", "", "cannot be read")]
    book.store_problems(run, problems)
    assert book.problems_of(run) == problems


# The cache of checks

def test_cache_hits_and_misses_by_key_and_engine_version(book):
    verdict = {"verdict": "correct", "score": 1.0, "diagnoses": [], "counterexample": None}
    book.store_checks([("k1", verdict), ("k2", {"verdict": "invalid"})], "0.1.0")
    assert book.cached(["k1", "k3"], "0.1.0") == {"k1": verdict}
    assert list(book.cached(["k1"], "0.1.0")["k1"]) == list(verdict)  # in the checker's order
    assert book.cached(["k1", "k2"], "0.2.0") == {}
    assert book.cached([], "0.1.0") == {}


def test_each_engine_version_keeps_its_own_verdict(book):
    book.store_checks([("k1", {"score": 0.0})], "0.1.0")
    book.store_checks([("k1", {"score": 1.0})], "0.2.0")
    book.store_checks([("k1", '{"score": 0.5}')], "0.2.0")  # JSON text is stored as is
    assert book.cached(["k1"], "0.1.0") == {"k1": {"score": 0.0}}
    assert book.cached(["k1"], "0.2.0") == {"k1": {"score": 0.5}}


def test_bulk_lookup_beyond_sqlite_variable_limits(book):
    keys = [f"key{i}" for i in range(2500)]
    book.store_checks(((k, {"i": i}) for i, k in enumerate(keys[::2])), "e")
    found = book.cached(keys + keys[:10], "e")
    assert len(found) == 1250 and found["key8"] == {"i": 4}


# Runs

def test_previous_run_ignores_unfinished_runs_and_other_assignments(book):
    assert book.previous_run("hw1") is None
    first = book.start_run("hw1", "d1", "0.1.0", {})
    assert book.previous_run("hw1") is None
    book.finish_run(first)
    book.finish_run(book.start_run("hw2", "d9", "0.1.0", {}))
    killed = book.start_run("hw1", "d1", "0.1.0", {})
    current = book.start_run("hw1", "d1", "0.1.0", {})
    assert book.previous_run("hw1") == first
    assert book.previous_run("hw1", before=current) == first
    book.finish_run(current)
    assert book.previous_run("hw1") == current
    assert book.previous_run("hw1", before=current) == first
    assert book.run(killed).finished is None


def test_a_finished_run_is_frozen(book):
    run = book.start_run("hw1", "d1", "0.1.0", {})
    book.finish_run(run)
    finished = book.run(run).finished
    book.finish_run(run)
    assert book.run(run).finished == finished
    with pytest.raises(GradebookError, match="the run is finished"):
        book.store_results(run, [result()])
    with pytest.raises(GradebookError, match="the run is finished"):
        book.store_problems(run, [FileProblem("a.tex", "", "x")])
    assert book.results_of(run) == {}


def test_an_unknown_run_is_an_error(book):
    with pytest.raises(GradebookError, match="no run 7"):
        book.finish_run(7)


# Changes

def changes_between(book, old, new, old_run=("d1", "0.1.0"), new_run=("d1", "0.1.0")):
    ids = []
    for (digest, engine), results in ((old_run, old), (new_run, new)):
        ids.append(book.start_run("hw1", digest, engine, {}))
        book.store_results(ids[-1], results)
        book.finish_run(ids[-1])
    return book.changes(*ids)


def test_changes_name_every_reason(book):
    old = [result("s1", "q", 2.0), result("s2", "q", 0.0), result("s3", "q", 2.0),
           result("s4", "q", 2.0), result("s5", "q", 0.0), result("s6", "q", 2.0),
           result("s7", "q", 1.0)]
    new = [result("s1", "q", 2.0),                          # same points: not listed
           result("s2", "q", 2.0, answer="10"),             # the student changed the answer
           result("s3", "q", 3.0, max_points=3.0),          # the question's points
           result("s4", "q", 0.0, params=(("H", 13),)),     # the student's variant
           result("s5", "q", 2.0, answer=" 2  \\times 5 "),  # same answer: a sampled verdict
           result("s8", "q", 1.0)]                          # s6 and s7 no longer graded
    got = changes_between(book, old, new)
    assert got == [
        Change("s2", "q", 0.0, 0.0, 1.0, 2.0, "answer changed"),
        Change("s3", "q", 1.0, 2.0, 1.5, 3.0, "question changed (points/credit/params)"),
        Change("s4", "q", 1.0, 2.0, 0.0, 0.0, "question changed (points/credit/params)"),
        Change("s5", "q", 0.0, 0.0, 1.0, 2.0, "verdict changed"),
        Change("s6", "q", 1.0, 2.0, None, None, "removed"),
        Change("s7", "q", 0.5, 1.0, None, None, "removed"),
        Change("s8", "q", None, None, 0.5, 1.0, "new"),
    ]


@pytest.mark.parametrize("old_run, new_run, answer, why", [
    (("d1", "0.1.0"), ("d1", "0.2.0"), "2 \\times 5", "engine version changed"),
    (("d1", "0.1.0"), ("d2", "0.1.0"), "2 \\times 5", "question changed (points/credit/params)"),
    (("d1", "0.1.0"), ("d2", "0.1.0"), "10", "answer changed"),
    (("d1", "0.1.0"), ("d2", "0.2.0"), "10", "answer changed; engine version changed"),
])
def test_changes_from_the_runs(book, old_run, new_run, answer, why):
    got = changes_between(book, [result(points=0.0)], [result(points=1.0, answer=answer)],
                          old_run, new_run)
    assert [c.why for c in got] == [why]


# Concurrency and speed

def test_two_connections_wait_for_each_other(tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as first, Gradebook(path, timeout=0.2) as impatient:
        first.store_checks([("k1", {"v": 1})], "e")
        holder = raw(path)
        holder.execute("BEGIN IMMEDIATE")  # another process writing
        assert impatient.cached(["k1"], "e") == {"k1": {"v": 1}}  # WAL: readers go on
        with pytest.raises(GradebookError, match="busy"):
            impatient.store_checks([("k2", {"v": 2})], "e")
        timer = threading.Timer(0.3, holder.execute, ("COMMIT",))
        timer.start()
        start = time.perf_counter()
        first.store_checks([("k2", {"v": 2})], "e")  # waits (busy timeout 30 s) for the commit
        waited = time.perf_counter() - start
        timer.join()
        holder.close()
        assert waited >= 0.2
        assert impatient.cached(["k1", "k2"], "e") == {"k1": {"v": 1}, "k2": {"v": 2}}


def test_storing_a_whole_class_at_once(book):
    results = [result(f"s{i}", f"q{j}", j % 3, diagnoses=(("sign-error", "A sign."),))
               for i in range(500) for j in range(15)]
    checks = [(f"{i:064x}", {"verdict": "correct", "score": 1.0, "diagnoses": [],
                             "expected": "W_h", "method": "sampled", "instances": 48})
              for i in range(2000)]
    run = book.start_run("hw1", "d1", "0.1.0", {})
    book.store_checks(checks, "0.1.0")
    book.store_results(run, results)
    assert len(book.results_of(run)) == 7500
    assert len(book.cached([k for k, _ in checks], "0.1.0")) == 2000


# Killed with SIGKILL

WORKER = textwrap.dedent('''
    """A regrade-like writer: checks stored per chunk as they complete, then results per chunk.

    Usage: worker.py GRADEBOOK loop|once ENGINE SECONDS-PER-CHECK
    """
    import sys, time
    from nablagrade.grade.gradebook import Gradebook
    from nablagrade.grade.model import Result

    PATH, MODE, ENGINE, CHECK_TIME = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    KEYS = [f"key{i:04d}" for i in range(1000)]
    STUDENTS, QUESTIONS = 30, 20

    def verdict(key):
        return {"verdict": "correct", "score": 1.0, "answer": key}

    def results(verdicts):
        return [Result(f"s{s:02d}", f"q{q:02d}", "correct", 1.0, 1.0, 1.0,
                       answer=verdicts[KEYS[(s * QUESTIONS + q) % len(KEYS)]]["answer"])
                for s in range(STUDENTS) for q in range(QUESTIONS)]

    def regrade(gb):
        run = gb.start_run("hw", "d1", ENGINE, {"jobs": 2})
        verdicts = gb.cached(KEYS, ENGINE)
        missing = [k for k in KEYS if k not in verdicts]
        for start in range(0, len(missing), 25):
            chunk = missing[start:start + 25]
            time.sleep(CHECK_TIME * len(chunk))  # the checks themselves
            done = [(k, verdict(k)) for k in chunk]
            gb.store_checks(done, ENGINE)
            verdicts.update(done)
        graded = results(verdicts)
        for start in range(0, len(graded), 200):
            gb.store_results(run, graded[start:start + 200])
        gb.finish_run(run)
        return run, len(missing)

    with Gradebook(PATH) as gb:
        print("ready", flush=True)
        while True:
            run, computed = regrade(gb)
            if MODE == "once":
                print(run, computed, flush=True)
                break
''')


def start_worker(tmp_path, path, mode, engine, check_time):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    command = [sys.executable, str(script), str(path), mode, engine, str(check_time)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def kill_at_random(tmp_path, path, delay, engine, check_time):
    worker = start_worker(tmp_path, path, "loop", engine, check_time)
    with worker.stdout:
        assert worker.stdout.readline() == "ready\n"
        time.sleep(delay)
        os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait() == -signal.SIGKILL


def assert_consistent(path):
    """Integrity ok; every finished run complete; unfinished ones hold whole chunks only; the
    cache holds whole chunks of right verdicts. Returns the unfinished runs and the number of
    cached checks per engine."""
    conn = raw(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    runs = conn.execute("SELECT id, finished, (SELECT count(*) FROM results WHERE run = id) "
                        "FROM runs").fetchall()
    for run, finished, count in runs:
        assert count == 600 if finished else count % 200 == 0, (run, finished, count)
    checks = conn.execute("SELECT key, verdict FROM checks").fetchall()
    assert all(f'"answer": "{key}"' in verdict for key, verdict in checks)
    cached = dict(conn.execute("SELECT engine_version, count(*) FROM checks "
                               "GROUP BY engine_version").fetchall())
    assert all(count % 25 == 0 for count in cached.values())
    conn.close()
    return {run for run, finished, _ in runs if finished is None}, cached


def test_a_writer_killed_at_random_moments_leaves_a_consistent_reusable_gradebook(tmp_path):
    """Fast checks on engine E1 (the kills land in checks, results and finished runs), then
    slow checks on E2 (the kills land while its cache fills), then an E2 run to the end."""
    path = tmp_path / "g.sqlite"
    rng = random.Random(int(os.environ.get("NABLAGRADE_KILL_SEED", "2718")))
    for engine, check_time in [("E1", 0.0001)] * 4 + [("E2", 0.004)] * 3:
        kill_at_random(tmp_path, path, rng.uniform(0.05, 0.5), engine, check_time)
        unfinished, cached = assert_consistent(path)
        with Gradebook(path) as gb:
            assert gb.previous_run("hw") not in unfinished
            assert gb.previous_run("hw") is None or gb.run(gb.previous_run("hw")).finished
    assert cached.get("E2", 0) < 1000 and unfinished  # E2 runs interrupted, its cache partial
    with Gradebook(path) as gb:
        assert gb.run(gb.previous_run("hw")).engine_version == "E1"
    finisher = start_worker(tmp_path, path, "once", "E2", 0)
    out, _ = finisher.communicate(timeout=60)
    assert finisher.returncode == 0
    run, computed = map(int, out.split()[1:])
    assert computed == 1000 - cached["E2"]  # what the killed runs stored is reused
    assert assert_consistent(path)[1]["E2"] == 1000
    with Gradebook(path) as gb:
        assert gb.previous_run("hw") == run
        assert gb.run(run).engine_version == "E2"
        assert sum(r.points for r in gb.results_of(run).values()) == 600
