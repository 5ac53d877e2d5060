"""Regenerate the README's pictures from the real code (`make docs-images`).

1. Reproduces a copy of this repository, makes demo batches with a deliberate shift
   (`tabml batches`) and runs `tabml monitor` on the newest: `docs/example-drift-report.md`.
2. Runs the default sweep there with DVC's queue (`tabml sweep run`): `docs/example-sweep-table.md`.
3. Runs a real PR scenario there (a branch that changes parameters, `dvc repro`, commit) and
   `tabml report` against main: `docs/example-pr-report.md`.
4. Renders the three markdown files the way GitHub does (GitHub's markdown CSS, mermaid for
   the charts), with local npm packages and headless Chromium, to `docs/images/<name>.png`.

Needs git, npm and Chromium (Debian: `apt-get install chromium fonts-noto-color-emoji`).
Nothing leaves the machine: the npm packages come from the registry, the page is a local file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
NPM_PACKAGES = ["marked@18", "mermaid@12", "github-markdown-css@5"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
]


def sh(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> str:
    """Run a command with this venv's tools first on PATH; fail loudly on other exit codes."""
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        DVC_NO_ANALYTICS="1",
    )
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def copy_repository(target: Path) -> None:
    """A fresh git repository holding this repository's tracked files, on branch main."""
    names = sh(["git", "ls-files", "-z"], ROOT).split("\0")
    for name in filter(None, names):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    sh(["git", "init", "-q", "-b", "main"], target)
    sh(["git", "add", "-A"], target)
    sh(
        [
            "git",
            "-c",
            "user.name=docs",
            "-c",
            "user.email=docs@example.com",
            "commit",
            "-qm",
            "template",
        ],
        target,
    )


def example_reports(workdir: Path) -> dict[str, str]:
    """A drift report on a shifted batch, a sweep table, and the report of a PR that trains
    longer."""
    repo = workdir / "repo"
    repo.mkdir()
    copy_repository(repo)
    sh(["dvc", "repro"], repo)
    shifts = ["--shift", "age=+10", "--shift", "hours-per-week=*1.3", "--shift-from", "3"]
    sh(["tabml", "batches", *shifts], repo)
    newest = sorted((repo / "data/incoming").glob("*.csv"))[-1]
    sh(["tabml", "monitor", "--current", str(newest.relative_to(repo))], repo, ok=(0, 3))
    drift = (repo / "reports/drift/drift.md").read_text()
    shutil.rmtree(repo / "data/incoming")
    sweep_table = workdir / "sweep-table.md"
    sh(["tabml", "sweep", "run", "--sweep", "sweeps/default.yaml", "--out", str(sweep_table)], repo)
    sweep = sweep_table.read_text()
    sh(["git", "checkout", "-q", "-b", "slower-learning"], repo)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["hist_gradient_boosting"].update(learning_rate=0.05, max_iter=400)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh(["dvc", "repro"], repo)
    sh(["git", "add", "-A"], repo)
    sh(
        [
            "git",
            "-c",
            "user.name=docs",
            "-c",
            "user.email=docs@example.com",
            "commit",
            "-qm",
            "Train longer with a smaller learning rate",
        ],
        repo,
    )
    sh(["tabml", "report", "--base", "main", "--pr", "1"], repo)
    pr = (repo / "reports/pr/report.md").read_text()
    return {"pr-report": pr, "drift-report": drift, "sweep-table": sweep}


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}"><style>
body {{ background: #fff; margin: 0; }}
.markdown-body {{ box-sizing: border-box; min-width: 900px; width: max-content;
  max-width: 1400px; padding: 24px 32px;
  border: 1px solid #d0d7de; border-radius: 6px; margin: 16px; }}
</style></head><body><article class="markdown-body" id="out"></article>
<script src="{marked}"></script><script src="{mermaid}"></script>
<script>
const source = {source};
document.getElementById("out").innerHTML = marked.parse(source);
document.querySelectorAll("pre code.language-mermaid").forEach((code) => {{
  const div = document.createElement("div"); div.className = "mermaid";
  div.textContent = code.textContent; code.parentElement.replaceWith(div);
}});
mermaid.initialize({{ startOnLoad: false, theme: "default" }});
mermaid.run().then(() => {{
  const box = document.getElementById("out").getBoundingClientRect();
  document.title = `${{Math.ceil(box.right + 16)}}x${{Math.ceil(box.bottom + 16)}}`;
}});
</script></body></html>"""


def install_renderers(workdir: Path) -> Path:
    """marked, mermaid and GitHub's markdown CSS from the npm registry, into `workdir`."""
    modules = workdir / "npm"
    sh(
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(modules),
            *NPM_PACKAGES,
        ],
        workdir,
    )
    return modules / "node_modules"


def screenshot(markdown: str, out: Path, workdir: Path, modules: Path, chromium: str) -> None:
    """Render markdown as GitHub would and save a PNG as tall as the page."""
    page = workdir / f"{out.stem}.html"
    page.write_text(
        PAGE.format(
            css=(modules / "github-markdown-css/github-markdown-light.css").as_uri(),
            marked=(modules / "marked/lib/marked.umd.js").as_uri(),
            mermaid=(modules / "mermaid/dist/mermaid.min.js").as_uri(),
            source=json.dumps(markdown),
        )
    )
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}"]
    dom = sh([*base, "--window-size=940,1000", "--dump-dom", page.as_uri()], workdir)
    size = dom.split("<title>", 1)[1].split("</title>", 1)[0].replace("x", ",")
    sh([*base, f"--window-size={size}", f"--screenshot={out}", page.as_uri()], workdir)


def main() -> None:
    """Regenerate docs/example-*.md and their screenshots in docs/images/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument(
        "--screenshot-only",
        action="store_true",
        help="re-render the committed example reports without re-running them",
    )
    args = parser.parse_args()
    names = ("pr-report", "drift-report", "sweep-table")
    with tempfile.TemporaryDirectory(prefix="tabml-docs-") as tmp:
        if args.screenshot_only:
            reports = {name: (ROOT / f"docs/example-{name}.md").read_text() for name in names}
        else:
            reports = example_reports(Path(tmp))
            for name, markdown in reports.items():
                (ROOT / f"docs/example-{name}.md").write_text(markdown)
        modules = install_renderers(Path(tmp))
        for name, markdown in reports.items():
            screenshot(
                markdown, ROOT / f"docs/images/{name}.png", Path(tmp), modules, args.chromium
            )
            print(f"wrote docs/example-{name}.md and docs/images/{name}.png")


if __name__ == "__main__":
    main()
