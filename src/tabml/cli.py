"""The `tabml` command line: each command reads files and params, calls one function, writes."""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from tabml import io, paths
from tabml.config import Params, load_params
from tabml.contract import dump_contract, infer_contract, load_contract, validate
from tabml.errors import TabmlError, os_error_sentence

if TYPE_CHECKING:
    from tabml.stages.evaluate import Evaluation
from tabml.monitor import DRIFT_EXIT_CODE

app = typer.Typer(help="A reproducible tabular ML pipeline.", no_args_is_help=True)
contract_app = typer.Typer(help="Work with the data contract.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")

console = Console(stderr=True)


@app.callback()
def _on_start() -> None:
    """Turn SIGTERM (a cancelled GitHub job) into SystemExit, so `finally` blocks and context
    managers clean up worktrees and temp dirs as they do on Ctrl-C."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


P = ParamSpec("P")
R = TypeVar("R")
ParamsOption = Annotated[Path, typer.Option("--params", help="The params file.")]


def clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print an expected failure as one line on stderr and exit non-zero, without a traceback:
    a `TabmlError` or an `OSError` (disk full, permission denied, file too large) exits 1, Ctrl-C
    exits 130 quietly. Anything else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (TabmlError, OSError) as error:
            text = os_error_sentence(error) if isinstance(error, OSError) else str(error)
            console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return wrapper


def _params(path: Path) -> Params:
    return load_params(path)


@app.command()
@clear_errors
def prepare(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate the raw table against its contract, clean it, and split it."""
    from tabml.stages.prepare import empty_columns, empty_warning
    from tabml.stages.prepare import prepare as run

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    empty = empty_columns(raw, params.data)
    train, test = run(raw, contract, params.data, params.split, str(params.data.path))
    io.write_parquet(paths.TRAIN, train)
    io.write_parquet(paths.TEST, test)
    if empty:
        warning = empty_warning(empty, str(params.data.path))
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    console.print(f"prepare: {len(train)} train rows, {len(test)} test rows")


@app.command("validate")
@clear_errors
def validate_stage(params_file: ParamsOption = paths.PARAMS) -> None:
    """Check params, contract and raw data; the first DVC stage, so bad input deletes nothing."""
    from tabml.stages.validate import validate_inputs

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    stamp = validate_inputs(raw, contract, params, str(params.data.path))
    io.write_json(paths.VALIDATED, stamp)
    console.print(f"validate: {params_file}, {params.data.contract} and {stamp['rows']} rows ok")


@app.command()
@clear_errors
def featurize(params_file: ParamsOption = paths.PARAMS) -> None:
    """Fit the featurizer on the train split and write the train features."""
    from tabml.stages.featurize import featurize as run

    params = _params(params_file)
    featurizer, features = run(io.read_parquet(paths.TRAIN), params.data, params.featurize)
    io.save_model(paths.FEATURIZER, featurizer)
    io.write_parquet(paths.TRAIN_FEATURES, features)
    console.print(f"featurize: {features.shape[1] - 1} features")


@app.command()
@clear_errors
def train(params_file: ParamsOption = paths.PARAMS) -> None:
    """Fit the classifier chosen in params and save the full model with skops."""
    from tabml.stages.train import train as run

    params = _params(params_file)
    features = io.read_parquet(paths.TRAIN_FEATURES)
    featurizer = io.load_model(paths.FEATURIZER)
    with console.status(f"training {params.train.model} on {len(features)} rows"):
        model = run(features, params.data.target, featurizer, params.train)
    io.save_model(paths.MODEL, model)
    console.print(f"train: saved {paths.MODEL}")


@app.command()
@clear_errors
def evaluate(params_file: ParamsOption = paths.PARAMS) -> None:
    """Score the test split: metrics, per-slice metrics, predictions and plot data."""
    from tabml.stages.evaluate import evaluate as run

    params = _params(params_file)
    model = io.load_model(paths.MODEL)
    test = io.read_parquet(paths.TEST)
    with console.status("evaluating on the test split"):
        result = run(model, test, params.data, params.evaluate, params.train.seed)
    write_evaluation(result)
    summary = ", ".join(f"{k}={v}" for k, v in result.metrics.items() if k in ("roc_auc", "f1"))
    console.print(f"evaluate: {summary}")


