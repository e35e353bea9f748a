"""Regrade outputs: a small class graded by hand (every verdict, an odd student id, an answer
that tries ``\\input{/etc/passwd}``) is written out and every file is read back: grades.csv,
results.json (a round trip), feedback (Markdown, LaTeX, PDF), changes.csv, the report and its
grouping of wrong answers, the Canvas and Gradescope exports."""

import csv
import json
from collections import namedtuple

import pytest

from nablagrade.assignments import load
from nablagrade.errors import UsageError
from nablagrade.grade import exports as X
from nablagrade.grade import feedback as F
from nablagrade.grade import outputs as O
from nablagrade.grade import present as P
from nablagrade.grade import report as R
from nablagrade.grade.model import FileProblem, Result
from nablagrade.render.build import LatexError, engine, pdf_text

needs_tex = pytest.mark.skipif(engine() is None, reason="no LaTeX engine installed")

ASSIGNMENT = load("cnn-rnn-theory")
TITLE = ASSIGNMENT.title
ODD = "../.o'dd $#%&"  # an id no file name may carry as it is
EVIL = r"\input{/etc/passwd} $#%&"
DIAG = r"\operatorname{diag}\left(c[t] \odot \left(1 - c[t]\right)\right)"
DC_EXPECTED = DIAG + " W_h"
TRANSPOSED = ("transpose-error", "One factor is transposed: your answer equals the expected "
              "one with $(W_h)^\\top$ in place of $W_h$.")
PARSE_ERROR = ("parse-error", f"unknown command '\\input' (line 1, column 1):\n{EVIL}\n^")
REFERENCE = "Vanishing: yes. The products of diag(c[t]) shrink."


def result(student, question, verdict, points, answer="", understood="", diagnoses=(), **kw):
    max_points = ASSIGNMENT.question(question).points
    score = points / max_points if max_points else 0.0
    expected = {"1.1a": "2 \\times 5", "1.2.1c-dc": DC_EXPECTED, "1.2.1d": REFERENCE,
                "1.3-loss": "\\ln{\\left(4 \\right)}"}[question]
    return Result(student, question, verdict, score, points, max_points, answer, understood,
                  expected, tuple(diagnoses), **kw)


CLASS = [
    result("ab12", "1.1a", "correct", 1, "2\\times5", "2 \\times 5", method="exact"),
    result("ab12", "1.2.1c-dc", "incorrect", 0, DIAG + " W_h^T", DIAG + " W_{h}^{\\top}",
           [TRANSPOSED], method="sampled", instances=48,
           counterexample={"instance": {"n": 2}, "expected": [[1.5]], "got": [[-1.5]]}),
    result("ab12", "1.2.1d", "manual", 0, "It vanishes: sigmoid gates.", "It vanishes: "
           "sigmoid gates.", [("manual", "Left for manual grading.")], method="manual"),
    result("ab12", "1.3-loss", "correct", 1, "\\ln 4", "\\log\\left(4\\right)",
           params=(("classes", 4),)),
    result("cd34", "1.1a", "incorrect", 0.5, "5 \\times 2", "5 \\times 2",
           [("dims-swapped", "The dimensions are right but in another order.")]),
    # the same mistake as ab12's, written another way (equal values: one group by fingerprint)
    result("cd34", "1.2.1c-dc", "incorrect", 0,
           r"\operatorname{diag}(c[t] - c[t] \odot c[t]) W_h^\top",
           r"\operatorname{diag}\left(c[t] - c[t] \odot c[t]\right) W_{h}^{\top}", [TRANSPOSED]),
    result("cd34", "1.2.1d", "correct", 2, "Vanishing, because the gates are in (0, 1).",
           "Vanishing, because the gates are in (0, 1)."),
    result("cd34", "1.3-loss", "missing", 0, diagnoses=[("no-answer", "No answer.")]),
    result(ODD, "1.1a", "invalid", 0, EVIL, "", [PARSE_ERROR]),
    # ab12's answer, spelled differently: the same group even without fingerprints
    result(ODD, "1.2.1c-dc", "incorrect", 0, DIAG + r" W_{h}^{\top}", DIAG + r" W_h^\top",
           [TRANSPOSED]),
    result(ODD, "1.2.1d", "manual", 0, "Gradient " + EVIL, "Gradient " + EVIL,
           [("manual", "Left for manual grading.")]),
    result(ODD, "1.3-loss", "incorrect", 0, "1.38", "1.38",
           [("rounding", "1.38 is not the exact value rounded: round the last digit.")]),
    *[result("ef56", q, "missing", 0, diagnoses=[("no-answer", "No answer.")])
      for q in ("1.1a", "1.2.1c-dc", "1.2.1d", "1.3-loss")],
]
TOTALS = {"ab12": 2.0, "cd34": 2.5, ODD: 0.0, "ef56": 0.0}
PROBLEMS = [FileProblem("ef56.tex", "line 12", "unknown question id '9.9'", "ef56"),
            FileProblem("ef56.tex", "line 30", "unknown question id '7.1'", "ef56"),
            FileProblem("broken.json", "", "not valid JSON: Expecting value")]
