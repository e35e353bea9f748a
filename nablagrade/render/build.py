"""Compiles LaTeX to PDF without trusting the source: the one place nablagrade runs TeX.

Owns the engine lookup (latexmk, else pdflatex), the sandbox a build runs in, the rerun
policy, and turning a failed build into a short message. The sandbox:

- flags ``-no-shell-escape -interaction=nonstopmode -halt-on-error -file-line-error``
  (latexmk also gets ``-norc``, so no rc file can swap the engine, and ``$max_repeat``);
- a minimal environment with ``openin_any=p openout_any=p shell_escape=f``: TeX may read
  and write only relative paths below its working directory (plus what the TeX trees hold);
- a private working directory (``mkdtemp``, mode 0700) holding the source, removed afterwards;
  only the PDF leaves it;
- a wall-clock limit and an output-size limit, both enforced by killing the process group.

A failed build raises ``LatexError`` (exit code 4, like every other bad input: its message
names the file and line). No engine raises ``NoEngine`` (exit code 1) saying how to get one.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nablagrade.errors import NablagradeError

INSTALL_HINT = (
    "apt-get install texlive-latex-recommended texlive-pictures latexmk "
    "(or your platform's TeX distribution)"
)
TEX_FLAGS = ("-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error")
JOB = "document"  # the source's name inside the sandbox; messages show the caller's name
MAX_OUTPUT_BYTES = 256 * 1024 * 1024  # a \loop of \message must not fill the disk
NO_PAGES = "LaTeX made no PDF: the document has no pages"
UNSETTLED = "references did not settle after {} LaTeX passes (the rerun cap)"
_POLL = 0.05  # longest pause between checks of the clock and the output size

_FILE_LINE_ERROR = re.compile(r"^[^\s(:][^:]*:\d+: .+$")  # ./document.tex:12: text
_SANDBOX_NAME = re.compile(rf"^(\./)?{JOB}\.tex(?=:)")
_RERUN = re.compile(r"Rerun to get|Rerun LaTeX|Please rerun|rerun LaTeX")
_REFUSAL = re.compile(r"Not (reading from|writing to) .*\(open(in|out)_any = .\)")


class MissingTool(NablagradeError):
    """An external program nablagrade needs is not installed."""


class NoEngine(MissingTool):
    """No LaTeX engine is installed; the message says how to get one."""

    def __init__(self):
        super().__init__(f"no LaTeX engine (pdflatex) found; to install one: {INSTALL_HINT}")


class LatexError(NablagradeError):
    """LaTeX failed on a document: the message is the first error, the log is kept whole."""

    exit_code = 4

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class BuildResult:
    """What a successful build made: where the PDF is and how it got there."""

    pdf: Path
    engine: str            # "latexmk" or "pdflatex"
    passes: int            # LaTeX runs made
    seconds: float
    warnings: tuple[str, ...]  # LaTeX warnings of the last pass, e.g. undefined references
    log: str


def engine() -> str | None:
    """The engine builds use: "latexmk" (driving pdflatex), "pdflatex", or None."""
    if shutil.which("pdflatex") is None:
        return None
    return "latexmk" if shutil.which("latexmk") else "pdflatex"


def build_pdf(tex_source: str, out_pdf: Path, *, timeout: float = 60, reruns: int = 3,
              source_name: str | None = None) -> BuildResult:
    """Compile ``tex_source`` in a sandbox and write the PDF to ``out_pdf``.

    ``reruns`` caps the LaTeX passes (references settle in two or three); ``timeout`` bounds
    the whole build in seconds. ``source_name`` is how messages name the source (default:
    ``out_pdf`` with suffix ``.tex``). ``out_pdf`` is replaced atomically and only on success.
    """
    tool = engine()
    if tool is None:
        raise NoEngine()
    out_pdf = Path(out_pdf)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="nablagrade-tex-"))  # mode 0700
    try:  # from here on, whatever happens, the sandbox goes
        job = _Job(workdir, started + timeout, timeout, max(1, int(reruns)),
                   source_name or out_pdf.with_suffix(".tex").name)
        (workdir / f"{JOB}.tex").write_text(tex_source, encoding="utf-8")
        run = _run_latexmk if tool == "latexmk" else _run_pdflatex
        passes, log, warnings = run(job)
        _publish(job, out_pdf, log)
    finally:
        _remove(workdir)
    return BuildResult(out_pdf, tool, passes, time.monotonic() - started,
                       warnings + _warnings(log), log)


def build_file(tex_path: Path, out_pdf: Path | None = None, **options) -> BuildResult:
    """Compile the file ``tex_path`` (to ``out_pdf``, default beside it with suffix .pdf).

    Only this one file is compiled: files next to it are not visible to TeX, on purpose.
    """
    tex_path = Path(tex_path)
    out = Path(out_pdf) if out_pdf is not None else tex_path.with_suffix(".pdf")
    options.setdefault("source_name", str(tex_path))
    return build_pdf(tex_path.read_text(encoding="utf-8"), out, **options)


def pdf_text(pdf: Path, *, timeout: float = 30) -> str:
    """The text of ``pdf`` laid out as on the page (``pdftotext -layout``)."""
    if shutil.which("pdftotext") is None:
        raise MissingTool("pdftotext not found; to install it: apt-get install poppler-utils")
    done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise NablagradeError(f"pdftotext failed on {pdf}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8", errors="replace")


def sandbox_env(workdir: Path) -> dict[str, str]:
    """The whole environment TeX runs with; nothing else is inherited.

    Built from scratch because kpathsea lets ``openin_any.pdflatex`` or ``TEXMFOUTPUT`` in
    the caller's environment override or widen the paranoid settings below.
    """
    return {
        "PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C", "TMPDIR": str(workdir),
        "HOME": os.environ.get("HOME", str(workdir)),  # kpathsea's font caches live there
        "openin_any": "p", "openout_any": "p", "shell_escape": "f", "shell_escape_commands": "",
        # one log line per message and unclipped context lines: _first_error relies on them
        "max_print_line": "10000", "error_line": "254", "half_error_line": "238",
    }


# --- running the engines -------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    """One build's sandbox and limits, as the runners below need them."""

    workdir: Path
    deadline: float  # time.monotonic() value
    timeout: float
    reruns: int
    name: str  # how messages name the source


