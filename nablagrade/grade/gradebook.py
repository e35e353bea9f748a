"""The SQLite gradebook of batch regrading: every run, the cache of distinct checks, every result,
the problems found in the answer files, and the changes between two runs.

Tables (``PRAGMA user_version`` numbers the schema, for future migrations):

- ``runs``: one row per ``regrade`` (started, finished — NULL until the run completes —, the
  assignment's name and hash, the engine version, the options as JSON). Only finished runs count
  as "previous".
- ``checks``: the verdict JSON of each distinct check (``Job.key``), reused by any later run of
  the same engine version.
- ``results``: one graded :class:`Result` per (run, student, question).
- ``problems``: the :class:`FileProblem` of each run.

Every write is one ``BEGIN IMMEDIATE`` transaction (WAL journal): a process killed at any moment
leaves the checks and results of the transactions it committed, and no run marked finished that
was not. A finished run is frozen: triggers refuse new results or problems for it.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping

from nablagrade.errors import NablagradeError
from nablagrade.grade.changes import Change, compare
from nablagrade.grade.model import FileProblem, Result

SCHEMA_VERSION = 1

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
        assignment TEXT NOT NULL, digest TEXT NOT NULL, engine_version TEXT NOT NULL,
        options TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS runs_by_assignment ON runs (assignment, finished, id)",
    # (key, engine version) is the primary key, not the key alone: graders on two engine
    # versions sharing one gradebook then keep each other's cache instead of overwriting it.
    """CREATE TABLE IF NOT EXISTS checks (
        key TEXT NOT NULL, engine_version TEXT NOT NULL, verdict TEXT NOT NULL,
        created TEXT NOT NULL, PRIMARY KEY (key, engine_version)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS results (
        run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        student TEXT NOT NULL, question TEXT NOT NULL, verdict TEXT NOT NULL,
        score REAL NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
        answer TEXT NOT NULL, understood TEXT NOT NULL, expected TEXT NOT NULL,
        diagnoses TEXT NOT NULL, method TEXT NOT NULL, instances INTEGER NOT NULL,
        counterexample TEXT, params TEXT NOT NULL, note TEXT NOT NULL,
        PRIMARY KEY (run, student, question)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS problems (
        run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        file TEXT NOT NULL, place TEXT NOT NULL, message TEXT NOT NULL, student TEXT)""",
    "CREATE INDEX IF NOT EXISTS problems_by_run ON problems (run)",
    *(f"""CREATE TRIGGER IF NOT EXISTS {table}_of_finished_run BEFORE INSERT ON {table}
        WHEN (SELECT finished FROM runs WHERE id = NEW.run) IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'the run is finished: its {table} are frozen'); END"""
      for table in ("results", "problems")),
)

RESULT_COLUMNS = ("run", "student", "question", "verdict", "score", "points", "max_points",
                  "answer", "understood", "expected", "diagnoses", "method", "instances",
                  "counterexample", "params", "note")
CHUNK = 500  # keys per IN (...) lookup: well under SQLite's limit on bound variables


class GradebookError(NablagradeError):
    """The gradebook file cannot be used: not a database, from a newer version, busy, or a
    write that breaks its rules (an unknown or finished run)."""

    exit_code = 4


@dataclass(frozen=True)
class Run:
    """One row of ``runs``."""

    id: int
    started: str
    finished: str | None
    assignment: str
    digest: str
    engine_version: str
    options: Mapping[str, Any]


class Gradebook:
    """The gradebook in the SQLite file ``path``, created with its schema when missing.

    A context manager; ``timeout`` is how long a write waits for another process's write.
    """

    def __init__(self, path, timeout: float = 30.0):
        self.path = str(path)
        self.timeout = timeout
        try:
            self._conn = _open(self.path, timeout)
        except sqlite3.DatabaseError as err:
            raise GradebookError(f"{self.path}: not a usable gradebook: {err}") from err

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed at the end or rolled back on any exception.

        ``BEGIN IMMEDIATE`` takes the write lock first (waiting up to the busy timeout): a
        deferred transaction that reads and then writes could fail on a concurrent commit.
        """
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
        except sqlite3.IntegrityError as err:
            raise GradebookError(f"{self.path}: {err}") from err
        except sqlite3.OperationalError as err:
            if getattr(err, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise GradebookError(f"{self.path}: busy: another process has been writing "
                                     f"for more than {self.timeout:g} s") from err
            raise

    # Runs

    def start_run(self, assignment: str, digest: str, engine_version: str,
                  options: Mapping[str, Any] | None = None) -> int:
        """Record a new, unfinished run and return its id."""
        with self._writing() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started, assignment, digest, engine_version, options) "
                "VALUES (?, ?, ?, ?, ?)",
                (_now(), assignment, digest, engine_version, _dumps(dict(options or {}))))
        return cursor.lastrowid

    def finish_run(self, run_id: int) -> None:
        """Mark the run finished (once: a finished run keeps its time)."""
        with self._writing() as conn:
            conn.execute("UPDATE runs SET finished = ? WHERE id = ? AND finished IS NULL",
                         (_now(), run_id))
        self.run(run_id)  # an unknown run is an error, not a silent no-op

    def run(self, run_id: int) -> Run:
        """The run with that id."""
        row = self._conn.execute("SELECT id, started, finished, assignment, digest, "
                                 "engine_version, options FROM runs WHERE id = ?",
                                 (run_id,)).fetchone()
        if row is None:
            raise GradebookError(f"{self.path}: no run {run_id}")
        return Run(*row[:6], options=json.loads(row[6]))

    def previous_run(self, assignment: str, before: int | None = None) -> int | None:
        """The latest finished run of that assignment (started before run ``before``, when
        given), or None. Unfinished runs — running or killed — never count."""
        row = self._conn.execute(
            "SELECT max(id) FROM runs WHERE assignment = ? AND finished IS NOT NULL "
            "AND (? IS NULL OR id < ?)", (assignment, before, before)).fetchone()
        return row[0]

    # The cache of checks

    def cached(self, keys: Iterable[str], engine_version: str) -> dict[str, dict]:
        """The stored verdict JSON of each of ``keys`` checked by that engine version."""
        found = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            rows = self._conn.execute(
                f"SELECT key, verdict FROM checks WHERE engine_version = ? "
                f"AND key IN ({', '.join('?' * len(chunk))})", (engine_version, *chunk))
            found.update((key, json.loads(verdict)) for key, verdict in rows)
        return found

    def store_checks(self, items: Iterable[tuple[str, Mapping | str]],
                     engine_version: str) -> None:
        """Store (key, verdict JSON) pairs in one transaction; call it per chunk of completed
        checks, so that a killed run keeps what it finished."""
        created = _now()
        rows = [(key, engine_version, _json_text(verdict), created) for key, verdict in items]
        with self._writing() as conn:
            conn.executemany("INSERT OR REPLACE INTO checks (key, engine_version, verdict, "
                             "created) VALUES (?, ?, ?, ?)", rows)

    # Results and problems

    def store_results(self, run_id: int, results: Iterable[Result]) -> None:
        """Store results of an unfinished run in one transaction (a result stored again for
        the same student and question replaces the first)."""
        rows = [_result_row(run_id, result) for result in results]
        marks = ", ".join("?" * len(RESULT_COLUMNS))
        with self._writing() as conn:
            conn.executemany(f"INSERT OR REPLACE INTO results ({', '.join(RESULT_COLUMNS)}) "
                             f"VALUES ({marks})", rows)

    def store_problems(self, run_id: int, problems: Iterable[FileProblem]) -> None:
        """Store the file problems of an unfinished run in one transaction."""
        rows = [(run_id, p.file, p.place, p.message, p.student) for p in problems]
        with self._writing() as conn:
            conn.executemany("INSERT INTO problems (run, file, place, message, student) "
                             "VALUES (?, ?, ?, ?, ?)", rows)

    def results_of(self, run_id: int) -> dict[tuple[str, str], Result]:
        """Every result of the run, by (student, question)."""
        rows = self._conn.execute(f"SELECT {', '.join(RESULT_COLUMNS[1:])} FROM results "
                                  f"WHERE run = ? ORDER BY student, question", (run_id,))
        results = (_result_of(row) for row in rows)
        return {(r.student, r.question): r for r in results}

    def problems_of(self, run_id: int) -> list[FileProblem]:
        """The file problems of the run, in the order stored."""
        rows = self._conn.execute("SELECT file, place, message, student FROM problems "
                                  "WHERE run = ? ORDER BY rowid", (run_id,))
        return [FileProblem(*row) for row in rows]

    # Changes

    def changes(self, old_run: int, new_run: int) -> list[Change]:
        """Every (student, question) whose points differ between the two runs, with why."""
        return compare(self.results_of(old_run), self.results_of(new_run),
                       self.run(old_run), self.run(new_run))


