"""Exercises (sphinx-exercise) in chapters 1-12: two to four each, every one with a folded,
gated solution that holds executed code, and solutions that stay cheap (issue 13).

Read from the chapters themselves: the MyST sources for the directives, the committed notebooks
(executed by jupytext/nbclient, which records each cell's start and end) for the run time.
"""

import re
from datetime import datetime
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [p for p in sorted((ROOT / "book").glob("[0-9][0-9]_*.md")) if int(p.name[:2]) <= 12]
KINDS = ("Change and predict", "Derive", "Extend")
EXERCISE = re.compile(r"^```\{exercise\}\s*(?P<title>.*)\n(?P<body>(?:.*\n)*?)```", re.M)
START = re.compile(r"^```\{solution-start\}\s*(?P<label>\S+)\s*\n(?P<opts>(?::.*\n)*)```", re.M)
END = re.compile(r"^```\{solution-end\}", re.M)
# Solutions may take at most this share of a chapter's cell time (the "about 10%"),
# measured in the committed notebook; a little slack for timer noise on tiny chapters.
MAX_SHARE = 0.12


def exercises(md: Path) -> list[dict]:
    """Each exercise of a chapter: its label, kind, title and the cells of its solution."""
    nb = jupytext.read(md)
    found, current = [], None
    for i, cell in enumerate(nb.cells):
        src = cell.source + "\n"
        if cell.cell_type == "markdown":
            for m in EXERCISE.finditer(src):
                label = re.search(r"^:label:\s*(\S+)", m["body"], re.M)
                found.append(
                    {
                        "title": m["title"].strip(),
                        "label": label[1] if label else None,
                        "solution": None,
                        "code": [],
                    }
                )
            start, end = START.search(src), END.search(src)
            if end and current is not None and (not start or end.start() < start.start()):
                current = None
            if start:
                match = [e for e in found if e["label"] == start["label"]]
                assert match, f"{md.name}: solution for unknown exercise {start['label']}"
                match[0]["solution"] = start["opts"]
                current = match[0]
                if end and end.start() > start.start():
                    current = None
        elif current is not None:
            current["code"].append(i)
    return found


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_two_to_four_exercises_each_with_a_folded_executed_solution(md):
    ex = exercises(md)
    assert 2 <= len(ex) <= 4, f"{md.name} has {len(ex)} exercises (2-4 wanted)"
    text = md.read_text()
    assert len(START.findall(text)) == len(END.findall(text)), f"{md.name}: unbalanced solutions"
    for e in ex:
        assert e["label"] and e["label"].startswith(f"ex-{md.name[:2]}-"), (md.name, e["title"])
        assert e["title"].split(":")[0] in KINDS, f"{md.name}: {e['title']!r} names no kind"
        assert e["solution"] is not None, f"{md.name}: {e['label']} has no solution"
        assert ":class: dropdown" in e["solution"], f"{md.name}: {e['label']} is not folded"
        assert e["code"], f"{md.name}: {e['label']}'s solution runs no code"
    assert "## Exercises" in text, f"{md.name} has no Exercises section"


def test_every_kind_is_used_in_each_part():
    for part in (CHAPTERS[:6], CHAPTERS[6:]):
        kinds = {e["title"].split(":")[0] for md in part for e in exercises(md)}
        assert kinds == set(KINDS), (part[0].name, kinds)


def _seconds(cell) -> float:
    t = cell.metadata.get("execution", {})
    if "iopub.execute_input" not in t or "shell.execute_reply" not in t:
        return 0.0
    a, b = (
        datetime.fromisoformat(t[k].replace("Z", "+00:00"))
        for k in ("iopub.execute_input", "shell.execute_reply")
    )
    return (b - a).total_seconds()


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_executed_and_cheap(md):
    ipynb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    code = {i for e in exercises(md) for i in e["code"]}
    times = [_seconds(c) for c in ipynb.cells]
    assert all(ipynb.cells[i].get("execution_count") for i in code), (
        f"{md.name}: a solution cell was not run"
    )
    total = sum(times)
    assert total > 0, (
        f"{md.name}.ipynb records no cell times: re-execute it with jupytext --execute"
    )
    share = sum(times[i] for i in code) / total
    assert share <= MAX_SHARE, f"{md.name}: solutions take {share:.0%} of the chapter's run time"
