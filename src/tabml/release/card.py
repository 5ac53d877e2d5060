"""The model card (MODEL_CARD.md) of a release, generated from what the pipeline committed.

Numbers come from reports/ (metrics.json, baseline.json, slices.json, and bootstrap intervals
computed from predictions.csv), the schema from the data contract, the data hash from dvc.lock,
and the hand-written parts (intended use, out-of-scope uses, known limitations) from
docs/model-card.yaml. `render_card` is a pure function of those inputs (tabml.release.card_inputs
gathers them; its names are importable from here too). What depends on `data.task` (what is
predicted, the headline metric, the baseline, labels) is worded by tabml.release.card_task.
"""

from __future__ import annotations

from typing import Any

from tabml import metrics as registry
from tabml.config import Params
from tabml.contract import ColumnSpec
from tabml.release import card_task
from tabml.release.card_advice import how_to_load, limitations
from tabml.release.card_inputs import (
    NOTES,
    CardInputs,
    CardNotes,
    ReleaseInfo,
    TrainingData,
    load_baseline,
    load_notes,
    metric_intervals,
)

__all__ = [
    "NOTES",
    "CardInputs",
    "CardNotes",
    "ReleaseInfo",
    "TrainingData",
    "load_baseline",
    "load_notes",
    "metric_intervals",
    "render_card",
]

MAX_LISTED_CATEGORIES = 6


def _number(value: Any, digits: int = 4) -> str:
    return f"{float(value):.{digits}f}" if isinstance(value, int | float) else "n/a"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
    ]


def _role(column: str, params: Params) -> str:
    data = params.data
    if column == data.target:
        return "target"
    if column == data.id_column:
        return "id (not an input)"
    if column in data.drop:
        return "dropped (not an input)"
    if column in data.groups:
        return "group (reported per slice, not an input)"
    return "feature"


def _allowed(spec: ColumnSpec) -> str:
    if spec.categories is not None:
        shown = ", ".join(f"`{c}`" for c in spec.categories[:MAX_LISTED_CATEGORIES])
        extra = len(spec.categories) - MAX_LISTED_CATEGORIES
        return shown + (f", ... ({len(spec.categories)} in all)" if extra > 0 else "")
    if spec.min is not None and spec.max is not None:
        return f"{spec.min} to {spec.max}"
    if spec.min is not None:
        return f">= {spec.min}"
    if spec.max is not None:
        return f"<= {spec.max}"
    return "any"


def _classes(inputs: CardInputs) -> list[str]:
    return card_task.class_list(inputs.params, inputs.contract, inputs.metrics)


def _summary(inputs: CardInputs) -> list[str]:
    info, params = inputs.info, inputs.params
    rows = [
        ["version", f"`{info.version}`"],
        ["GTO tag", f"`{info.tag}`" if info.tag else "none (built from a commit)"],
        ["git commit", f"`{info.git_sha}`"],
        ["created", info.created_at],
        ["model file", f"`model.skops`, SHA-256 `{inputs.model_sha256}`"],
        [
            "estimator",
            f"`{params.train.model}` (scikit-learn), featurizer and estimator in one pipeline",
        ],
        ["predicts", card_task.predicts(params, _classes(inputs))],
        *card_task.summary_rows(params),
    ]
    if info.repository:
        rows.append(["repository", f"`{info.repository}`"])
    return _table(["", ""], rows)


def _intended_use(inputs: CardInputs) -> list[str]:
    data = inputs.params.data
    lines = [inputs.notes.intended_use.strip()] if inputs.notes.intended_use.strip() else []
    lines.append(
        f"Input: records with the feature columns below, as the data contract "
        f"(`{data.contract}`) defines them. "
        + card_task.output_sentence(inputs.params, _classes(inputs))
    )
    if inputs.notes.out_of_scope:
        lines += ["", "Out of scope:", ""] + [f"- {item}" for item in inputs.notes.out_of_scope]
    return lines


def _training_data(inputs: CardInputs) -> list[str]:
    data, params = inputs.data, inputs.params
    rows = [
        ["table", f"`{data.path}`"],
        ["MD5 (dvc.lock)", f"`{data.md5}`" if data.md5 else "not recorded in dvc.lock"],
    ]
    provenance = data.provenance or {}
    for key, label in (("name", "name"), ("source", "source"), ("license", "licence")):
        if provenance.get(key):
            rows.append([label, str(provenance[key])])
    if provenance.get("sha256"):
        rows.append(["SHA-256 (provenance file)", f"`{provenance['sha256']}`"])
    if provenance.get("rows"):
        rows.append(["rows", str(provenance["rows"])])
    split = params.split
    rows.append(
        [
            "split",
            f"{card_task.split_kind(params)}, {1 - split.test_size:.0%} train / "
            f"{split.test_size:.0%} test, seed {split.seed}; "
            f"{inputs.metrics.get('n_test', 'n/a')} test rows",
        ]
    )
    return _table(["", ""], rows)


