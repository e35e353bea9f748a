"""The command line, run through click's CliRunner: output, JSON contract, exit codes."""

import json

import pytest
from click.testing import CliRunner

from nablagrade.cli import main
from nablagrade.problems import all_problems


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_list_names_every_problem_and_part():
    result = run("list")
    assert result.exit_code == 0
    for problem in all_problems():
        assert problem.id in result.output
    assert "dl-dWx" in result.output


def test_list_json_has_params_and_parts():
    data = json.loads(run("list", "--json").output)
    gated = next(p for p in data["problems"] if p["id"] == "rnn.gated")
    assert [q["name"] for q in gated["params"]] == ["n", "m", "K"]
    assert {"id": "dc-dh", "kind": "matrix"}.items() <= gated["parts"][1].items()


def test_solve_json_follows_the_contract():
    result = run("solve", "rnn.gated", "-p", "n=3", "-p", "m=2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["problem"] == "rnn.gated"
    assert data["params"] == {"n": 3, "m": 2, "K": None}
    assert data["parts"]["dl-dWx-shape"] == {
        "kind": "shape", "latex": r"3 \times 2", "value": [3, 2],
        "lhs": r"\frac{\partial \ell}{\partial W_x}"}
    assert data["parts"]["dc-dh"]["latex"].endswith("W_h")
    assert data["parts"]["vanishing"]["kind"] == "text"
    assert "vanish" in data["parts"]["vanishing"]["reference"].lower()


def test_solve_numbers_are_floats():
    data = json.loads(run("solve", "loss.init", "--json").output)
    assert data["parts"]["loss"]["value"] == pytest.approx(1.3862943611)
    assert isinstance(data["parts"]["accuracy"]["value"], float)


def test_solve_one_part_human_output_shows_latex_and_value():
    result = run("solve", "loss.init", "--part", "accuracy", "-p", "classes=10")
    assert result.exit_code == 0
    assert r"\frac{1}{10}" in result.output and "value: 0.1" in result.output
    assert "loss [" not in result.output


def test_solve_steps_show_the_chain_rule():
    result = run("solve", "rnn.gated", "--part", "dh-dh", "--steps")
    assert r"\frac{\partial c[t]}{\partial h[t-1]}" in result.output
    assert "chain rule" in result.output


@pytest.mark.parametrize("args, message", [
    (("solve", "rnn.nope"), "unknown problem 'rnn.nope'; valid problems: "),
    (("solve", "a"), "unknown problem 'a'"),  # a symbol alias is not a problem id
    (("solve", "rnn.gated", "--part", "zz"), "valid parts: c-shape, dc-dh, dh-dh"),
    (("solve", "rnn.gated", "-p", "q=1"), "unknown parameter 'q'; valid parameters: K, m, n"),
    (("solve", "loss.init", "-p", "classes=x"), "classes: 'x' is not an integer"),
    (("solve", "loss.init", "-p", "classes=1"), "parameter classes: must be at least 2"),
    (("solve", "loss.init", "-p", "classes"), "expected NAME=VALUE"),
    (("solve", "rnn.gated", "-p", "m=2.5"), "parameter m: expected an integer"),
])
def test_usage_errors_exit_2_and_name_the_culprit(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_python_dash_m_runs(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "nablagrade", "solve", "loss.init", "--json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["parts"]["accuracy"]["value"] == 0.25