def write_evaluation(result: Evaluation) -> None:
    """Write every output of the evaluate stage where dvc.yaml expects it."""
    io.write_json(paths.METRICS, result.metrics)
    io.write_json(paths.SLICES, result.slices)
    io.write_csv(paths.PREDICTIONS, result.predictions)
    io.write_csv(paths.ROC, result.roc)
    io.write_csv(paths.PRECISION_RECALL, result.precision_recall)
    io.write_csv(paths.CALIBRATION, result.calibration)
    io.write_csv(paths.IMPORTANCE, result.importance)


@app.command("check-params")
@clear_errors
def check_params(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate params.yaml and print nothing else on success."""
    _params(params_file)
    console.print(f"{params_file}: ok")


@contract_app.command("check")
@clear_errors
def contract_check(params_file: ParamsOption = paths.PARAMS) -> None:
    """Validate the raw table named in params against its contract."""
    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    validate(raw, contract, str(params.data.path))
    console.print(f"{params.data.path}: {len(raw)} rows match {params.data.contract}")


@contract_app.command("infer")
@clear_errors
def contract_infer(
    csv: Annotated[Path, typer.Argument(help="A sample of your table, as CSV.")],
    na_values: Annotated[list[str], typer.Option("--na", help="Missing-value marker.")] = ["?"],  # noqa: B006
    max_categories: int = 50,
) -> None:
    """Print a draft contract for a CSV table (review it, then save it and point params at it)."""
    frame = io.read_csv(csv, na_values)
    typer.echo(dump_contract(infer_contract(frame, max_categories)), nl=False)


ReportDir = Annotated[Path, typer.Option("--out-dir", help="Where the report files go.")]
SUMMARY_LIMIT = 1_000_000  # GitHub keeps 1 MiB of job summary per step


@app.command()
@clear_errors
def report(
    base: Annotated[str, typer.Option(help="The PR's target branch; compared at the merge-base.")],
    out_dir: ReportDir = paths.PR_DIR,
    pr: Annotated[int | None, typer.Option(help="PR number, recorded in the manifest.")] = None,
    full_report_url: Annotated[str | None, typer.Option(help="Link shown if cut.")] = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Compare the reproduced workspace with its base: write the report, its data, a manifest."""
    from tabml.compare import manifest as manifest_io
    from tabml.compare.render import render_data
    from tabml.compare.report import compare
    from tabml.compare.summary import from_comparison, summary
    from tabml.platform import actions, git
    from tabml.stages.validate import stamp_warnings

    params = _params(params_file)
    if full_report_url is None:
        full_report_url = actions.run_url()  # its job summary and artifact hold it all
    with console.status(f"comparing with the merge-base of {base}"):
        comparison = compare(params, base)
    data = from_comparison(comparison, stamp_warnings())  # e.g. an entirely missing column
    markdown = render_data(data, comparison.passed, full_report_url, limit=SUMMARY_LIMIT)
    report_md = out_dir / paths.PR_REPORT_MD.name
    io.write_bytes(report_md, markdown.encode())
    io.write_json(out_dir / paths.PR_REPORT_JSON.name, summary(comparison))
    data_file = out_dir / manifest_io.DATA_FILE  # what the comment job renders, after checks
    io.write_bytes(data_file, data.model_dump_json().encode())
    if pr is not None:
        manifest = manifest_io.Manifest(
            pr_number=pr,
            head_sha=git.rev_parse("HEAD"),
            base_sha=comparison.base.sha,
            data_file=data_file.name,
            data_sha256=io.file_digest(data_file),
        )
        manifest_io.write(out_dir / paths.PR_MANIFEST.name, manifest)
    actions.append_summary(markdown)
    console.print(markdown.splitlines()[2], highlight=False)
    console.print(f"report: wrote {report_md}")


@app.command()
@clear_errors
def gate(out_dir: ReportDir = paths.PR_DIR) -> None:
    """Exit non-zero when the last report's quality gate failed (run after posting it)."""
    result = io.read_json(out_dir / paths.PR_REPORT_JSON.name)
    for check in result["checks"]:
        mark = "[green]pass[/]" if check["passed"] else "[red]FAIL[/]"
        console.print(f"{mark} {check['rule']}: {check['detail']}", highlight=False)
    if not result["passed"]:
        raise TabmlError(f"{out_dir / paths.PR_REPORT_JSON.name}: the quality gate failed")
    console.print("quality gate passed")


@app.command("verify-report")
@clear_errors
def verify_report(
    *,
    artifact_dir: Annotated[Path, typer.Option(help="The downloaded report artifact.")],
    run_head_sha: Annotated[str, typer.Option(help="workflow_run.head_sha of the report run.")],
    run_conclusion: Annotated[str, typer.Option(help="workflow_run.conclusion: the verdict.")],
    run_id: Annotated[int, typer.Option(min=1, help="workflow_run.id: linked for the rest.")],
    repo: Annotated[str, typer.Option(help="owner/name of this repository.")],
    out: Annotated[
        Path | None, typer.Option(help="The comment (default: beside the artifact).")
    ] = None,
) -> None:
    """Check a PR run's report artifact, then render its comment here; print the PR number."""
    from tabml.compare.comment import prepare
    from tabml.platform import actions

    done = prepare(
        artifact_dir, run_head_sha, repo=repo, conclusion=run_conclusion, run_id=run_id, out=out
    )
    actions.set_outputs({"pr": str(done.pr_number), "comment": str(done.comment)})
    typer.echo(done.pr_number)


@app.command()
@clear_errors
def serve(
    model: Annotated[
        Path, typer.Option("--model", help="A skops model file or a release directory.")
    ] = paths.MODEL,
    checksums: Annotated[
        Path | None,
        typer.Option("--checksums", help="A SHA256SUMS file to verify the model against."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Overrides serve.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides serve.port.")] = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Serve the model over HTTP: /health, /metadata, /predict (docs/serving.md)."""
    from tabml.serve.app import Settings
    from tabml.serve.app import serve as run

    params = _params(params_file)
    settings = Settings(model=model, params=params, checksums=checksums)
    run(settings, host or params.serve.host, port or params.serve.port)


@app.command("init")
@clear_errors
def init(
    name: Annotated[str, typer.Option("--name", help="The new package name, in snake_case.")],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="GitHub owner/name for badges (default: the origin remote)."),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="A new pyproject description.")
    ] = None,
    uv: Annotated[str, typer.Option("--uv", help="The uv executable.")] = "uv",
) -> None:
    """Make this copy of the template your project: rename, relock, reproduce, commit once."""
    from tabml.template_init import init_project

    def say(line: str) -> None:
        console.print(line, highlight=False, soft_wrap=True)

    result = init_project(Path.cwd(), name, repo=repo, description=description, uv=uv, log=say)
    if result.commit is None:
        say(result.message)
        return
    for old, new in sorted(result.plan.renames.items()):
        say(f"renamed  {old} -> {new}")
    for path in sorted(set(result.plan.edits) - set(result.plan.renames)):
        say(f"edited   {path}")
    say(f"committed {result.commit}: {result.message}")


# --- monitoring (docs/monitoring.md) ---------------------------------------------------------


@app.command()
@clear_errors
def monitor(
    current: Annotated[
        Path | None,
        typer.Option(help="A batch CSV in the raw format (default: newest in data/incoming/)."),
    ] = None,
    current_log: Annotated[
        Path | None, typer.Option(help="The serving request log (JSON lines) instead of a batch.")
    ] = None,
    json_out: Annotated[
        Path, typer.Option("--json", help="Where to write the JSON report.")
    ] = paths.DRIFT_JSON,
    markdown_out: Annotated[
        Path, typer.Option("--markdown", help="Where to write the markdown report.")
    ] = paths.DRIFT_MARKDOWN,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Drift of current data against the training data and test-set scores (exit 3 on drift)."""
    from tabml.monitor.batches import latest_batch
    from tabml.monitor.current import from_batch, from_request_log
    from tabml.monitor.drift import detect_drift, load_reference
    from tabml.monitor.report import render_markdown, verdict
    from tabml.serve.logs import read_request_log

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    if current is not None and current_log is not None:
        raise TabmlError("tabml monitor: pass --current or --current-log, not both")
    model = None
    if current_log is not None:
        log = read_request_log(current_log)
        data = from_request_log(log, str(current_log), params.data.target)
    else:
        path = current or latest_batch(paths.INCOMING)
        frame = io.read_csv(path, params.data.na_values, contract.read_dtypes())
        data = from_batch(frame, str(path), params.data.target)
        model = io.load_model(paths.MODEL)
    reference = load_reference()
    result = detect_drift(
        reference,
        data,
        contract=contract,
        data=params.data,
        params=params.monitor,
        threshold=params.evaluate.threshold,
        model=model,
    )
    markdown = render_markdown(result)
    io.write_json(json_out, result)
    io.write_bytes(markdown_out, markdown.encode())
    console.print(
        f"monitor: {verdict(result, bold=False)} Report: {markdown_out}",
        highlight=False,
        soft_wrap=True,
    )
    if result["drift"]:
        raise typer.Exit(DRIFT_EXIT_CODE)


@app.command()
@clear_errors
def batches(
    *,
    count: Annotated[int, typer.Option("--batches", "-n", help="How many batches.")] = 4,
    shift: Annotated[
        list[str] | None,
        typer.Option(help="COLUMN=+N, COLUMN=-N or COLUMN=*F (repeatable), e.g. age=+10."),
    ] = None,
    shift_from: Annotated[int, typer.Option(help="First batch (from 1) to shift.")] = 1,
    seed: int = 0,
    start: Annotated[
        str, typer.Option(help="Date of the first batch (YYYY-MM-DD).")
    ] = "2024-01-01",
    every_days: Annotated[int, typer.Option(help="Days between batches.")] = 7,
    all_rows: Annotated[
        bool, typer.Option(help="Draw from every raw row, not only the held-out test split.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Directory of the batch CSVs.")] = paths.INCOMING,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Write held-out raw rows as dated batch CSVs (raw format), optionally shifted, for demos."""
    from tabml.monitor.batches import (
        held_out_rows,
        make_batches,
        parse_date,
        parse_shift,
        to_raw_csv,
    )

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    raw = io.read_csv(params.data.path, params.data.na_values, contract.read_dtypes())
    if not all_rows:
        test_ids = io.read_parquet(paths.TEST)["row_id"]
        raw = held_out_rows(raw, test_ids, params.data.id_column)
    written = make_batches(
        raw,
        count=count,
        seed=seed,
        start=parse_date(start),
        every_days=every_days,
        shifts=[parse_shift(text, contract) for text in shift or []],
        contract=contract,
        shift_from=shift_from,
    )
    for name, frame in written.items():
        io.write_bytes(out / f"{name}.csv", to_raw_csv(frame, params.data.na_values))
    console.print(f"batches: {len(written)} files of ~{len(raw) // len(written)} rows in {out}/")


# --- Releases: GTO tags, release assets, GitHub Release, deployments (docs/release.md) ---------
release_app = typer.Typer(
    help="Tag, build, publish and deploy model releases.", no_args_is_help=True
)
app.add_typer(release_app, name="release")
VersionOption = Annotated[str, typer.Option("--version", help="SemVer with a leading v: v1.2.0.")]
ArtifactOption = Annotated[str, typer.Option("--artifact", help="The dvc.yaml artifact.")]
MainOption = Annotated[
    str | None, typer.Option("--main", help="The main branch ref (default: origin/main or main).")
]
PushOption = Annotated[bool, typer.Option("--push", help="Push the new tag to origin.")]
RepoOption = Annotated[str, typer.Option("--repo", help="owner/name on GitHub.")]
ReleaseDirOption = Annotated[Path, typer.Option("--dir", help="The release directory.")]


def _step_outputs(values: dict[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT when running in a workflow."""
    from tabml.platform import actions

    actions.set_outputs(values)


@release_app.command("register")
@clear_errors
def release_register(
    version: VersionOption,
    artifact: ArtifactOption = "model",
    main: MainOption = None,
    push: PushOption = False,
) -> None:
    """Tag HEAD as a model version (gto register), if it is clean, on main, fresh and gated."""
    from tabml.release.registry import register

    tag = register(version, artifact=artifact, main=main, push=push)
    hint = "" if push else f"; push it: git push origin {tag}"
    console.print(f"release: created tag {tag}{hint}", highlight=False)


@release_app.command("promote")
@clear_errors
def release_promote(
    version: VersionOption,
    stage: Annotated[str, typer.Option("--stage", help="A stage listed in .gto.")],
    artifact: ArtifactOption = "model",
    main: MainOption = None,
    push: PushOption = False,
) -> None:
    """Assign a stage to a registered version (gto assign), with the same checks as register."""
    from tabml.release.registry import promote

    tag = promote(version, stage, artifact=artifact, main=main, push=push)
    hint = "" if push else f"; push it: git push origin '{tag}'"
    console.print(f"promote: created tag {tag}{hint}", highlight=False)


@release_app.command("check-tag")
@clear_errors
def release_check_tag(
    tag: Annotated[str, typer.Argument(help="A GTO tag: model@v1.2.0 or model#prod#1.")],
    main: MainOption = None,
    repo: Annotated[str | None, typer.Option("--repo", help="owner/name, for the image.")] = None,
    event: Annotated[
        str | None, typer.Option(help="Require this kind of tag: registration or assignment.")
    ] = None,
) -> None:
    """Check that a tag parses (GTO), points at HEAD and is on main; write step outputs."""
    from tabml.platform import git
    from tabml.release import preflight, tags

    info = tags.tag_info(tag)
    if event is not None and info.event != event:
        raise TabmlError(f"tag '{tag}' is a GTO {info.event}, not a {event}")
    head = git.rev_parse("HEAD")
    if info.sha != head:
        raise TabmlError(f"tag '{tag}' points at {info.sha[:12]}, not at HEAD {head[:12]}")
    preflight.check_on_main(info.sha, preflight.main_ref(main))
    values = {
        "artifact": info.artifact,
        "version": info.version,
        "stage": info.stage or "",
        "event": info.event,
        "sha": info.sha,
        "registration_tag": info.registration_tag,
    }
    if repo:
        values["image_name"] = f"ghcr.io/{repo.lower()}"
        values["image"] = f"{values['image_name']}:{info.version}"
    _step_outputs(values)
    for key, value in values.items():
        typer.echo(f"{key}={value}")


@release_app.command("check-metrics")
@clear_errors
def release_check_metrics(
    rev: Annotated[str, typer.Option(help="The commit whose metrics.json to match.")] = "HEAD",
    tolerance: Annotated[float, typer.Option(help="Largest absolute difference.")] = 1e-6,
) -> None:
    """Refuse when the reproduced reports/metrics.json differs from the committed one."""
    from tabml.release.reproduce import check_reproduced_metrics

    metrics = check_reproduced_metrics(rev, tolerance)
    console.print(f"check-metrics: {len(metrics)} values match {paths.METRICS} at {rev}")


@release_app.command("assets")
@clear_errors
def release_assets(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where the release files go.")
    ] = paths.RELEASE_DIR,
    tag: Annotated[str | None, typer.Option(help="The GTO tag (default: one at HEAD).")] = None,
    artifact: ArtifactOption = "model",
    repo: Annotated[str | None, typer.Option("--repo", help="owner/name on GitHub.")] = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Build the release files: model, metrics, params, dvc.lock, MODEL_CARD.md, SHA256SUMS."""
    from tabml.release.assets import build_assets, release_info

    params = _params(params_file)
    info = release_info(tag, artifact, repo)
    digests = build_assets(out_dir, params, info)
    console.print(f"assets: {len(digests)} files of {info.version} in {out_dir}/ (+ SHA256SUMS)")


@release_app.command("publish")
@clear_errors
def release_publish(
    tag: Annotated[str, typer.Option("--tag", help="The registration tag.")],
    repo: RepoOption,
    release_dir: ReleaseDirOption = paths.RELEASE_DIR,
) -> None:
    """Create the GitHub Release of a tag with the release files as assets."""
    from tabml.release.publish import publish

    release = publish(release_dir, tag, repo)
    _step_outputs({"release_id": str(release["id"])})
    console.print(f"publish: release {release['id']} with {len(release['assets'])} assets")


@release_app.command("deployment-start")
@clear_errors
def release_deployment_start(
    repo: RepoOption,
    ref: Annotated[str, typer.Option(help="The commit or tag deployed.")],
    environment: Annotated[str, typer.Option(help="The GitHub Environment (the stage).")],
    version: VersionOption,
    image: Annotated[str | None, typer.Option(help="The image deployed.")] = None,
) -> None:
    """Record a deployment (GitHub Deployments API) in progress; print its id."""
    from tabml.release.deploy import create_deployment

    deployment = create_deployment(repo, ref, environment, version, image)
    _step_outputs({"deployment_id": str(deployment["id"])})
    typer.echo(deployment["id"])


@release_app.command("deployment-status")
@clear_errors
def release_deployment_status(
    repo: RepoOption,
    deployment_id: Annotated[int, typer.Option("--id", help="The deployment id.")],
    state: Annotated[str, typer.Option(help="A deployment state or a job status.")],
    description: str = "",
    environment_url: Annotated[str | None, typer.Option(help="Where it runs.")] = None,
) -> None:
    """Add the final status of a deployment."""
    from tabml.release.deploy import set_status

    status = set_status(repo, deployment_id, state, description, environment_url)
    console.print(f"deployment {deployment_id}: {status.get('state', state)}")


@release_app.command("smoke")
@clear_errors
def release_smoke(
    url: Annotated[str, typer.Option(help="The server's base URL.")],
    expect_version: Annotated[str | None, typer.Option(help="The model version to expect.")] = None,
    records: Annotated[int, typer.Option(help="Rows of the raw table to score.")] = 5,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /health.")] = 120,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Check a running server: /health, /metadata, /predict and a refused bad record."""
    from tabml.release.smoke import smoke

    params = _params(params_file)
    contract = load_contract(params.data.contract)
    report = smoke(
        url, params, contract, expect_version=expect_version, count=records, timeout=timeout
    )
    console.print(
        f"smoke: {report.url} serves {report.model_version}; {report.records} records scored, "
        "a bad record refused with 422",
        highlight=False,
    )


# --- Continuous training and the monitoring issue (docs/continuous-training.md) --------------
retrain_app = typer.Typer(
    help="Continuous training: new batches -> table -> repro -> report -> PR or issue.",
    no_args_is_help=True,
)
app.add_typer(retrain_app, name="retrain")


@retrain_app.command("build")
@clear_errors
def retrain_build(params_file: ParamsOption = paths.PARAMS) -> None:
    """Write the training table (base + batches, per `retrain`) and point data.path at it."""
    import yaml

    from tabml.platform import git
    from tabml.retrain.build import build_table, provenance_path

    params = _params(params_file)
    if git.is_dirty([str(params_file)]):
        raise TabmlError(f"{params_file}: uncommitted changes; commit them before a retrain")
    contract = load_contract(params.data.contract)
    result = build_table(params, contract, params_file.read_text(encoding="utf-8"))
    if result.changed:
        table = params.retrain.table
        io.write_bytes(table, result.table)
        record = yaml.safe_dump(result.provenance, sort_keys=False)
        io.write_bytes(provenance_path(table), record.encode())
        io.write_bytes(params_file, result.params_text.encode())
    io.write_json(paths.RETRAIN_BUILD, result.info(params))
    _step_outputs({"changed": str(result.changed).lower()})
    console.print(f"retrain build: {result.reason}", highlight=False)


@retrain_app.command("commit")
@clear_errors
def retrain_commit(params_file: ParamsOption = paths.PARAMS) -> None:
    """Commit the built table, params, dvc.lock and reports on the retrain branch."""
    from tabml.retrain.branch import commit_on_branch
    from tabml.retrain.build import provenance_path

    params = _params(params_file)
    build = io.read_json(paths.RETRAIN_BUILD)
    if not build["changed"]:
        console.print(f"retrain commit: nothing to commit ({build['reason']})", highlight=False)
        return
    retrain = params.retrain
    candidates = [
        params_file,
        paths.DVC_LOCK,
        paths.REPORTS_DIR,
        retrain.table,
        provenance_path(retrain.table),
        retrain.incoming,
    ]
    message = f"Retrain: {build['reason']}, {build['rows']} rows in {retrain.table}"
    sha = commit_on_branch(retrain.branch, [str(p) for p in candidates if p.exists()], message)
    console.print(f"retrain commit: {sha[:12]} on {retrain.branch}", highlight=False)


@retrain_app.command("report")
@clear_errors
def retrain_report(params_file: ParamsOption = paths.PARAMS) -> None:
    """Compare with `retrain.main` (the PR report and gate) and decide: PR, issue or nothing."""
    from tabml.compare.render import render
    from tabml.compare.report import compare
    from tabml.compare.summary import summary
    from tabml.platform import actions
    from tabml.retrain.decide import decide

    params = _params(params_file)
    build = io.read_json(paths.RETRAIN_BUILD)
    report, markdown = None, None
    if build["changed"]:
        with console.status(f"comparing with {params.retrain.main}"):
            comparison = compare(params, params.retrain.main)
        markdown, report = render(comparison), summary(comparison)
        io.write_bytes(paths.PR_REPORT_MD, markdown.encode())
        io.write_json(paths.PR_REPORT_JSON, report)
    decision = decide(build, report, markdown, params.retrain.label, actions.run_url())
    io.write_json(paths.RETRAIN_DECISION, decision.to_json())
    _step_outputs({"decision": decision.kind})
    actions.append_summary(
        f"Retrain decision: **{decision.kind}** ({decision.reason})\n\n{markdown or ''}"
    )
    console.print(f"retrain: {decision.kind} ({decision.reason})", highlight=False)


@retrain_app.command("push")
@clear_errors
def retrain_push(params_file: ParamsOption = paths.PARAMS) -> None:
    """Force-push HEAD to the retrain branch (token from GITHUB_TOKEN, never stored)."""
    from tabml.platform import git

    branch = _params(params_file).retrain.branch
    git.force_push(branch)
    console.print(f"retrain push: origin/{branch}", highlight=False)


@retrain_app.command("publish")
@clear_errors
def retrain_publish(repo: RepoOption) -> None:
    """Open or update the one retrain PR (gate passed) or the one `retrain` issue (failed)."""
    from tabml.retrain.api import publish
    from tabml.retrain.decide import Decision

    decision = Decision(**io.read_json(paths.RETRAIN_DECISION))
    if decision.kind == "none":
        console.print(f"retrain publish: nothing to publish ({decision.reason})", highlight=False)
        return
    action, item = publish(repo, decision)
    _step_outputs({"number": str(item["number"]), "url": item["html_url"]})
    console.print(f"retrain publish: {action} #{item['number']} {item['html_url']}")


@app.command("drift-issue")
@clear_errors
def drift_issue(
    repo: RepoOption,
    dispatch: Annotated[
        bool, typer.Option(help="Also dispatch the retrain workflow (needs actions: write).")
    ] = False,
    json_in: Annotated[Path, typer.Option("--json", help="The drift JSON report.")] = (
        paths.DRIFT_JSON
    ),
    markdown_in: Annotated[
        Path, typer.Option("--markdown", help="The drift markdown report.")
    ] = paths.DRIFT_MARKDOWN,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Open or update the one `drift` issue from the last `tabml monitor` run, if it drifted."""
    from tabml.monitor.drift_issue import drift_decision
    from tabml.platform import actions
    from tabml.retrain import RETRAIN_WORKFLOW
    from tabml.retrain.api import dispatch as dispatch_workflow
    from tabml.retrain.api import publish

    params = _params(params_file)
    drift = io.read_json(json_in)
    markdown = markdown_in.read_text(encoding="utf-8") if drift.get("drift") else ""
    decision = drift_decision(
        drift,
        markdown,
        server=actions.server_url(),
        repo=repo,
        dispatched=dispatch,
        run_url=actions.run_url(),
    )
    if decision.kind == "none":
        console.print(f"drift-issue: nothing to report ({decision.reason})", highlight=False)
        return
    if dispatch:
        dispatch_workflow(repo, RETRAIN_WORKFLOW, params.retrain.main)
        console.print(f"drift-issue: dispatched {RETRAIN_WORKFLOW} on {params.retrain.main}")
    action, item = publish(repo, decision)
    _step_outputs({"number": str(item["number"]), "url": item["html_url"]})
    console.print(f"drift-issue: {action} #{item['number']} {item['html_url']}")


# --- Experiment sweeps: DVC's queue locally, a matrix in CI (docs/sweeps.md) -------------------
sweep_app = typer.Typer(help="Grid and random searches over params.", no_args_is_help=True)
app.add_typer(sweep_app, name="sweep")
SweepOption = Annotated[
    Path | None, typer.Option("--sweep", help="A sweep file (grid: or random:).")
]
GridOption = Annotated[
    str | None,
    typer.Option("--grid", help='An inline grid (wins over --sweep): {"key": [v1, v2]}.'),
]
TableOut = Annotated[Path | None, typer.Option("--out", help="Also write the table here.")]


def _write_table(table: str, out: Path | None, summary: bool = False) -> None:
    """Print the table; write it to `out` and, in a workflow, to the job summary."""
    from tabml.platform import actions

    if out is not None:
        io.write_bytes(out, table.encode())
    if summary:
        actions.append_summary(table)
    typer.echo(table, nl=False)


@sweep_app.command("run")
@clear_errors
def sweep_run(
    *,
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Experiments at a time.")] = 2,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the queue.")] = 6 * 3600,
    out: TableOut = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Queue every candidate (dvc exp run --queue), run the queue, print the ranked table."""
    from tabml.sweep.local import run_sweep
    from tabml.sweep.spec import load_sweep

    params = _params(params_file)
    spec = load_sweep(sweep, grid, params_file)

    def say(line: str) -> None:
        console.print(line, highlight=False, soft_wrap=True)

    _write_table(run_sweep(spec, params, jobs, timeout=timeout, log=say), out)


@sweep_app.command("show")
@clear_errors
def sweep_show(
    name: Annotated[
        list[str] | None, typer.Option("--name", help="Only these experiments (repeatable).")
    ] = None,
    out: TableOut = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """The ranked table of HEAD's experiments (dvc exp show) against HEAD."""
    from tabml.sweep.local import exp_show, tabulate, varying_keys

    params = _params(params_file)
    show = exp_show()
    _write_table(tabulate(show, params, varying_keys(show), name or None), out)


@sweep_app.command("matrix")
@clear_errors
def sweep_matrix(
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Validate and expand the sweep; print the matrix JSON and write matrix= and count=."""
    import json

    from tabml.sweep.matrix import matrix
    from tabml.sweep.spec import load_sweep

    spec = load_sweep(sweep, grid, params_file)
    expanded = json.dumps(matrix(spec), separators=(",", ":"))
    _step_outputs({"matrix": expanded, "count": str(len(spec.candidates))})
    for label, candidate in zip(spec.labels(), spec.candidates, strict=True):
        console.print(f"candidate {candidate.index}: {label}", highlight=False)
    typer.echo(expanded)


@sweep_app.command("run-one")
@clear_errors
def sweep_run_one(
    index: Annotated[int, typer.Option("--index", help="The candidate, from 0.")],
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where its files go.")
    ] = paths.SWEEP_OUT,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Run one candidate in the workspace (dvc exp run -S ...); collect params, metrics and
    predictions with candidate.json in --out-dir."""
    from tabml.sweep.matrix import run_one
    from tabml.sweep.spec import load_sweep

    spec = load_sweep(sweep, grid, params_file)
    folder = run_one(spec, index, out_dir)
    console.print(f"sweep: candidate {index} done; its files are in {folder}/", highlight=False)


@sweep_app.command("aggregate")
@clear_errors
def sweep_aggregate(
    *,
    results: Annotated[Path, typer.Option("--results", help="The downloaded artifacts.")],
    sweep: SweepOption = paths.SWEEP,
    grid: GridOption = None,
    base: Annotated[
        str, typer.Option(help="Branch whose committed predictions are the baseline.")
    ] = "main",
    out: TableOut = paths.SWEEP_TABLE,
    params_file: ParamsOption = paths.PARAMS,
) -> None:
    """Rank every candidate's artifact against the base branch; write the table and the job
    summary. Fails only when no candidate succeeded."""
    from tabml.sweep.matrix import aggregate
    from tabml.sweep.spec import load_sweep

    params = _params(params_file)
    spec = load_sweep(sweep, grid, params_file)
    table, succeeded = aggregate(spec, results, params, base)
    _write_table(table, out, summary=True)
    if not succeeded:
        raise TabmlError(f"{results}: none of the {len(spec.candidates)} candidates succeeded")


@sweep_app.command("comment")
@clear_errors
def sweep_comment(
    pr: Annotated[int, typer.Option("--pr", help="The pull-request number.")],
    repo: Annotated[str, typer.Option("--repo", help="owner/name on GitHub.")],
    table: Annotated[Path, typer.Option("--table", help="The table to post.")] = paths.SWEEP_TABLE,
) -> None:
    """Post the sweep table as a comment on a pull request (needs GITHUB_TOKEN)."""
    from tabml.platform import github

    if not table.is_file():
        raise TabmlError(f"{table}: file not found; run `tabml sweep aggregate` first")
    body = table.read_text(encoding="utf-8")
    made = github.request("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})
    console.print(f"sweep: commented on #{pr}: {made.get('html_url', '')}", highlight=False)


if __name__ == "__main__":
    app()
