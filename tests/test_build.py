"""The LaTeX sandbox: attacks from a document fail, errors read well, builds clean up.

Each attack on a planted file also runs with the protection switched off (a control), so a
test cannot pass just because its attack was mistyped. Builds run under both runners (latexmk
and plain pdflatex) where installed.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import time

import pytest

from nablagrade.errors import NablagradeError
from nablagrade.render import build
from nablagrade.render.build import (
    INSTALL_HINT, LatexError, MissingTool, NoEngine, build_file, build_pdf, engine, pdf_text,
)

HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(
    not HAVE_TEX, reason=f"no LaTeX engine and pdftotext here; to run these: {INSTALL_HINT}, "
                         "apt-get install poppler-utils")
RUNNERS = [pytest.param(name, marks=pytest.mark.skipif(shutil.which(name) is None,
                                                      reason=f"{name} is not installed"))
           for name in ("latexmk", "pdflatex")]

ARTICLE = r"""\documentclass{article}
%s
\begin{document}
\section{Intro}\label{sec:intro}
See Section~\ref{sec:intro}. Backpropagation works.
%s
\end{document}
"""
BODY_LINE = 6  # the line of ARTICLE where the body slot sits


def article(body: str = "", preamble: str = "") -> str:
    return ARTICLE % (preamble, body)


@pytest.fixture(params=RUNNERS)
def runner(request, monkeypatch):
    """Build with this runner only, whatever else is installed."""
    if not HAVE_TEX:
        pytest.skip(f"no LaTeX engine here; to run this: {INSTALL_HINT}")
    monkeypatch.setattr(build, "engine", lambda: request.param)
    return request.param


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Sandboxes are made under this directory, so a test can see what is left behind."""
    root = tmp_path / "tmproot"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def attempt(tmp_path, source: str, **options):
    """Build ``source``; the PDF's text, or the LatexError the build raised."""
    try:
        return pdf_text(build_pdf(source, tmp_path / "out.pdf", **options).pdf)
    except LatexError as error:
        return error


# --- without an engine ---------------------------------------------------------------

