"""The charts section per task: mermaid bars and tables for multiclass and regression, the
binary curves as before, and class names from PR code kept inert."""

from __future__ import annotations

from tabml.compare.render import render_data
from tabml.compare.render_charts import chart_name, plots_section
from tests.compare.reportdata import HOSTILE, active_content, multiclass, regression, sample


def section_text(data: object) -> str:
    return plots_section(data).text()  # type: ignore[arg-type]


def test_multiclass_shows_recall_bars_and_a_confusion_matrix_by_class_name() -> None:
    text = section_text(multiclass())
    assert 'title "Recall per class"' in text
    assert 'x-axis "class" ["bird", "cat", "dog"]' in text
    assert "    bar [0.8, 0.8, 0.8]" in text and "    line [0.818182, 0.818182, 0.818182]" in text
    assert "| actual ↓ / predicted → | `bird` | `cat` | `dog` |" in text
    assert "| `cat` | 1 / 1 | 9 / 9 | 1 / 1 |" in text
    assert "| `dog` | 11 | 0.8000 | 0.8182 |" in text
    assert "ROC" not in text


def test_regression_shows_error_bars_bias_and_predicted_against_actual() -> None:
    text = section_text(regression())
    assert 'x-axis "absolute error" ["0-5e+03", "5e+03-1e+04", "1e+04+"]' in text
    assert "    bar [0.5, 0.3, 0.2]" in text and "    line [0.6, 0.3, 0.1]" in text
    assert "Mean error (predicted − actual): base -1200.5000, PR 300.2500." in text
    assert "| 10000.0000 | 50000.0000 | 500 | 30000.0000 | 32000.0000 | 31000.0000 |" in text


def test_binary_keeps_its_curves_and_two_by_two_matrix_and_names_the_positive_class() -> None:
    text = section_text(sample())
    assert text.count("```mermaid") == 2 and "| 1 | 60 | 390 | 58 | 392 |" in text
    assert "positive_label" not in text  # older report data carries no name
    named = section_text(sample(positive_label=">50K"))
    assert "1 is `>50K` (`data.positive_label`), 0 any other value." in named


def test_the_report_says_its_task_under_the_verdict() -> None:
    markdown = render_data(regression(), passed=True)
    assert "`rmse`: lower is better." in markdown
    binary = render_data(sample(), passed=True)  # roc_auc and log_loss: one loss
    assert "`log_loss`: lower is better." in binary
    lines = markdown.splitlines()
    assert lines[2].startswith("✅ **Quality gate passed** · `rmse` 9000.0000 → 8500.0000")
    assert lines[4] == "Task: **regression** · headline metric `rmse`."
    markdown = render_data(multiclass(), passed=True)
    assert "Task: **multiclass classification**" in markdown
    assert "predicts the most frequent training class, `bird`, for every test row" in markdown


def test_hostile_class_names_stay_out_of_charts_and_inert_in_tables() -> None:
    names = (*HOSTILE, "ok_name")
    assert chart_name("ok_name", 3) == "ok_name" and chart_name('a" b', 0) == "class 1"
    markdown = render_data(multiclass(names=names), passed=True)
    assert active_content(markdown) == []
    chart = markdown.split('title "Recall per class"')[1].split("```")[0]
    assert '"class 1", "class 2"' in chart and '"ok_name"' in chart
