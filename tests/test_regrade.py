"""Regrading end to end: the sample class gives the expected grades and diagnoses; a re-run
reuses the gradebook and reports what changed and why; a run killed with SIGKILL leaves the
gradebook consistent and the next run completes it; the local pool and a Dask cluster give
identical results; the audit finds the official key's mistakes."""

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nablagrade.cli import main
from nablagrade.grade.regrade import regrade

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "examples" / "class"


def grades(outdir: Path) -> dict:
    with open(outdir / "grades.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def results(outdir: Path) -> dict:
    data = json.loads((outdir / "results.json").read_text())
    return {(r["student"], r["question"]): r for r in data["results"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    summary = regrade("cnn-rnn-theory", [CLASS], out, pdf=False)
    return out, summary


# (student, question) -> (points, diagnosis codes): what each sample file was written to show
EXPECTED = {
    ("ab1234", "1.1a"): (1, ()), ("ab1234", "1.2.2e"): (5, ()),
    ("ef3456", "1.2.1c-dc"): (0, ("transpose-error",)),  # copied the official key
    ("ef3456", "1.1c-iv"): (0, ("wrong-range",)),
    ("kl6789", "1.1a"): (0.5, ("dims-swapped",)),
    ("dc5791", "1.2.1c-shape"): (0.5, ("layout-denominator",)),
    ("gh4567", "1.1b"): (0, ("missing-floor",)),
    ("ij5678", "1.2.2e"): (0, ("missing-term",)),
}


def test_the_sample_class_is_graded_as_its_files_intend(graded):
    out, summary = graded
    assert summary.students == 34 and summary.distinct <= summary.answers
    rows, res = grades(out), results(out)
    assert float(rows["ab1234"]["total"]) == float(rows["ab1234"]["max"]) == 42
    for (student, question), (points, codes) in EXPECTED.items():
        r = res[(student, question)]
        assert r["points"] == points, (student, question, r)
        assert tuple(d["code"] for d in r["diagnoses"]) == codes, (student, question, r)
    assert res[("mn7890", "1.1b")]["verdict"] == "missing"
    for unreadable in ("cn5566", "xw5792"):  # broken JSON, not UTF-8: a row, no grades
        assert rows[unreadable]["total"] in ("", "0")
    problems = json.loads((out / "results.json").read_text())["problems"]
    assert any("xw5792" in p["file"] and "not UTF-8" in p["message"] for p in problems)
    assert (out / "report.md").read_text().count("## ") >= 25
    assert (out / "feedback" / "ef3456.md").exists()


def test_the_injection_attempt_is_graded_and_never_executed(graded):
    out, _ = graded
    feedback = (out / "feedback" / "ts3570.md").read_text()
    assert "root:x:" not in feedback


def test_unchanged_rerun_reuses_everything_and_changes_nothing(graded, tmp_path):
    out, _ = graded
    again = tmp_path / "again"
    shutil.copytree(out, again)
    summary = regrade("cnn-rnn-theory", [CLASS], again, pdf=False)
    assert summary.checked == 0 and summary.changes == []
    assert (again / "changes.csv").read_text().splitlines() == ["student,question,old_points,new_points,why"]


def test_an_edited_answer_and_a_changed_credit_show_in_changes(tmp_path):
    folder = tmp_path / "class"
    shutil.copytree(CLASS, folder)
    out = tmp_path / "out"
    first = regrade("cnn-rnn-theory", [folder], out, pdf=False)
    page = folder / "ab1234.tex"
    text = page.read_text()
    start = text.index(r"\begin{answer}{1.2.1c-dc}")
    end = text.index(r"\end{answer}", start)
    page.write_text(text[:start] + r"\begin{answer}{1.2.1c-dc}" + "\n$"
                    r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h^\top$" + "\n" + text[end:])
    second = regrade("cnn-rnn-theory", [folder], out, pdf=False)
    assert second.checked <= 1 < first.checked
    rows = read_csv(out / "changes.csv")
    assert rows == [{"student": "ab1234", "question": "1.2.1c-dc", "old_points": "1",
                     "new_points": "0", "why": "answer changed"}]
    # the instructor raises the credit for denominator layout on 1.2.1c-shape
    toml = (ROOT / "nablagrade/assignments/cnn-rnn-theory.toml").read_text()
    custom = tmp_path / "cnn-rnn-theory.toml"
    custom.write_text(toml.replace("credit = { layout-denominator = 0.5 }",
                                   "credit = { layout-denominator = 0.75 }"))
    third = regrade(str(custom), [folder], out, pdf=False)
    assert third.checked == 0  # credit is applied to stored verdicts: nothing re-checked
    rows = read_csv(out / "changes.csv")
    assert {(r["student"], r["question"]) for r in rows} >= {("dc5791", "1.2.1c-shape")}
    assert all(r["new_points"] == "0.75" and "question changed" in r["why"] for r in rows)


def test_a_run_killed_with_sigkill_is_completed_by_the_next(tmp_path):
    folder = tmp_path / "class"
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import regrade as bench
    finally:
        sys.path.pop(0)
    folder = bench.make_class(tmp_path, 120)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "nablagrade", "regrade", "cnn-rnn-theory", str(folder),
               "-o", str(out), "--no-pdf", "--jobs", "2"]
    process = subprocess.Popen(command, cwd=tmp_path, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.6)  # past start-up, in the middle of checking
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    book = out / "gradebook.sqlite"
    if book.exists():
        with sqlite3.connect(book) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            finished = db.execute("SELECT count(*) FROM runs WHERE finished IS NOT NULL").fetchone()[0]
            stored = db.execute("SELECT count(*) FROM checks").fetchone()[0]
    else:
        finished, stored = 0, 0
    summary = regrade("cnn-rnn-theory", [folder], out, pdf=False)
    assert summary.checked == summary.distinct - stored  # the killed run's work is reused
    clean = regrade("cnn-rnn-theory", [folder], tmp_path / "clean", pdf=False)
    assert (out / "grades.csv").read_text() == (tmp_path / "clean" / "grades.csv").read_text()
    assert finished <= 1 and clean.checked == clean.distinct


def test_the_local_pool_and_a_dask_cluster_agree(tmp_path):
    distributed = pytest.importorskip("distributed")
    import nablagrade.grade.pool as pool
    from nablagrade.grade.model import Job

    jobs = [Job("rnn.gated", "dc-dh", (), a) for a in (
        r"\operatorname{diag}(c[t] \odot (1 - c[t])) W_h", r"\operatorname{diag}(c_t) W_h^\top",
        r"x +")] + [Job("loss.init", "loss", (("classes", 4),), a) for a in (r"\ln 4", "1.38")] + [
        Job("conv.output-shape", "shape", (("H", 11), ("KH", 5), ("KW", 4), ("S", 4), ("W", 21)),
            r"5 \times 2")]
    local = dict(pool.run_local(jobs, 2))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = dict(pool.run_dask(jobs, cluster.scheduler_address))
    assert local == remote
    assert [local[i]["verdict"] for i in range(len(jobs))] == [
        "correct", "incorrect", "invalid", "correct", "incorrect", "incorrect"]


def test_audit_finds_the_official_keys_mistakes():
    result = CliRunner().invoke(main, ["audit", "cnn-rnn-theory",
                                       str(ROOT / "examples/official-key-000.tex"), "--json"])
    assert result.exit_code == 1  # the key has mistakes
    data = json.loads(result.output)
    found = {f["question"]: tuple(d["code"] for d in f["diagnoses"]) for f in data["findings"]}
    assert found["1.1a"] == ("dims-swapped",)
    assert found["1.2.1c-dc"] == ("transpose-error",)
    assert found["1.1c-iv"] == ("wrong-range",)
    assert "1.2.2e" in data["unanswered"]
    assert "1.1b" not in found and "1.1c-iii" not in found  # what the key gets right


def test_regrade_cli_writes_everything_and_the_lms_exports(tmp_path):
    result = CliRunner().invoke(main, [
        "regrade", "cnn-rnn-theory", str(CLASS / "ab1234.tex"), str(CLASS / "zy6803.json"),
        "-o", str(tmp_path), "--no-pdf", "--export", "canvas,gradescope", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "graded 2 students" in result.output
    canvas = (tmp_path / "canvas.csv").read_text().splitlines()
    assert canvas[0].startswith("Student,ID,SIS User ID,SIS Login ID,Section,")
    assert canvas[1].lstrip().startswith("Points Possible")
    gradescope = json.loads((tmp_path / "gradescope" / "ab1234" / "results.json").read_text())
    assert gradescope["score"] == 42 and len(gradescope["tests"]) == 25
    bad = CliRunner().invoke(main, ["regrade", "cnn-rnn-theory", str(CLASS), "--export", "moodle"])
    assert bad.exit_code == 2 and "unknown export 'moodle'" in bad.output


def test_the_report_counts_one_mistake_written_two_ways_once(tmp_path):
    for student, answer in (("s1", r"\operatorname{diag}(c[t]) W_h"),
                            ("s2", r"\text{diag}(c_t)\, W_{h}")):
        (tmp_path / f"{student}.json").write_text(json.dumps(
            {"student": student, "answers": {"1.2.1c-dc": answer}}))
    out = tmp_path / "out"
    regrade("cnn-rnn-theory", [tmp_path / "s1.json", tmp_path / "s2.json"], out, pdf=False)
    report = (out / "report.md").read_text()
    section = report[report.index("## Question 1.2.1c-dc"):report.index("## Question 1.2.1c-dh")]
    assert "(1 distinct)" in section and "**2** students" in section and "missing-term" in section
