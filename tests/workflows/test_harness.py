"""Self-tests of the offline workflow harness: emulator, cml stand-in, stand-ins and run_act."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.act import (
    FAKE_TOKEN,
    STANDIN_BIN,
    STANDINS,
    StandinError,
    collect_uses,
    commit_all,
    local_repository_flags,
    run_act,
    snapshot_repo,
)
from tests.workflows.github_emulator import GitHubEmulator

REPO = "acme/tabml-demo"
HEAD_SHA = "1234567890abcdef1234567890abcdef12345678"
PINS = {
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
    "setup-python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97",
    "upload": "actions/upload-artifact@cf430e030ddbb5b0abf93d22962f4752f3646cd9",
    "download": "actions/download-artifact@9000827ccba6bdab643e8b6fd33ac0654aef8333",
}
PR_EVENT: dict[str, Any] = {
    "number": 7,
    "pull_request": {
        "number": 7,
        "head": {"sha": HEAD_SHA, "ref": "feature"},
        "base": {"ref": "main"},
    },
}


def api(gh: GitHubEmulator, method: str, path: str, body: Any = None, token: bool = True) -> Any:
    """Call the emulator like a client would."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(gh.url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", "token secret-value")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        return err.code
    return json.loads(raw) if raw else None


# -- emulator ----------------------------------------------------------------------------------
def test_emulator_records_requests_without_token_values(emulator: GitHubEmulator) -> None:
    assert api(emulator, "GET", "/users/octocat")["login"] == "octocat"
    assert api(emulator, "GET", f"/repos/{REPO}/no/such/route", token=False) == 404
    first, second = emulator.requests
    assert (first.token_present, first.auth_scheme, first.status) == (True, "token", 200)
    assert "secret-value" not in json.dumps([r.headers for r in emulator.requests])
    assert (second.token_present, second.status, second.path) == (
        False,
        404,
        f"/repos/{REPO}/no/such/route",
    )


def test_emulator_issues_pulls_deployments_releases(emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 7, head_sha=HEAD_SHA, head_ref="feature")
    issue = api(emulator, "POST", f"/repos/{REPO}/issues", {"title": "drift", "labels": ["drift"]})
    assert issue["number"] == 8  # issues and pulls share numbers
    assert [i["number"] for i in api(emulator, "GET", f"/repos/{REPO}/issues?labels=drift")] == [8]
    api(emulator, "PATCH", f"/repos/{REPO}/issues/8", {"state": "closed"})
    assert api(emulator, "GET", f"/repos/{REPO}/issues?labels=drift&state=open") == []
    assert api(emulator, "GET", f"/repos/{REPO}/issues?state=all&creator=github-actions[bot]")
    assert [
        p["number"] for p in api(emulator, "GET", f"/repos/{REPO}/pulls?head=acme:feature")
    ] == [7]
    assert api(emulator, "GET", f"/repos/{REPO}/pulls?base=release") == []
    assert [
        p["number"] for p in api(emulator, "GET", f"/repos/{REPO}/commits/{HEAD_SHA}/pulls")
    ] == [7]
    pull = api(
        emulator, "POST", f"/repos/{REPO}/pulls", {"title": "t", "head": "b", "base": "main"}
    )
    assert pull["number"] == 9

    dep = api(
        emulator, "POST", f"/repos/{REPO}/deployments", {"ref": "main", "environment": "staging"}
    )
    api(emulator, "POST", f"/repos/{REPO}/deployments/{dep['id']}/statuses", {"state": "success"})
    assert [
        s["state"] for s in api(emulator, "GET", f"/repos/{REPO}/deployments/{dep['id']}/statuses")
    ] == ["success"]

    rel = api(emulator, "POST", f"/repos/{REPO}/releases", {"tag_name": "v1.0.0"})
    assert api(emulator, "GET", f"/repos/{REPO}/releases/tags/v1.0.0")["id"] == rel["id"]
    upload = urllib.request.Request(
        f"{emulator.url}/repos/{REPO}/releases/{rel['id']}/assets?name=model.skops",
        data=b"abc",
        method="POST",
    )
    urllib.request.urlopen(upload, timeout=10).close()
    assert emulator.repo(REPO).assets[rel["id"]][0]["sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert (
        api(emulator, "POST", f"/repos/{REPO}/actions/workflows/ci.yml/dispatches", {"ref": "main"})
        is None
    )
    assert emulator.repo(REPO).dispatches == [{"workflow": "ci.yml", "body": {"ref": "main"}}]