def _schema(inputs: CardInputs) -> list[str]:
    rows = [
        [
            f"`{name}`",
            _role(name, inputs.params),
            spec.type,
            "yes" if spec.nullable else "no",
            _allowed(spec),
        ]
        for name, spec in inputs.contract.columns.items()
    ]
    return [
        f"From `{inputs.params.data.contract}`; `/predict` refuses records that break it.",
        "",
        *_table(["column", "role", "type", "missing allowed", "allowed values"], rows),
    ]


def _metrics(inputs: CardInputs) -> list[str]:
    params = inputs.params
    confidence, baseline = params.report.bootstrap, inputs.baseline
    rows = []
    for interval in inputs.intervals:
        value = inputs.metrics.get(interval.metric)
        direction = f"{registry.get(interval.metric).direction} is better"
        direction += "; headline" if interval.metric == params.report.headline else ""
        row = [interval.metric, _number(value), _number(interval.low)]
        row += [_number(interval.high)]
        row += [_number(baseline.get(interval.metric))] if baseline is not None else []
        rows.append([*row, direction])
    level = f"{confidence.confidence:.0%}"
    header = ["metric", "value", f"{level} CI low", f"{level} CI high"]
    header += ["baseline"] if baseline is not None else []
    lines = [
        f"On {inputs.metrics.get('n_test', 'n/a')} held-out test rows (reports/metrics.json). "
        f"Intervals: {level} percentile bootstrap over the test rows ({confidence.samples} "
        f"resamples, seed {confidence.seed}).",
        *card_task.metrics_note(params, baseline),
        "",
        *_table([*header, ""], rows),
    ]
    recall = card_task.per_class_recall(inputs.metrics)
    if recall:
        lines += ["", "Recall of each class:", "", *_table(["class", "recall"], recall)]
    return lines


def _slices(inputs: CardInputs) -> list[str]:
    if not inputs.slices:
        return ["No groups are configured (`data.groups` is empty)."]
    min_rows = inputs.params.report.gate.min_slice_rows
    shown = card_task.slice_metrics(inputs.params, inputs.slices)
    binary = inputs.params.data.task == "binary"
    lines = [
        f"From reports/slices.json. Slices with fewer than {min_rows} rows "
        "(`report.gate.min_slice_rows`) are marked: their numbers are uncertain."
    ]
    for group, values in inputs.slices.items():
        rows = []
        for value, stats in values.items():
            few = " (few rows)" if int(stats.get("n", 0)) < min_rows else ""
            rows.append(
                [
                    f"`{value}`{few}",
                    str(stats.get("n", "n/a")),
                    *([_number(stats.get("positive_rate"))] if binary else []),
                    *(_number(stats.get(metric)) for metric in shown),
                ]
            )
        lines += ["", f"### {group}", ""]
        rate = ["positive rate"] if binary else []
        lines += _table(["value", "rows", *rate, *shown], rows)
    return lines


def _training(inputs: CardInputs) -> list[str]:
    params = inputs.params
    model = params.train.model
    hyper = getattr(params.train, model).model_dump()
    featurize = params.featurize.model_dump()
    return [
        f"`{model}` with seed {params.train.seed}: "
        + ", ".join(f"`{k}={v}`" for k, v in hyper.items())
        + ".",
        "Featurizer: " + ", ".join(f"`{k}={v}`" for k, v in featurize.items()) + ".",
        "",
        "`params.yaml` and `dvc.lock` in this release pin every parameter and the hash of every "
        "input and output; check out the commit above and run `dvc repro` to rebuild it.",
    ]


def render_card(inputs: CardInputs) -> str:
    """The model card as markdown."""
    info = inputs.info
    sections: list[tuple[str, list[str]]] = [
        ("Summary", _summary(inputs)),
        ("Intended use", _intended_use(inputs)),
        ("Training data", _training_data(inputs)),
        ("Features and schema", _schema(inputs)),
        ("Model and training", _training(inputs)),
        ("Metrics", _metrics(inputs)),
        ("Per-slice metrics", _slices(inputs)),
        ("Limitations", limitations(inputs)),
        ("How to load it", how_to_load(inputs)),
    ]
    lines = [
        f"# Model card: {info.artifact} {info.version}",
        "",
        "Generated by `tabml release assets` from the commit's reports, params, data contract "
        "and dvc.lock (docs/release.md). Do not edit it by hand.",
    ]
    for title, body in sections:
        lines += ["", f"## {title}", "", *body]
    return "\n".join(lines) + "\n"
