"""Checking a JSON-lines batch: one result per line, in order, ``id`` echoed.

A line is ``{"id", "problem", "part", "params", "answer"}`` (a catalogue question) or
``{"id", "expected", "answer"}`` (free comparison; optional ``integer`` and ``positive`` lists).
A line that cannot be read or checked gives an ``invalid`` result for that line, never a crash.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from nablagrade.check.verdict import invalid
from nablagrade.errors import NablagradeError


def check_line(line: str, layout: str = "numerator") -> dict:
    """The JSON result of one batch line."""
    ident = None
    try:
        item = json.loads(line)
        if not isinstance(item, dict):
            raise ValueError("a line must be a JSON object")
        ident = item.get("id")
        verdict = _check_item(item, layout)
    except (ValueError, TypeError, KeyError, NablagradeError) as err:
        verdict = invalid("bad-line", f"this line cannot be checked: {_reason(err)}")
    except Exception as err:  # a bug in a checker must not stop the batch: report it here
        verdict = invalid("internal-error", f"the checker failed on this line: "
                                            f"{type(err).__name__}: {err}")
    out = verdict.to_json()
    return {"id": ident, **out}


def _reason(err) -> str:
    if isinstance(err, KeyError):
        return f"missing field {err.args[0]!r}"
    return str(err)


def _check_item(item: dict, layout: str):
    from nablagrade.check.api import check

    answer = item["answer"]
    if not isinstance(answer, str):
        raise ValueError("answer must be a string")
    if "expected" in item:
        from nablagrade.check.free import compare

        return compare(item["expected"], answer, integer=tuple(item.get("integer", ())),
                       positive=tuple(item.get("positive", ())))
    params = item.get("params") or {}
    if not isinstance(params, dict):
        raise ValueError("params must be an object")
    return check(item["problem"], item["part"], answer, params,
                 layout=item.get("layout", layout), credit=item.get("credit"))


def check_lines(lines: Iterable[str], layout: str = "numerator") -> Iterator[dict]:
    for line in lines:
        if line.strip():
            yield check_line(line, layout)