Change = namedtuple("Change", "student question old_points new_points why")
CHANGES = [Change("cd34", "1.1a", 0.0, 0.5, "credit rule dims-swapped added"),
           {"student": "ab12", "question": "1.1a", "old_points": None, "new_points": 1.0,
            "why": "new"}]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("grades")
    written = O.write_outputs(outdir, ASSIGNMENT, CLASS, PROBLEMS, changes=CHANGES,
                              show_solutions=True, exports={"canvas", "gradescope"})
    return outdir, written


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_write_outputs_says_what_it_wrote(out):
    outdir, written = out
    safe = P.safe_name(ODD)
    assert {"grades.csv", "results.json", "changes.csv", "report.md", "canvas.csv",
            "feedback/ab12.md", f"feedback/{safe}.md", "gradescope/ef56/results.json"} \
        <= set(written)
    assert all(path.is_file() and path.parent.resolve().is_relative_to(outdir.resolve())
               for path in written.values())
    assert not any(p.suffix in (".pdf", ".tex") for p in outdir.rglob("*"))  # pdf=False


def test_grades_csv_has_a_column_per_question_and_the_totals(out):
    rows = read_csv(out[0] / "grades.csv")
    assert rows[0] == ["student", *(q.id for q in ASSIGNMENT.questions), "total", "max"]
    assert [r[0] for r in rows[1:]] == sorted(TOTALS)
    for row in rows[1:]:
        cells = dict(zip(rows[0], row))
        assert float(cells["total"]) == TOTALS[row[0]]
        assert cells["max"] == "42"
    cd34 = dict(zip(rows[0], rows[1 + sorted(TOTALS).index("cd34")]))
    assert (cd34["1.1a"], cd34["1.2.1d"], cd34["1.3-loss"], cd34["1.1b"]) == ("0.5", "2", "0", "")


def test_results_json_round_trips(out):
    data = json.loads((out[0] / "results.json").read_text("utf-8"))
    assert data["students"] == sorted(TOTALS)
    ids = [q["id"] for q in data["assignment"]["questions"]]
    assert ids == [q.id for q in ASSIGNMENT.questions]
    first = next(r for r in data["results"]
                 if (r["student"], r["question"]) == ("ab12", "1.2.1c-dc"))
    assert first["diagnoses"] == [{"code": TRANSPOSED[0], "message": TRANSPOSED[1]}]
    assert (first["answer"], first["understood"], first["method"]) == (
        DIAG + " W_h^T", DIAG + " W_{h}^{\\top}", "sampled")
    assert first["counterexample"] == {"instance": {"n": 2}, "expected": [[1.5]], "got": [[-1.5]]}
    results, problems = O.read_results(data)
    key = lambda r: (r.student, r.question)  # noqa: E731
    assert sorted(results, key=key) == sorted(CLASS, key=key)
    assert problems == PROBLEMS


def test_feedback_markdown_per_question(out):
    text = (out[0] / "feedback" / "ab12.md").read_text("utf-8")
    assert "**Total: 2 of 42 points**" in text
    assert "## Question 1.1a: correct (1 of 1)" in text
    assert "Your answer, as understood: $2 \\times 5$" in text
    assert "## Question 1.2.1c-dc: incorrect (0 of 1)" in text
    assert f"Your answer, as understood: ${DIAG} W_{{h}}^{{\\top}}$" in text
    assert "- One factor is transposed" in text and "$W_{h}^{\\top}$ in place of $W_{h}$" in text
    assert f"Expected: ${DC_EXPECTED}$" in text
    assert "> It vanishes: sigmoid gates." in text  # prose stays prose
    assert "Problems with your files" not in text
    missing = (out[0] / "feedback" / "ef56.md").read_text("utf-8")
    assert "## Question 1.3-loss: no answer (0 of 1)" in missing
    assert "## Problems with your files" in missing and "unknown question id '9.9'" in missing


