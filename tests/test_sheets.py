"""Solution sheets and answer templates: every built-in one renders and compiles to a PDF whose
text holds the key answers; variants render and compile; text from outside is escaped; the
command line writes what it says, with and without a LaTeX engine."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nablagrade.assignments import builtin_names, load, parse
from nablagrade.cli import main
from nablagrade.render.build import build_pdf, engine, pdf_text
from nablagrade.render.env import escape, render
from nablagrade.render.sheet import sheet_groups, sheet_source, template_source

needs_tex = pytest.mark.skipif(engine() is None, reason="no LaTeX engine installed")

KEY_ANSWERS = {  # what the PDF text of each solution sheet must show
    "cnn-rnn-theory": ["2 × 5", "Question 1.1c-iv", "Question 1.2.2f", "≈ 1.38629", "W h",
                       "Reference answer", "dilat"],
    "rnn-beam-conv": ["Question 6b", "Question 1d", "3u1 w2 + 2u2 w + u3", "−1"],
    "snn-conv-attention": ["≈ 0.0805657", "≈ −0.0724577", "103", "Question 5C-upsample"],
}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@needs_tex
@pytest.mark.parametrize("name", builtin_names())
def test_builtin_sheets_compile_and_show_the_key_answers(name, tmp_path):
    result = build_pdf(sheet_source(name), tmp_path / f"{name}.pdf")
    text = squash(pdf_text(result.pdf))
    bare = re.sub(r"\s+", "", text)  # pdftotext spaces maths as it likes
    for expected in KEY_ANSWERS[name]:
        assert re.sub(r"\s+", "", expected) in bare, expected
    assert "Conventions." in text and "numerator layout" in text


@needs_tex
@pytest.mark.parametrize("name", builtin_names())
def test_builtin_templates_compile_with_an_answer_box_per_question(name, tmp_path):
    result = build_pdf(template_source(name), tmp_path / "answers.pdf")
    text = squash(pdf_text(result.pdf))
    for q in load(name).questions:
        assert f"Answer {q.id}:" in text


@needs_tex
def test_a_filled_template_still_compiles(tmp_path):
    source = template_source("cnn-rnn-theory", "ab123")
    filled = source.replace(r"\begin{answer}{1.1a}" + "\n",
                            r"\begin{answer}{1.1a}" + "\n" + r"$2 \times 5$" + "\n")
    assert filled != source
    text = squash(pdf_text(build_pdf(filled, tmp_path / "filled.pdf").pdf))
    assert "Student: ab123" in text and "Answer 1.1a: 2×5" in text.replace(" × ", "×")


@needs_tex
def test_hundreds_of_variants_derive_render_and_compile(tmp_path):
    """Every randomizable question of every built-in assignment, for 300 students, in one
    document: each variant derives, renders and the whole compiles."""
    groups = []
    for name in builtin_names():
        assignment = load(name)
        randomized = [q for q in assignment.questions if q.randomize]
        for student in (f"st{i:03d}" for i in range(300)):
            variant = assignment.for_student(student)
            picked = type(variant)(**{**variant.__dict__, "questions": tuple(
                variant.question(q.id) for q in randomized)})
            groups.extend(sheet_groups(picked))
    assert len(groups) >= 300
    source = render("sheet.tex", groups=groups, title="Variants", source="", intro="",
                    layout="numerator", student="", points="0")
    result = build_pdf(source, tmp_path / "variants.pdf", timeout=240)
    assert result.pdf.stat().st_size > 0


def test_variant_sheets_differ_by_student():
    one, two = sheet_source("cnn-rnn-theory", "ab123"), sheet_source("cnn-rnn-theory", "cd456")
    assert one != two and sheet_source("cnn-rnn-theory", "ab123") == one


@pytest.mark.parametrize("text", [r"50% & $x_1$ #2 \input{/etc/passwd} ~ ^ _ { }", "José — 名前"])
def test_outside_text_is_escaped(text):
    out = escape(text)
    assert "\\input" not in out.replace(r"\textbackslash{}input", "")
    for ch in "%&$#_":  # (braces appear in the escapes themselves)
        assert re.search(r"(?<!\\)" + re.escape(ch), out.replace(r"\textbackslash{}", "")
                         .replace(r"\textasciicircum{}", "").replace(r"\textasciitilde{}", "")) is None


@needs_tex
def test_an_assignment_title_with_specials_compiles(tmp_path):
    text = (Path(__file__).parent.parent / "nablagrade/assignments/rnn-beam-conv.toml").read_text()
    text = text.replace('title = "Backprop', 'title = "50% & $x_1$ #1 \\\\input{/etc/passwd} Backprop')
    path = tmp_path / "special.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["sheet", str(path), "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code == 0, result.output
    out = squash(pdf_text(tmp_path / "s.pdf"))
    assert "50% & $x_1$ #1 \\input{/etc/passwd} Backprop" in out and "root:" not in out


def test_sheet_tex_only_and_template(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["sheet", "rnn-beam-conv", "-o", str(tmp_path / "s.tex")])
    assert result.exit_code == 0 and (tmp_path / "s.tex").exists()
    assert not (tmp_path / "s.pdf").exists()
    result = runner.invoke(main, ["template", "rnn-beam-conv", "--student", "ab1",
                                  "-o", str(tmp_path / "a.tex")])
    assert result.exit_code == 0
    assert r"\begin{answer}{6b}" in (tmp_path / "a.tex").read_text()


def test_without_a_latex_engine_the_tex_is_written_and_the_message_says_how(tmp_path, monkeypatch):
    import nablagrade.render.build as build

    monkeypatch.setattr(build, "engine", lambda: None)
    runner = CliRunner()
    named = runner.invoke(main, ["sheet", "rnn-beam-conv", "-o", str(tmp_path / "s.pdf")])
    assert named.exit_code == 1  # a PDF was asked for by name
    assert "apt-get install texlive-latex-recommended" in named.output
    assert (tmp_path / "s.tex").exists() and not (tmp_path / "s.pdf").exists()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        default = runner.invoke(main, ["sheet", "rnn-beam-conv"])
        assert default.exit_code == 0 and Path("rnn-beam-conv-solutions.tex").exists()


def test_unknown_assignment_is_a_usage_error():
    result = CliRunner().invoke(main, ["sheet", "nope"])
    assert result.exit_code == 2 and "cnn-rnn-theory" in result.output
