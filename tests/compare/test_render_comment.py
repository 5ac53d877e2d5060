"""The trusted comment: verdict from the run's conclusion, inert free text, and a bounded size."""

from __future__ import annotations

import re

from tabml.compare.markdown import COMMENT_BUDGET, GITHUB_COMMENT_LIMIT, code
from tabml.compare.render import render_comment, render_data
from tabml.compare.schema import (
    MAX_INPUTS,
    MAX_PARAMS,
    MAX_REASONS,
    MAX_ROWS,
    MAX_TEXT,
    MAX_WARNINGS,
    CheckData,
    InputData,
    ParamData,
    SliceData,
)
from tabml.compare.schema_types import MAX_CLASSES
from tests.compare.reportdata import (
    HOSTILE,
    active_content,
    delta,
    hostile,
    multiclass,
    regression,
    sample,
)

RUN = "https://github.com/acme/tabml-demo/actions/runs/101"
ALLOWED = [re.escape(RUN)]


def verdict(markdown: str) -> str:
    return markdown.splitlines()[2]


def test_a_forged_pass_in_a_failed_run_is_posted_as_failed() -> None:
    forged = sample(checks=(CheckData(rule="roc_auc >= 0.99", passed=True, detail="forged"),))
    assert forged.passed  # what the artifact claims
    comment = render_comment(forged, "failure", RUN)
    assert verdict(comment).startswith("❌ **Quality gate failed**")
    assert "Quality gate passed" not in comment
    assert "the gate table it uploaded says every rule passed" in comment


def test_a_successful_run_is_posted_as_passed_whatever_the_table_says() -> None:
    failing = sample(checks=(CheckData(rule="roc_auc >= 0.99", passed=False, detail="0.91"),))
    comment = render_comment(failing, "success", RUN)
    assert verdict(comment).startswith("✅ **Quality gate passed**")
    assert "says a rule failed" in comment
    agreeing = render_comment(sample(), "success", RUN)
    assert "⚠️" not in agreeing  # no note when the table agrees with the conclusion


def test_the_checker_sees_hostile_text_when_it_is_pasted_as_is() -> None:
    """Negative control: each hostile string is live markdown, pasted or naively quoted."""
    for text in HOSTILE:
        assert active_content(f"| a |\n|---|\n| `{text}` |\n\n{text}\n"), text


def test_no_hostile_text_reaches_the_comment_as_active_content() -> None:
    comment = render_comment(hostile(), "failure", RUN)
    assert active_content(comment, ALLOWED) == []
    assert f"[workflow run]({RUN})" in comment  # the one link, built from the trusted run id
    for text in HOSTILE:  # still shown, as inert code
        assert code(text) in comment


def test_table_rows_keep_their_columns_with_pipes_in_the_data() -> None:
    comment = render_comment(hostile(), "failure", RUN)
    params = comment.split("### Params")[1].split("###")[0]
    rows = [line for line in params.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(HOSTILE)
    assert {row.count("|") for row in rows} == {4}


def test_only_actions_run_urls_become_links() -> None:
    for url in ("javascript:alert(1)", "https://evil.example/x", f"{RUN})[x](https://e.x"):
        comment = render_comment(sample(), "success", url)
        assert active_content(comment) == [], url
        assert "workflow run](" not in comment


def test_an_oversized_report_is_cut_at_a_row_to_fit_one_comment() -> None:
    long = "v" * 150
    rows = tuple(
        SliceData(group="group", value=f"{i}{long}", rows=100, delta=delta()) for i in range(400)
    )
    data = sample(slices=rows)
    full = render_data(data, passed=False, run_url=RUN, limit=10**7)
    assert len(full) > 70_017  # what GitHub refused with a 422
    comment = render_comment(data, "failure", RUN)
    assert len(comment) <= COMMENT_BUDGET < GITHUB_COMMENT_LIMIT
    assert f"the job summary and the artifact of the [workflow run]({RUN})" in comment
    kept = [line for line in comment.splitlines() if line.startswith("| `group`")]
    assert 0 < len(kept) < len(rows)
    assert all(line.endswith("| within noise |") or "significant |" in line for line in kept)
    assert "### Curves" not in comment and comment.rstrip().endswith("</sub>")
    assert active_content(comment, ALLOWED) == []


def test_the_largest_data_the_schema_allows_still_fits() -> None:
    text = "w" * MAX_TEXT
    data = sample(
        base_source=text,
        checks=tuple(CheckData(rule=text, passed=True, detail=text) for _ in range(MAX_ROWS)),
        params=tuple(ParamData(key=text, base=text, pr=text) for _ in range(MAX_PARAMS)),
        inputs=tuple(
            InputData(path=text, changed=True, base=None, pr=None) for _ in range(MAX_INPUTS)
        ),
        slices=tuple(
            SliceData(group=text, value=text, rows=1, delta=delta()) for _ in range(MAX_ROWS)
        ),
        lock_fresh=False,
        lock_reasons=(text,) * MAX_REASONS,
        warnings=(text,) * MAX_WARNINGS,
    )
    assert len(render_comment(data, "success", RUN)) <= COMMENT_BUDGET


def test_the_largest_multiclass_data_still_fits_and_stays_inert() -> None:
    names = tuple(f"{text[:150]} {i}" for i, text in enumerate(HOSTILE * 6))[:MAX_CLASSES]
    data = multiclass(names=names, checks=(CheckData(rule="x" * MAX_TEXT, passed=True, detail=""),))
    assert len(data.multiclass.classes if data.multiclass else ()) == MAX_CLASSES
    comment = render_comment(data, "success", RUN)
    assert len(comment) <= COMMENT_BUDGET
    assert active_content(comment, ALLOWED) == []
    assert "Task: **multiclass classification**" in comment
    assert "Confusion matrix left out: 50 classes." in comment


def test_a_regression_comment_is_rendered_from_its_data() -> None:
    comment = render_comment(regression(), "failure", RUN)
    assert verdict(comment).startswith("❌ **Quality gate failed** · `rmse` 9000.0000 → 8500.0000")
    assert "predicts the training mean, 51234.5000, for every test row" in comment
    assert active_content(comment, ALLOWED) == []
