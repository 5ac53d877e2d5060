"""`tabml release`: GTO tags, release files, the GitHub Release, deployments, the smoke test
(docs/release.md). GTO and the GitHub client load only in the command that needs them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tabml import paths
from tabml.cli.common import (
    DEFAULT_PARAMS,
    ParamsOption,
    RepoOption,
    clear_errors,
    console,
    load,
    step_outputs,
)

PANEL = "Releases"
release_app = typer.Typer(
    help="Tag, build, publish and deploy model releases.", no_args_is_help=True
)
VersionOption = Annotated[str, typer.Option("--version", help="SemVer with a leading v: v1.2.0.")]
ArtifactOption = Annotated[str, typer.Option("--artifact", help="The dvc.yaml artifact.")]
MainOption = Annotated[
    str | None, typer.Option("--main", help="The main branch ref (default: origin/main or main).")
]
PushOption = Annotated[bool, typer.Option("--push", help="Push the new tag to origin.")]
ReleaseDirOption = Annotated[Path, typer.Option("--dir", help="The release directory.")]


def register(app: typer.Typer) -> None:
    """`tabml release` is a group."""
    app.add_typer(release_app, name="release", rich_help_panel=PANEL)


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
    from tabml.release.tags import check_tag

    values = check_tag(tag, main, repo, event)
    step_outputs(values)
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
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Build the release files: model, metrics, params, contract, dvc.lock, MODEL_CARD.md, and
    the image's Dockerfile, wheel, pyproject.toml and uv.lock, all listed in SHA256SUMS."""
    from tabml.release.assets import build_assets, release_info

    params = load(params_file)
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
    step_outputs({"release_id": str(release["id"])})
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
    step_outputs({"deployment_id": str(deployment["id"])})
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
    params_file: ParamsOption = DEFAULT_PARAMS,
) -> None:
    """Check a running server: /health, /metadata, /predict and a refused bad record."""
    from tabml.contract import load_contract
    from tabml.release.smoke import smoke

    params = load(params_file)
    contract = load_contract(params.data.contract)
    report = smoke(
        url, params, contract, expect_version=expect_version, count=records, timeout=timeout
    )
    console.print(
        f"smoke: {report.url} serves {report.model_version}; {report.records} records scored, "
        "a bad record refused with 422",
        highlight=False,
    )
