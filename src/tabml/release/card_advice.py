"""The model card's advice: its known limitations, and how to verify and load the model.

Limitations are the hand-written notes plus what the committed numbers show (the spread of the
headline metric across slices, slices too small to judge, the fixed threshold or what else the
task's labels or predictions depend on).
"""

from __future__ import annotations

from tabml.release import card_task
from tabml.release.card_inputs import CardInputs


def limitations(inputs: CardInputs) -> list[str]:
    """Known limitations: the hand-written ones, then what the numbers themselves show."""
    params, items = inputs.params, list(inputs.notes.limitations)
    headline, min_rows = params.report.headline, params.report.gate.min_slice_rows
    scored = [
        (float(stats[headline]), f"{group}={value}")
        for group, values in inputs.slices.items()
        for value, stats in values.items()
        if isinstance(stats.get(headline), int | float) and int(stats.get("n", 0)) >= min_rows
    ]
    if scored:
        low, high = min(scored), max(scored)
        items.append(
            f"{headline} varies across slices, from {low[0]:.4f} ({low[1]}) to "
            f"{high[0]:.4f} ({high[1]}) among slices of at least {min_rows} rows; check the "
            "slice that matters to your use."
        )
    small = [
        f"{group}={value} ({stats.get('n')} rows)"
        for group, values in inputs.slices.items()
        for value, stats in values.items()
        if int(stats.get("n", 0)) < min_rows
    ]
    if small:
        items.append(f"Too few test rows to judge: {', '.join(small)}.")
    if params.data.groups:
        groups = ", ".join(f"`{g}`" for g in params.data.groups)
        items.append(
            f"The group columns ({groups}) are not model inputs, but other features can still "
            "stand in for them."
        )
    items.append(card_task.label_limitation(params))
    items.append(
        "The metrics come from one held-out split of the same table the model learned from: "
        "they say nothing about data that has drifted since (see the drift monitor)."
    )
    return [f"- {item}" for item in items]


def how_to_load(inputs: CardInputs) -> list[str]:
    """Verify the files, then load or serve the model without trusting pickle."""
    info = inputs.info
    repo = info.repository or "OWNER/REPO"
    image = f"ghcr.io/{repo.lower()}:{info.version}"
    return [
        "Check the files and their build provenance (the sums alone catch corruption, not "
        "tampering):",
        "",
        "```bash",
        "sha256sum --check SHA256SUMS",
        f"gh attestation verify model.skops --repo {repo}",
        "```",
        "",
        "Load it with skops, trusting only the types you expect (never plain pickle):",
        "",
        "```python",
        "import skops.io as sio",
        "",
        'untrusted = sio.get_untrusted_types(file="model.skops")',
        "# trust only names listed in src/tabml/model_types.py at this release's commit,",
        "# never by prefix: scikit-learn re-exports functions such as subprocess.check_output",
        'model = sio.load("model.skops", trusted=untrusted)',
        card_task.load_line(inputs.params),
        "```",
        "",
        "Or serve it over HTTP (`/health`, `/metadata`, `/predict`); the server verifies "
        "SHA256SUMS before it loads the model:",
        "",
        "```bash",
        "tabml serve --model path/to/this/release/",
        f"docker run --rm -p 8000:8000 {image}",
        "docker build --tag model:local path/to/this/release/  # the same image, from these files",
        "```",
    ]