def test_feedback_never_passes_student_text_as_markup(out):
    safe = P.safe_name(ODD)
    assert "/" not in safe and not safe.startswith(".") and safe != ODD
    md = (out[0] / "feedback" / f"{safe}.md").read_text("utf-8")
    assert f"it could not be read): ` {EVIL} `" in md  # in a code span, not as maths
    assert "\\$\\#%\\&" in md  # the prose answer, escaped
    f = F.feedback_for(ODD, ASSIGNMENT, CLASS, PROBLEMS, show_solutions=True)
    tex = F.as_latex(f)
    assert "\\input" not in tex
    assert r"\texttt{\textbackslash{}input\{/etc/passwd\} \$\#\%\&}" in tex
    assert r"Feedback for ../.o'dd \$\#\%\&" in tex


def test_feedback_hides_solutions_unless_asked():
    f = F.feedback_for("ab12", ASSIGNMENT, CLASS, PROBLEMS)
    assert "Expected" not in F.as_markdown(f) and "Expected" not in F.as_latex(f)


def test_changes_csv(out):
    assert read_csv(out[0] / "changes.csv") == [
        ["student", "question", "old_points", "new_points", "why"],
        ["ab12", "1.1a", "", "1", "new"],
        ["cd34", "1.1a", "0", "0.5", "credit rule dims-swapped added"]]


def test_changes_csv_only_when_changes_are_given(tmp_path):
    written = O.write_outputs(tmp_path, ASSIGNMENT, CLASS[:2], [])
    assert "changes.csv" not in written and not (tmp_path / "changes.csv").exists()


# ----- the report ----------------------------------------------------------------------------

def test_wrong_answers_group_by_fingerprint():
    wrong = [r for r in CLASS if r.question == "1.2.1c-dc" and r.verdict == "incorrect"]
    same = {(r.student, r.question): "values:1f3a" for r in wrong}
    (group,) = R.wrong_groups(wrong, same)
    assert (group.count, group.codes, group.students) == (3, ("transpose-error",),
                                                         tuple(sorted(r.student for r in wrong)))
    # without fingerprints: the AST's LaTeX, whitespace folded; W_h^T and W_{h}^{\top} are one
    groups = R.wrong_groups(wrong)
    assert sorted(g.count for g in groups) == [1, 2]
    two = next(g for g in groups if g.count == 2)
    assert set(two.students) == {"ab12", ODD}
    # a different diagnosis is a different group, whatever the fingerprint
    other = [wrong[0], Result(**{**wrong[1].to_json(), "diagnoses": (("sign-error", "s"),),
                                 "params": ()})]
    assert len(R.wrong_groups(other, same)) == 2


def test_report_statistics():
    summary = R.summarise(ASSIGNMENT, CLASS, PROBLEMS)
    q = {s.question: s for s in summary.questions}
    assert q["1.1a"].points == ((0, 2), (0.5, 1), (1, 1))
    assert q["1.1a"].mean == pytest.approx(1.5 / 4)
    assert q["1.1a"].share_correct == 0.25
    assert dict(q["1.3-loss"].verdicts) == {"correct": 1, "incorrect": 1, "missing": 2}
    assert q["1.1b"].verdicts == () and q["1.1b"].groups == ()
    assert [g.count for g in q["1.2.1c-dc"].groups] == [2, 1]
    assert summary.problem_kinds[0][:2] == ("unknown question id '…'", 2)
    assert dict(summary.totals) == TOTALS


def test_report_markdown(tmp_path):
    wrong = [r for r in CLASS if r.question == "1.2.1c-dc" and r.verdict == "incorrect"]
    fingerprints = {(r.student, r.question): "same" for r in wrong}
    O.write_outputs(tmp_path, ASSIGNMENT, CLASS, PROBLEMS, fingerprints=fingerprints)
    text = (tmp_path / "report.md").read_text("utf-8")
    section = text.split("## Question 1.2.1c-dc")[1].split("## Question")[0]
    assert "Most common wrong answers (1 distinct):" in section
    assert f"- **3** students: ${DIAG} W_{{h}}^{{\\top}}$ (transpose-error)" in section
    assert "  - One factor is transposed" in section
    assert "| 2 | unknown question id '…' |" in text
    assert "4 students; mean total 1.125 of 42 points." in text
    assert "  0-5 | " + "#" * R.BAR + " 4" in text
    assert text.split("## Question 1.1b")[1].split("##")[0].strip().endswith("No results.")