# Rows and records

def _result_row(run_id: int, r: Result) -> tuple:
    counterexample = None if r.counterexample is None else _dumps(r.counterexample)
    return (run_id, r.student, r.question, r.verdict, r.score, r.points, r.max_points,
            r.answer, r.understood, r.expected, _dumps([list(d) for d in r.diagnoses]),
            r.method, r.instances, counterexample, _dumps([list(p) for p in r.params]), r.note)


def _result_of(row: tuple) -> Result:
    (student, question, verdict, score, points, max_points, answer, understood, expected,
     diagnoses, method, instances, counterexample, params, note) = row
    return Result(student, question, verdict, score, points, max_points, answer, understood,
                  expected, diagnoses=_tuples(diagnoses), method=method, instances=instances,
                  counterexample=None if counterexample is None else json.loads(counterexample),
                  params=_tuples(params), note=note)


@lru_cache(maxsize=4096)  # a class shares few variants and diagnoses; the tuples are immutable
def _tuples(text: str) -> tuple:
    """JSON lists back to tuples: ((code, message), ...) or ``freeze_params`` pairs."""
    return _freeze(json.loads(text))


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


# One encoder, not one per call. Keys keep their order: a cached verdict reads back exactly as
# the checker wrote it, so outputs do not depend on whether a check was cached.
_dumps = json.JSONEncoder(default=str).encode


def _json_text(verdict: Mapping | str) -> str:
    """Verdict JSON as text: a mapping is serialised, a string must already be JSON."""
    if isinstance(verdict, str):
        json.loads(verdict)
        return verdict
    return _dumps(verdict)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# Connection and schema

def _open(path: str, timeout: float) -> sqlite3.Connection:
    """A connection to the gradebook, its schema created or checked."""
    conn = _connect(path, timeout)
    try:
        _create_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _connect(path: str, timeout: float) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; _writing opens each one explicitly.
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")  # an int we computed
    conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL loses no committed transaction to a killed process (only to a power
    # cut, and then the database stays consistent) and saves an fsync per commit.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _create_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the tables in one transaction when the file has none; refuse a newer schema."""
    if _user_version(conn, path) == SCHEMA_VERSION:
        return
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if _user_version(conn, path) < SCHEMA_VERSION:  # re-read: another process may have won
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # our constant


def _user_version(conn: sqlite3.Connection, path: str) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise GradebookError(f"{path}: gradebook schema {version} is newer than this "
                             f"nablagrade's ({SCHEMA_VERSION}); upgrade nablagrade")
    return version
