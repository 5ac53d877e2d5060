"""Regenerate the README's pictures from the real code (`make docs-images`).

1. Runs a real PR scenario on a copy of this repository (a branch that changes a parameter,
   `dvc repro`, commit) and `tabml report` against main: the markdown is saved as
   `docs/example-pr-report.md`.
2. Renders that markdown the way GitHub does (GitHub's markdown CSS, mermaid for the charts),
   with local npm packages and headless Chromium, to `docs/images/pr-report.png`.

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


def sh(cmd: list[str], cwd: Path) -> str:
    """Run a command with this venv's tools first on PATH; fail loudly."""
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        DVC_NO_ANALYTICS="1",
    )
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


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


def example_report(workdir: Path) -> str:
    """The report of a PR that trains longer with a smaller learning rate."""
    repo = workdir / "repo"
    repo.mkdir()
    copy_repository(repo)
    sh(["dvc", "repro"], repo)
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
    return (repo / "reports/pr/report.md").read_text()


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}"><style>
body {{ background: #fff; margin: 0; }}
.markdown-body {{ box-sizing: border-box; width: 900px; padding: 24px 32px;
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
  document.title = String(document.documentElement.scrollHeight);
}});
</script></body></html>"""


def screenshot(markdown: str, out: Path, workdir: Path, chromium: str) -> None:
    """Render markdown as GitHub would and save a PNG."""
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
    nm = modules / "node_modules"
    page = workdir / "report.html"
    page.write_text(
        PAGE.format(
            css=(nm / "github-markdown-css/github-markdown-light.css").as_uri(),
            marked=(nm / "marked/lib/marked.umd.js").as_uri(),
            mermaid=(nm / "mermaid/dist/mermaid.min.js").as_uri(),
            source=json.dumps(markdown),
        )
    )
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}"]
    dom = sh([*base, "--window-size=940,1000", "--dump-dom", page.as_uri()], workdir)
    height = int(dom.split("<title>", 1)[1].split("</title>", 1)[0])
    sh([*base, f"--window-size=940,{height}", f"--screenshot={out}", page.as_uri()], workdir)


def main() -> None:
    """Regenerate docs/example-pr-report.md and docs/images/pr-report.png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument(
        "--screenshot-only",
        action="store_true",
        help="re-render the committed example report without re-running it",
    )
    args = parser.parse_args()
    example = ROOT / "docs/example-pr-report.md"
    with tempfile.TemporaryDirectory(prefix="tabml-docs-") as tmp:
        if args.screenshot_only:
            markdown = example.read_text()
        else:
            markdown = example_report(Path(tmp))
            example.write_text(markdown)
        screenshot(markdown, ROOT / "docs/images/pr-report.png", Path(tmp), args.chromium)
    print("wrote docs/example-pr-report.md and docs/images/pr-report.png")


if __name__ == "__main__":
    main()