def test_report_latex_escapes_and_reprints():
    tex = R.as_latex(R.summarise(ASSIGNMENT, CLASS, PROBLEMS))
    assert "\\input" not in tex
    assert r"\texttt{\textbackslash{}input\{/etc/passwd\} \$\#\%\&}" in tex
    assert r"\addplot" in tex and "xticklabels={{0-5},{5-10}" in tex


@pytest.mark.parametrize("totals, top, first, last", [
    ([0, 1, 1, 2], 2, ("0-0.25", 1), ("1.75-2", 1)),
    ([42, 0, 41.5, 40], 42, ("0-5", 1), ("40-42", 3)),
    ([300, 12.5], 300, ("0-25", 1), ("275-300", 1)),
    ([], 0, ("0-0", 0), ("0-0", 0)),
])
def test_histogram_bins_have_round_widths_and_hold_every_total(totals, top, first, last):
    bins = R.histogram(totals, top)
    assert (bins[0], bins[-1]) == (first, last)
    assert sum(c for _, c in bins) == len(totals) and len(bins) <= 12


# ----- exports -------------------------------------------------------------------------------

def test_canvas_csv_without_a_roster(out):
    lines = (out[0] / "canvas.csv").read_text("utf-8").splitlines()
    assert lines[0] == f"Student,ID,SIS User ID,SIS Login ID,Section,{TITLE}"
    assert lines[1] == "    Points Possible,,,,,42.00"
    rows = read_csv(out[0] / "canvas.csv")[2:]
    assert rows == [[s, "", "", s, "", f"{TOTALS[s]:.2f}"] for s in sorted(TOTALS)]


ROSTER = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Homework 1 (111),"
          f"{TITLE} (4242),Current Score\n") + """\
    Points Possible,,,,,10.00,42.00,(read only)
"Doe, Jane",11,,AB12,Section 1,9.00,,90
"Roe, Rick",12,cd34,rroe,Section 2,,,
"Poe, Ann",13,,zz99,Section 1,,,
"""


def test_canvas_csv_merges_a_roster(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    totals = {"ab12": 2.0, "cd34": 2.5, "ef56": 0.0}
    export = X.write_canvas(tmp_path / "canvas.csv", ASSIGNMENT, totals, roster=roster)
    assert export.header == f"{TITLE} (4242)" and export.unmatched == ("ef56",)
    lines = (tmp_path / "canvas.csv").read_text("utf-8").splitlines()
    assert lines[:2] == [f"Student,ID,SIS User ID,SIS Login ID,Section,{TITLE} (4242)",
                         "    Points Possible,,,,,42.00"]
    assert read_csv(tmp_path / "canvas.csv")[2:] == [
        ["Doe, Jane", "11", "", "AB12", "Section 1", "2.00"],  # by SIS Login ID
        ["Roe, Rick", "12", "cd34", "rroe", "Section 2", "2.50"],  # by SIS User ID
        ["Poe, Ann", "13", "", "zz99", "Section 1", ""],  # no submission: no score
        ["ef56", "", "", "ef56", "", "0.00"]]  # not in the roster: reported, still written


def test_canvas_notes_students_missing_from_the_roster(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    written = O.write_outputs(tmp_path / "out", ASSIGNMENT, CLASS, [], exports=["canvas"],
                              roster=roster, canvas_id="777")
    assert read_csv(written["canvas.csv"])[0][-1] == f"{TITLE} (777)"
    report = written["report.md"].read_text("utf-8")
    assert "Canvas: 2 students are not in the roster" in report and "ef56" in report


def test_canvas_match_prefers_the_login_id():
    people = [{"ID": "ab12", "SIS Login ID": "x"}, {"ID": "1", "SIS Login ID": "ab12"}]
    assert X.match_roster(people, ["ab12"]) == {1: "ab12"}


def test_roster_without_identity_columns_is_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Name,Score\nJane,1\n", encoding="utf-8")
    with pytest.raises(X.RosterError, match="not a Canvas gradebook export"):
        X.read_roster(roster)


def test_gradescope_results_schema(out):
    for student, total in TOTALS.items():
        data = json.loads((out[0] / "gradescope" / P.safe_name(student) / "results.json")
                          .read_text("utf-8"))
        assert data["score"] == total and isinstance(data["execution_time"], int)
        assert data["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert data["output_format"] == "md" and isinstance(data["output"], str)
        assert [t["number"] for t in data["tests"]] == ["1.1a", "1.2.1c-dc", "1.2.1d", "1.3-loss"]
        for t in data["tests"]:
            assert set(t) >= {"score", "max_score", "status", "name", "number", "output"}
            assert t["status"] in ("passed", "failed") and t["name"] == f"Question {t['number']}"
        assert sum(t["score"] for t in data["tests"]) == total
    ab12 = json.loads((out[0] / "gradescope" / "ab12" / "results.json").read_text("utf-8"))
    assert [t["status"] for t in ab12["tests"]] == ["passed", "failed", "failed", "passed"]
    assert "Expected:" in ab12["tests"][1]["output"]  # show_solutions


def test_unknown_export_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="unknown export 'moodle'"):
        O.write_outputs(tmp_path, ASSIGNMENT, CLASS, [], exports=["moodle"])


# ----- file names, CSV cells -----------------------------------------------------------------

@pytest.mark.parametrize("student", ["../x", ".hidden", "a/b", "a\\b", "", "..", "é", "x" * 300])
def test_safe_names(student):
    name = P.safe_name(student)
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name) <= 100


def test_safe_names_keep_distinct_ids_apart():
    assert P.safe_name("ab12") == "ab12"
    assert len({P.safe_name(s) for s in ("a/b", "a_b", "a\\b", "a b")}) == 4


@pytest.mark.parametrize("cell, shown", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1+2", "'+1+2"), ("-x", "'-x"),
    ("@sum", "'@sum"), ("ab12", "ab12"), ("-0.5", "-0.5"), (None, ""),
])
def test_csv_cells_never_start_a_formula(cell, shown):
    assert P.csv_text(cell) == shown