def test_no_engine_says_how_to_install_one(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert engine() is None
    with pytest.raises(NoEngine, match="apt-get install texlive-latex-recommended") as caught:
        build_pdf(article(), tmp_path / "out.pdf")
    assert "or your platform's TeX distribution" in str(caught.value)
    assert isinstance(caught.value, NablagradeError) and caught.value.exit_code == 1
    with pytest.raises(MissingTool, match="poppler-utils"):
        pdf_text(tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_engine_prefers_latexmk_and_needs_pdflatex(monkeypatch):
    for present, expected in [({"pdflatex", "latexmk"}, "latexmk"), ({"pdflatex"}, "pdflatex"),
                              ({"latexmk"}, None)]:
        monkeypatch.setattr(shutil, "which",
                            lambda name: f"/bin/{name}" if name in present else None)
        assert engine() == expected


@pytest.mark.parametrize("log, expected", [
    ("(./document.tex\n./document.tex:12: Undefined control sequence.\nl.12 a \\foo\n  b\n",
     "doc.tex:12: Undefined control sequence.\nl.12 a \\foo\n    b"),
    ("! LaTeX Error: File `x.sty' not found.\n\nType X to quit\nl.3 \\usepackage{x}\n ^^M\n"
     "./document.tex:3: Emergency stop.\n",
     "LaTeX Error: File `x.sty' not found.\nl.3 \\usepackage{x}"),
    ("/usr/share/texlive/a.sty:7: Missing $ inserted.\n",
     "/usr/share/texlive/a.sty:7: Missing $ inserted."),
    ("LaTeX Warning: Reference `x' on page 1 undefined on input line 5.\n", None),
    ("Document Class: article 2022/07/02 v1.4n\n(/usr/share/x.sty:1)\n", None),
])
def test_first_error_of_a_log(log, expected):
    assert build._first_error(log, "doc.tex") == expected


def test_sandbox_env_inherits_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXMFOUTPUT", "/")
    monkeypatch.setenv("openin_any_pdflatex", "a")
    env = build.sandbox_env(tmp_path)
    assert {env["openin_any"], env["openout_any"], env["shell_escape"]} == {"p", "f"}
    assert "TEXMFOUTPUT" not in env and "openin_any_pdflatex" not in env


# --- reading and writing outside the sandbox ------------------------------------------
# Each attack comes with a control: the same document with one protection switched off must
# succeed in its attack, so the protection, not a typo, is what stops it.

@pytest.fixture
def control(private_tmp, monkeypatch):
    """Build with plain pdflatex (kpathsea decides, not the runner) in the known sandbox root."""
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        pytest.skip(f"no LaTeX engine here; to run this: {INSTALL_HINT}")
    monkeypatch.setattr(build, "engine", lambda: "pdflatex")


def loosen(monkeypatch, flags=None, **env):
    """Switch protections off: extra environment over the sandbox's, other TeX flags."""
    real = build.sandbox_env
    monkeypatch.setattr(build, "sandbox_env", lambda workdir: {**real(workdir), **env})
    if flags is not None:
        monkeypatch.setattr(build, "TEX_FLAGS", flags)


@pytest.fixture
def secret(tmp_path):
    """A readable file outside the sandbox; read as TeX or as text, it shows its marker."""
    path = tmp_path / "secret.tex"
    path.write_text("\\typeout{SECRETMARKER-7f3a}SECRETMARKER-7f3a\n")
    return path


READS = {
    "input": r"\input{%s}",
    "environment": r"\begin{input}{%s}\end{input}",
    "primitive": r"\makeatletter\@@input %s \makeatother",
    "openin": r"\newread\r\immediate\openin\r=%s \read\r to\l \l",
    "verbatim": r"\verbatiminput{%s}",
    "listings": r"\lstinputlisting{%s}",
}
READ_PREAMBLE = r"\usepackage{verbatim}\usepackage{listings}"
# the sandbox is private_tmp/nablagrade-tex-*/ and the secret sits beside private_tmp
WHERE = {"absolute": lambda secret: str(secret), "parent": lambda secret: "../../secret.tex"}


def read_attack(how, where, secret):
    return article(READS[how] % WHERE[where](secret), READ_PREAMBLE)


def shown(got) -> str:
    """Everything a build lets a user see: the PDF's text, or the error and its log."""
    return got.log + str(got) if isinstance(got, LatexError) else got


@needs_tex
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("how", READS)
def test_files_outside_the_sandbox_cannot_be_read(runner, tmp_path, private_tmp, secret, how,
                                                  where):
    got = attempt(tmp_path, read_attack(how, where, secret), timeout=20)
    assert "SECRETMARKER" not in shown(got)


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("how", READS)
def test_control_reads_leak_without_paranoia(control, monkeypatch, tmp_path, secret, how, where):
    loosen(monkeypatch, openin_any="a")
    assert "SECRETMARKER" in shown(attempt(tmp_path, read_attack(how, where, secret)))


@needs_tex
@pytest.mark.parametrize("how", READS)
def test_etc_passwd_cannot_be_read(runner, tmp_path, how):
    got = attempt(tmp_path, article(READS[how] % "/etc/passwd", READ_PREAMBLE), timeout=20)
    assert "root:" not in shown(got)


@needs_tex
def test_input_of_etc_passwd_fails_naming_the_refusal(runner, tmp_path):
    with pytest.raises(LatexError, match=r"/etc/passwd(.|\n)*openin_any = p") as caught:
        build_pdf(article(r"\input{/etc/passwd}"), tmp_path / "out.pdf")
    assert f"l.{BODY_LINE} " in str(caught.value)
    assert not (tmp_path / "out.pdf").exists()


LOOSENING_VARIABLES = [{"openin_any.pdflatex": "a"}, {"TEXMFOUTPUT": "{dir}"}]


@needs_tex
@pytest.mark.parametrize("variable", LOOSENING_VARIABLES)
def test_caller_environment_cannot_loosen_the_sandbox(runner, monkeypatch, tmp_path, secret,
                                                      variable):
    for name, value in variable.items():
        monkeypatch.setenv(name, value.format(dir=tmp_path))
    assert "SECRETMARKER" not in shown(attempt(tmp_path, read_attack("input", "absolute", secret)))


@pytest.mark.parametrize("variable", LOOSENING_VARIABLES)
def test_control_inherited_variables_would_loosen_it(control, monkeypatch, tmp_path, secret,
                                                     variable):
    loosen(monkeypatch, **{name: value.format(dir=tmp_path) for name, value in variable.items()})
    assert "SECRETMARKER" in shown(attempt(tmp_path, read_attack("input", "absolute", secret)))


SHELL = {
    "write18": (r"\immediate\write18{touch %s}", ""),
    "write18 at shipout": (r"\write18{touch %s}", ""),
    "pipe input": (r'\input|"touch %s" ', ""),
    "shellesc": (r"\ShellEscape{touch %s}", r"\usepackage{shellesc}"),
}


def shell_attack(how, pwned):
    body, preamble = SHELL[how]
    return article(body % pwned, preamble)


@needs_tex
@pytest.mark.parametrize("how", SHELL)
def test_shell_commands_never_run(runner, tmp_path, how):
    pwned = tmp_path / "pwned-XYZ"
    attempt(tmp_path, shell_attack(how, pwned), timeout=20)
    assert not pwned.exists()


@pytest.mark.parametrize("how", SHELL)
def test_control_shell_commands_run_when_allowed(control, monkeypatch, tmp_path, how):
    loosen(monkeypatch, ("-shell-escape", "-interaction=nonstopmode"), shell_escape="t")
    pwned = tmp_path / "pwned-XYZ"
    attempt(tmp_path, shell_attack(how, pwned))
    assert pwned.exists()


WRITES = {
    "immediate": r"\newwrite\f\immediate\openout\f=%s \immediate\write\f{x}\immediate\closeout\f",
    "at shipout": r"\newwrite\f\openout\f=%s \write\f{x}\closeout\f",
}
WRITE_WHERE = {"absolute": lambda target: str(target), "parent": lambda target: "../../written"}


def write_attack(how, where, target):
    return article(WRITES[how] % WRITE_WHERE[where](target))


@needs_tex
@pytest.mark.parametrize("where", WRITE_WHERE)
@pytest.mark.parametrize("how", WRITES)
def test_files_outside_the_sandbox_cannot_be_written(runner, tmp_path, private_tmp, how, where):
    target = tmp_path / "written.tex"  # TeX adds .tex to a name without extension
    with pytest.raises(LatexError, match="can't write on file"):
        build_pdf(write_attack(how, where, target), tmp_path / "out.pdf")
    assert not target.exists()


@pytest.mark.parametrize("where", WRITE_WHERE)
@pytest.mark.parametrize("how", WRITES)
def test_control_writes_land_without_paranoia(control, monkeypatch, tmp_path, how, where):
    loosen(monkeypatch, openout_any="a")
    target = tmp_path / "written.tex"
    build_pdf(write_attack(how, where, target), tmp_path / "out.pdf")
    assert target.exists()


# --- limits --------------------------------------------------------------------------

@needs_tex
def test_endless_loop_is_killed_at_the_time_limit(runner, tmp_path, monkeypatch):
    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.pid)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    with pytest.raises(LatexError, match=r"exceeded the time limit of 1\.5 s") as caught:
        build_pdf(article(r"\def\x{\x}\x"), tmp_path / "out.pdf", timeout=1.5)
    assert caught.value.exit_code == 4
    assert started and not any(map(group_lives, started))


def group_lives(group: int, grace: float = 5) -> bool:
    """Whether process group ``group`` still exists after ``grace`` seconds.

    Killed children linger a moment as zombies until init reaps them: hence the grace.
    """
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


@needs_tex
def test_runaway_output_is_stopped(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(build, "MAX_OUTPUT_BYTES", 1 << 20)
    flood = r"\loop\message{%s}\iftrue\repeat" % ("x" * 200)
    with pytest.raises(LatexError, match="wrote more than 1 MB"):
        build_pdf(article(flood), tmp_path / "out.pdf", timeout=30)


@needs_tex
def test_rerun_cap_ends_a_build_that_never_settles(runner, tmp_path):
    # a label whose value changes on every pass: the aux file never settles
    restless = (r"\makeatletter\immediate\write\@auxout"
                r"{\string\newlabel{r}{{\pdfuniformdeviate 99999}{1}}}")
    result = build_pdf(article(restless + r" \ref{r}"), tmp_path / "out.pdf", reruns=2)
    assert result.passes == 2
    assert any("did not settle after 2" in warning for warning in result.warnings)


# --- messages and results ------------------------------------------------------------

@needs_tex
def test_undefined_control_sequence_names_it_and_its_line(runner, tmp_path):
    with pytest.raises(LatexError) as caught:
        build_pdf(article(r"Gradients \undefinedgradient flow."), tmp_path / "sheet.pdf")
    message = str(caught.value)
    assert message.startswith(f"sheet.tex:{BODY_LINE}: Undefined control sequence.")
    assert f"l.{BODY_LINE} Gradients \\undefinedgradient" in message
    assert len(message.splitlines()) <= 4  # the first error, not a wall of log
    assert "Here is how much of TeX's memory you used" in caught.value.log


@needs_tex
def test_build_file_names_the_file(runner, tmp_path):
    tex = tmp_path / "answers.tex"
    tex.write_text(article(r"\oops"))
    with pytest.raises(LatexError, match=rf"^{tex}:{BODY_LINE}: Undefined control sequence"):
        build_file(tex)


@needs_tex
def test_good_document_builds_with_references_resolved(runner, tmp_path, private_tmp):
    result = build_pdf(article(r"$\nabla_W L = \delta x^\top$"), tmp_path / "out" / "sheet.pdf")
    text = pdf_text(result.pdf)
    assert result.pdf == tmp_path / "out" / "sheet.pdf" and result.engine == runner
    assert "See Section 1. Backpropagation works." in text and "??" not in text
    assert result.passes == 2 and result.warnings == ()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sheet.pdf"]
    assert list(private_tmp.iterdir()) == []


@needs_tex
@pytest.mark.parametrize("body, timeout", [(r"\oops", 20), (r"\def\x{\x}\x", 1)])
def test_failed_build_leaves_nothing_and_keeps_the_old_pdf(runner, tmp_path, private_tmp,
                                                           body, timeout):
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"old")
    with pytest.raises(LatexError):
        build_pdf(article(body), out, timeout=timeout)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf", "tmproot"]
    assert list(private_tmp.iterdir()) == []


@needs_tex
def test_sandbox_is_private(runner, tmp_path, monkeypatch):
    modes = []
    real_mkdtemp = tempfile.mkdtemp

    def recorded(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        modes.append(stat.S_IMODE(os.stat(path).st_mode))
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    build_pdf(article(), tmp_path / "out.pdf")
    assert modes == [0o700]


@needs_tex
def test_empty_document_has_no_pdf(runner, tmp_path):
    empty = "\\documentclass{article}\n\\begin{document}\n\\end{document}\n"
    with pytest.raises(LatexError, match="no PDF"):
        build_pdf(empty, tmp_path / "out.pdf")