def _run_latexmk(job: _Job):
    command = ["latexmk", "-norc", "-pdf", *TEX_FLAGS, "-e", f"$max_repeat={job.reruns}",
               f"{JOB}.tex"]
    code, output = _execute(command, job, "latexmk")
    log = _read_log(job.workdir)
    passes = len(re.findall(r"^Run number \d+ of rule", output, re.M))
    # latexmk fails when the cap is reached; pdflatex's path accepts that PDF, so does this one
    unsettled = "Maximum runs of" in output and _first_error(log) is None
    if code != 0 and not unsettled:
        raise _failure(log, output, job.name, "latexmk")
    return passes, log, (UNSETTLED.format(passes),) if unsettled else ()


def _run_pdflatex(job: _Job):
    command = ["pdflatex", *TEX_FLAGS, f"{JOB}.tex"]
    for passes in range(1, job.reruns + 1):
        code, output = _execute(command, job, "pdflatex")
        log = _read_log(job.workdir)
        if code != 0:
            raise _failure(log, output, job.name, "pdflatex")
        if not _RERUN.search(log):
            return passes, log, ()
    return passes, log, (UNSETTLED.format(passes),)


def _execute(command: list[str], job: _Job, tool: str) -> tuple[int, str]:
    """Run ``command`` in the sandbox as its own process group; its exit code and output."""
    output_path = job.workdir / f"{JOB}.console"
    with open(output_path, "wb") as sink:  # a file, not a pipe: output may be huge
        process = subprocess.Popen(command, cwd=job.workdir, env=sandbox_env(job.workdir),
                                   stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _watch(process, job, tool)
        finally:
            _kill_group(process)
    return process.returncode, _read(output_path)


def _watch(process: subprocess.Popen, job: _Job, tool: str):
    """Wait for ``process`` to exit; raise LatexError when it outruns the clock or the disk."""
    delay = 0.002
    while not _exited(process):
        if time.monotonic() >= job.deadline:
            raise LatexError(f"{job.name}: {tool} exceeded the time limit of {job.timeout:g} s "
                             "and was stopped (does the document loop forever?)",
                             _read_log(job.workdir))
        if _size(job.workdir) > MAX_OUTPUT_BYTES:
            raise LatexError(f"{job.name}: {tool} wrote more than {MAX_OUTPUT_BYTES >> 20} MB "
                             "and was stopped", _read_log(job.workdir))
        time.sleep(min(delay, max(0.0, job.deadline - time.monotonic())))
        delay = min(2 * delay, _POLL)


def _exited(process: subprocess.Popen) -> bool:
    # WNOWAIT leaves the exited leader unreaped, so its pid (= the group id) cannot be reused
    # by a stranger before _kill_group signals the group
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _kill_group(process: subprocess.Popen):
    """Kill whatever is left of the process group (latexmk's pdflatex included), then reap."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is already gone
    process.wait()


def _remove(workdir: Path):
    for _ in range(20):  # a killed pdflatex may need a moment to close its last file
        shutil.rmtree(workdir, ignore_errors=True)
        if not workdir.exists():
            return
        time.sleep(0.05)


def _size(workdir: Path) -> int:
    # TeX can only create files directly in workdir (openout_any=p), so no recursion needed
    return sum(entry.stat().st_size for entry in os.scandir(workdir) if entry.is_file())


def _publish(job: _Job, out_pdf: Path, log: str):
    """Copy the PDF out of the sandbox; a half-written ``out_pdf`` is never visible."""
    built = job.workdir / f"{JOB}.pdf"
    if not built.is_file():
        raise LatexError(f"{job.name}: {NO_PAGES}", log)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    staging = out_pdf.with_name(f".{out_pdf.name}.{os.getpid()}.partial")
    shutil.copyfile(built, staging)
    os.replace(staging, out_pdf)


# --- reading logs --------------------------------------------------------------------

def _read(path: Path, limit: int = 8 * 1024 * 1024) -> str:
    # the first error sits near the top; a flood of \message output need not be read whole
    try:
        with open(path, "rb") as stream:
            return stream.read(limit).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _read_log(workdir: Path) -> str:
    return _read(workdir / f"{JOB}.log")


def _failure(log: str, output: str, name: str, tool: str) -> LatexError:
    """The LatexError for a failed run: its first error, or the tool's last words."""
    message = _first_error(log, name) or _first_error(output, name)
    if message is None and "No pages of output." in log:
        message = f"{name}: {NO_PAGES}"
    if message is None:
        tail = [line for line in output.splitlines() if line.strip()][-3:]
        message = f"{name}: {tool} failed: " + " / ".join(tail)
    refusals = sorted(set(match.group(0) for match in _REFUSAL.finditer(output)))
    if refusals:
        message += "\n(" + "; ".join(refusals) + ")"
    return LatexError(message, log or output)


def _first_error(log: str, name: str = f"{JOB}.tex") -> str | None:
    """The first error of a TeX log with its ``l.N`` context line(s), or None.

    Errors come as ``./document.tex:12: text`` (file-line-error) or, for the few errors
    LaTeX raises by prompting, ``! text``; the context ``l.12 source`` follows within a few lines,
    and the line after it holds the rest of the source line when the error is mid-line.
    """
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("! ") or _FILE_LINE_ERROR.match(line):
            head = line[2:] if line.startswith("! ") else _SANDBOX_NAME.sub(lambda _: name, line)
            return "\n".join([head, *_context(lines[index + 1:index + 20])])
    return None


def _context(following: list[str]) -> list[str]:
    for index, line in enumerate(following):
        if re.match(r"l\.\d+ ", line):
            rest = following[index + 1].strip() if index + 1 < len(following) else ""
            rest = rest.removesuffix("^^M").strip()  # ^^M: TeX's end-of-line, not source
            return [line.rstrip(), "    " + rest] if rest else [line.rstrip()]
    return []


def _warnings(log: str) -> tuple[str, ...]:
    found = re.findall(r"^(?:LaTeX|Package \w+) Warning: .*$", log, re.M)
    return tuple(dict.fromkeys(found))  # unique, in order