# ----- PDFs ----------------------------------------------------------------------------------

@needs_tex
def test_feedback_pdf_never_reads_the_file_a_student_names(tmp_path):
    written = O.write_outputs(tmp_path, ASSIGNMENT, CLASS, PROBLEMS, pdf=True,
                              show_solutions=True)
    safe = P.safe_name(ODD)
    assert {f"feedback/{safe}.pdf", "feedback/ab12.pdf", "report.pdf"} <= set(written)
    assert not (tmp_path / "pdf-failures.txt").exists()
    text = pdf_text(written[f"feedback/{safe}.pdf"])
    assert "root:" not in text and "/bin/" not in text
    assert "\\input{/etc/passwd} $#%&" in text  # shown as text, whole
    assert "2×5" in text.replace(" ", "")  # the expected answer, as maths


def test_one_failed_pdf_does_not_stop_the_others(tmp_path, monkeypatch):
    built = []

    def fake_build(source, out_pdf, **options):
        if "cd34" in out_pdf.name:
            raise LatexError("cd34.tex:3: Undefined control sequence.")
        out_pdf.write_bytes(b"%PDF-1.5\n")
        built.append(out_pdf.name)
        return type("Built", (), {"pdf": out_pdf})

    monkeypatch.setattr(O, "engine", lambda: "pdflatex")
    monkeypatch.setattr(O, "build_pdf", fake_build)
    written = O.write_outputs(tmp_path, ASSIGNMENT, CLASS, PROBLEMS, pdf=True)
    assert sorted(built) == sorted([f"{P.safe_name(s)}.pdf" for s in TOTALS if s != "cd34"]
                                   + ["report.pdf"])
    assert (tmp_path / "pdf-failures.txt").read_text("utf-8") == \
        "feedback/cd34.tex: cd34.tex:3: Undefined control sequence.\n"
    assert "feedback/cd34.tex" in written and "feedback/cd34.pdf" not in written


def test_without_a_tex_engine_the_sources_stay(tmp_path, monkeypatch):
    monkeypatch.setattr(O, "engine", lambda: None)
    written = O.write_outputs(tmp_path, ASSIGNMENT, CLASS, PROBLEMS, pdf=True)
    assert "feedback/ab12.tex" in written and "report.tex" in written
    assert not list(tmp_path.rglob("*.pdf"))
    (line,) = (tmp_path / "pdf-failures.txt").read_text("utf-8").splitlines()
    assert line.startswith("all: no PDFs: no LaTeX engine")


def test_doctests():
    import doctest

    assert doctest.testmod(P).failed == 0