# -- cml stand-in ------------------------------------------------------------------------------
@pytest.fixture
def cml_env(tmp_path: Path, emulator: GitHubEmulator) -> dict[str, str]:
    """Environment of a pull_request job whose API is the emulator."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps(PR_EVENT), encoding="utf-8")
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {
        **keep,
        "GITHUB_API_URL": emulator.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,
        "GITHUB_WORKFLOW": "pr-report",
        "GITHUB_RUN_ID": "99",
        "REPO_TOKEN": "t0ken",
        "CML_STANDIN_LOG": str(tmp_path / "cml.jsonl"),
    }


def cml(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the stand-in through its shebang, as a workflow would."""
    return subprocess.run(
        [str(STANDIN_BIN / "cml"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cml_update_is_sticky_per_watermark(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text("# Metrics\n\naccuracy 0.91\n", encoding="utf-8")
    emulator.add_comment(REPO, 7, "a human comment")

    first = cml(
        cml_env, "comment", "update", "--target=pr/7", "--watermark-title=model_report", str(report)
    )
    assert first.returncode == 0, first.stderr
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("GET", "/users/octocat"),
        ("GET", f"/repos/{REPO}/issues/7/comments"),
        ("POST", f"/repos/{REPO}/issues/7/comments"),
    ]
    posted = emulator.requests[-1]
    assert posted.auth_scheme == "token" and posted.token_present
    assert posted.json["body"] == (
        "# Metrics\n\naccuracy 0.91\n\n"
        f'![](https://cml.dev/watermark.png#{HEAD_SHA} "CML watermark model\\_report")\n'
    )
    comment_id = int(first.stdout.strip().rsplit("-", 1)[1])

    report.write_text("# Metrics\n\naccuracy 0.95\n", encoding="utf-8")
    second = cml(
        cml_env,
        "comment",
        "update",
        "--target",
        "pr/7",
        "--watermark-title",
        "model_report",
        str(report),
    )
    assert second.returncode == 0, second.stderr
    assert emulator.requests[-1].method == "PATCH"
    assert emulator.requests[-1].path == f"/repos/{REPO}/issues/comments/{comment_id}"
    assert "0.95" in emulator.repo(REPO).comments[comment_id]["body"]

    third = cml(
        cml_env, "comment", "update", "--target=pr/7", "--watermark-title=drift", str(report)
    )
    assert third.returncode == 0, third.stderr
    assert emulator.requests[-1].method == "POST"
    bodies = [c["body"] for c in emulator.repo(REPO).comments.values()]
    assert len(bodies) == 3 and sum("CML watermark" in b for b in bodies) == 2

    logged = [json.loads(x) for x in Path(cml_env["CML_STANDIN_LOG"]).read_text().splitlines()]
    assert logged[0] == [
        "comment",
        "update",
        "--target=pr/7",
        "--watermark-title=model_report",
        str(report),
    ]


def test_cml_update_patches_the_last_comment_with_that_title_whatever_its_sha(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    old = '![](https://cml.dev/watermark.png#abc123 "CML watermark drift")'
    first = emulator.add_comment(REPO, 7, f"old report\n\n{old}")
    second = emulator.add_comment(REPO, 7, f"newer report\n\n{old}")
    emulator.add_comment(REPO, 7, '![](https://cml.dev/watermark.png#abc123 "CML watermark other")')
    report = tmp_path / "r.md"
    report.write_text("fresh", encoding="utf-8")
    done = cml(
        cml_env, "comment", "update", "--target=issue/7", "--watermark-title=drift", str(report)
    )
    assert done.returncode == 0, done.stderr
    assert emulator.requests[-1].path.endswith(f"/issues/comments/{second['id']}")
    assert emulator.repo(REPO).comments[first["id"]]["body"].startswith("old report")


def test_cml_create_always_posts_and_unknown_commands_fail(
    tmp_path: Path, emulator: GitHubEmulator, cml_env: dict[str, str]
) -> None:
    report = tmp_path / "r.md"
    report.write_text("hello", encoding="utf-8")
    for _ in range(2):
        done = cml(cml_env, "comment", "create", "--target=pr/7", "--no-publish", str(report))
        assert done.returncode == 0, done.stderr
    assert [r.method for r in emulator.calls(path_regex="/comments")] == ["POST", "POST"]
    assert (
        emulator.requests[-1].json["body"]
        == f'hello\n\n![](https://cml.dev/watermark.png#{HEAD_SHA} "CML watermark")'
    )

    unknown = cml(cml_env, "runner", "launch")
    assert unknown.returncode != 0 and "unsupported" in unknown.stderr
    no_token = cml({**cml_env, "REPO_TOKEN": ""}, "comment", "create", "--target=pr/7", str(report))
    assert no_token.returncode == 1 and "REPO_TOKEN" in no_token.stderr
    assert cml(cml_env, "pr", "create", "--squash", "data/").returncode == 0


# -- stand-ins without act ---------------------------------------------------------------------
def standin(
    command: str, action: str, cwd: Path, tmp: Path, **given: str
) -> subprocess.CompletedProcess[str]:
    """Run one stand-in command the way its action.yml does."""
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_OUTPUT": str(tmp / "out.txt"),
        "GITHUB_RUN_ID": "5",
        "GITHUB_REPOSITORY": REPO,
        "ACT_STANDIN_ARTIFACTS": str(tmp / "store"),
        "ACT_STANDIN_RECORDS": str(tmp / "records"),
        **{"INPUT_" + k.upper(): v for k, v in given.items()},
    }
    script = STANDINS / "_lib" / "standin.py"
    return subprocess.run(
        [sys.executable, str(script), command, action],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_upload_and_download_standins_follow_the_real_layout(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "reports" / "plots").mkdir(parents=True)
    (work / "reports" / "metrics.json").write_text("{}")
    (work / "reports" / "plots" / "roc.png").write_bytes(b"png")
    (work / "reports" / ".cache").write_text("hidden")
    done = standin(
        "upload", "actions/upload-artifact", work, tmp_path, name="reports", path="reports/\n"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    stored = tmp_path / "store" / "5" / "reports"
    assert sorted(str(p.relative_to(stored)) for p in stored.rglob("*") if p.is_file()) == [
        "metrics.json",
        "plots/roc.png",
    ]
    again = standin(
        "upload", "actions/upload-artifact", work, tmp_path, name="reports", path="reports"
    )
    assert again.returncode == 1 and "already exists" in again.stdout
    missing = standin(
        "upload",
        "actions/upload-artifact",
        work,
        tmp_path,
        name="x",
        path="nope/*.json",
        if_no_files_found="error",
    )
    assert missing.returncode == 1 and "No files were found" in missing.stdout

    dest = tmp_path / "dest"
    dest.mkdir()
    no_token = standin(
        "download", "actions/download-artifact", dest, tmp_path, name="reports", run_id="5"
    )
    assert no_token.returncode == 1
    done = standin(
        "download",
        "actions/download-artifact",
        dest,
        tmp_path,
        name="reports",
        path="in",
        run_id="5",
        github_token="t",
    )
    assert done.returncode == 0, done.stdout
    assert (dest / "in" / "plots" / "roc.png").read_bytes() == b"png"
    record = json.loads(
        (tmp_path / "records" / "actions__download-artifact.jsonl").read_text().splitlines()[-1]
    )
    assert record["inputs"]["github-token"] == "<set>" and record["downloaded"] == ["reports"]


# -- run_act's static part ---------------------------------------------------------------------
def make_repo(root: Path, workflow: str, actions: dict[str, str] | None = None) -> Path:
    """A tiny one-commit repository holding ``workflow`` (and local actions)."""
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "wf.yml").write_text(
        textwrap.dedent(workflow), encoding="utf-8"
    )
    for name, text in (actions or {}).items():
        (root / ".github" / "actions" / name).mkdir(parents=True)
        (root / ".github" / "actions" / name / "action.yml").write_text(
            textwrap.dedent(text), encoding="utf-8"
        )
    return snapshot_repo(root, root.parent / (root.name + "-repo"))


def test_collect_uses_follows_local_actions_and_reports_missing_standins(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "src",
        f"""
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: {PINS["checkout"]} # v7.0.1
              - uses: ./.github/actions/setup
              - uses: acme/unknown-action@{"a" * 40} # v1.0.0
        """,
        {"setup": f"runs:\n  using: composite\n  steps:\n    - uses: {PINS['setup-python']}\n"},
    )
    refs = collect_uses(repo, ".github/workflows/wf.yml")
    assert [r.spec.split("@")[0] for r in refs] == [
        "actions/checkout",
        "acme/unknown-action",
        "actions/setup-python",
    ]
    with pytest.raises(StandinError, match="acme/unknown-action@a{40}"):
        local_repository_flags(refs)
    with pytest.raises(StandinError):
        run_act(repo, ".github/workflows/wf.yml", "push", {}, tmp=tmp_path / "act")
    flags = local_repository_flags([r for r in refs if r.owner == "actions"])
    assert f"{PINS['setup-python']}={STANDINS / 'actions__setup-python'}" in flags


# -- end to end under act (slow) ---------------------------------------------------------------
E2E_WORKFLOW = f"""
name: e2e
on: pull_request
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      python: ${{{{ steps.py.outputs.python-version }}}}
    steps:
      - uses: {PINS["checkout"]} # v7.0.1
      - id: py
        uses: {PINS["setup-python"]} # v7.0.0
        with:
          python-version: "3"
      - run: |
          mkdir -p out/plots
          python -c "import json; json.dump({{'acc': 0.9}}, open('out/metrics.json', 'w'))"
          echo png > out/plots/roc.png
          echo "repo=$GITHUB_REPOSITORY token=${{GITHUB_TOKEN:-none}} gh=${{GH_TOKEN:-none}}"
      - uses: {PINS["upload"]} # v7.0.2
        with:
          name: metrics
          path: out/
          if-no-files-found: error
  report:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: {PINS["download"]} # v8.0.2
        with:
          name: metrics
          path: got
      - env:
          REPO_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
          PY: ${{{{ needs.build.outputs.python }}}}
          PR: ${{{{ github.event.number }}}}
        run: |
          test -f got/plots/roc.png
          echo "python $PY" > report.md && cat got/metrics.json >> report.md
          cml comment update --target=pr/$PR --watermark-title=e2e report.md
"""


@pytest.mark.slow
def test_run_act_end_to_end(
    tmp_path: Path, emulator: GitHubEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "leaked-from-host")
    monkeypatch.setenv("GH_TOKEN", "leaked-from-host")
    repo = make_repo(tmp_path / "src", E2E_WORKFLOW)
    result = run_act(
        repo,
        ".github/workflows/wf.yml",
        "pull_request",
        PR_EVENT,
        tmp=tmp_path / "act",
        api=emulator,
    )
    result.check()
    assert "repo=acme/tabml-demo token=none gh=none" in result.output
    assert "leaked-from-host" not in result.output and FAKE_TOKEN not in result.output
    assert json.loads((result.artifact("metrics") / "metrics.json").read_text()) == {"acc": 0.9}
    assert result.records("actions/upload-artifact")[0]["files"] == [
        "metrics.json",
        "plots/roc.png",
    ]
    assert result.cml_calls() == [
        ["comment", "update", "--target=pr/7", "--watermark-title=e2e", "report.md"]
    ]
    (posted,) = emulator.calls("POST", "/issues/7/comments")
    assert posted.token_present and '"CML watermark e2e"' in posted.json["body"]
    assert posted.json["body"].startswith(f"python {sys.version_info.major}.")


@pytest.mark.slow
def test_run_act_reports_failures_and_shares_artifacts_across_runs(tmp_path: Path) -> None:
    upload = f"""
    on: pull_request
    jobs:
      a:
        runs-on: ubuntu-latest
        steps:
          - run: mkdir -p out && echo 1 > out/model.txt
          - uses: {PINS["upload"]} # v7.0.2
            with:
              name: model
              path: ${{{{ github.head_ref == 'broken' && 'missing/' || 'out/model.txt' }}}}
              if-no-files-found: error
    """
    repo = make_repo(tmp_path / "src", upload)
    broken = {
        **PR_EVENT,
        "pull_request": {**PR_EVENT["pull_request"], "head": {"sha": HEAD_SHA, "ref": "broken"}},
    }
    failed = run_act(
        repo, ".github/workflows/wf.yml", "pull_request", broken, tmp=tmp_path / "act", run_id=40
    )
    assert not failed.ok and "No files were found" in failed.output
    run_act(
        repo, ".github/workflows/wf.yml", "pull_request", PR_EVENT, tmp=tmp_path / "act", run_id=41
    ).check()

    (repo / ".github" / "workflows" / "wf.yml").write_text(
        textwrap.dedent(f"""
        on: workflow_run
        jobs:
          b:
            runs-on: ubuntu-latest
            steps:
              - uses: {PINS["download"]} # v8.0.2
                with:
                  name: model
                  run-id: ${{{{ github.event.workflow_run.id }}}}
                  github-token: ${{{{ github.token }}}}
              - run: test "$(cat model.txt)" = 1
        """),
        encoding="utf-8",
    )
    commit_all(repo, "workflow_run consumer")
    payload = {"workflow_run": {"id": 41, "conclusion": "success", "head_sha": HEAD_SHA}}
    run_act(
        repo, ".github/workflows/wf.yml", "workflow_run", payload, tmp=tmp_path / "act", run_id=42
    ).check()


ALL_STANDINS = """
on: push
permissions: {}
jobs:
  all:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          ref: ${{ github.event.before }}
      - run: test ! -f second.txt
      - id: uv
        uses: astral-sh/setup-uv@c18668ad3cf93ea998bef934396af7bb5c839dc7 # v10.2.0
        with:
          enable-cache: true
      - id: cache
        uses: actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: ~/.cache/x
          key: k1
      - uses: actions/cache/save@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: ~/.cache/x
          key: k1
      - uses: iterative/setup-cml@0000000000000000000000000000000000000000 # unverified
        with:
          vega: false
      - uses: docker/setup-buildx-action@f87e5991a6d7451dcb8d9637bfbc97413f497069 # v4.4.1
      - uses: docker/login-action@dbcb813823bdd20940b903addbd779551569679f # v4.6.0
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - id: meta
        uses: docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302 # v6.2.0
        with:
          images: ghcr.io/acme/tabml-demo
          tags: |
            type=sha
            type=ref,event=branch
      - id: build
        uses: docker/build-push-action@c3c9e263c25d99ce0380d002d59b67737d91b0dc # v7.4.0
        with:
          push: true
          tags: ${{ steps.meta.outputs.tags }}
      - run: echo model > model.skops
      - id: attest
        uses: actions/attest-build-provenance@4d101475d8b20a2381f78447822ac1eab6504dd8 # v4.2.2
        with:
          subject-path: model.skops
      - env:
          UV: ${{ steps.uv.outputs.uv-version }}
          HIT: ${{ steps.cache.outputs.cache-hit }}
          DIGEST: ${{ steps.build.outputs.digest }}
          BUNDLE: ${{ steps.attest.outputs.bundle-path }}
        run: |
          echo "uv=$UV hit=$HIT digest=$DIGEST cml=$(command -v cml)"
          test -s "$BUNDLE" && cml --version
"""


@pytest.mark.slow
def test_every_standin_runs_under_act(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "src", ALL_STANDINS)
    before = _head(repo)
    (repo / "second.txt").write_text("2", encoding="utf-8")
    commit_all(repo, "second")
    payload = {"before": before, "after": _head(repo), "ref": "refs/heads/main"}
    result = run_act(repo, ".github/workflows/wf.yml", "push", payload, tmp=tmp_path / "act")
    result.check()
    assert re.search(
        r"uv=\d+\.\d+\.\d+ hit=false digest=sha256:[0-9a-f]{64} cml=\S+/bin/cml", result.output
    )
    (login,) = result.records("docker/login-action")
    wanted = {"registry": "ghcr.io", "username": "octocat", "password": "<set>"}
    assert wanted.items() <= login["inputs"].items()
    (meta,) = result.records("docker/metadata-action")
    assert meta["tags"] == [
        f"ghcr.io/acme/tabml-demo:sha-{_head(repo)[:7]}",
        "ghcr.io/acme/tabml-demo:main",
    ]
    (build,) = result.records("docker/build-push-action")
    assert build["inputs"]["tags"].splitlines() == meta["tags"]
    (attest,) = result.records("actions/attest-build-provenance")
    assert attest["subjects"] == {"model.skops": hashlib.sha256(b"model\n").hexdigest()}
    assert result.cml_calls() == [["--version"]]


def _head(repo: Path) -> str:
    """HEAD commit of ``repo``."""
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
