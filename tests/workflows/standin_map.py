"""Which remote actions a workflow uses, and the stand-in each maps to.

act clones every remote ``owner/name@ref`` from GitHub, which fails offline, so ``run_act`` maps
each one used by the workflow, its local composite actions (``uses: ./...``) and local reusable
workflows with ``--local-repository owner/name@ref=DIR`` to ``standins/<owner>__<name>/``. A
missing stand-in raises ``StandinError`` before act starts.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

STANDINS = Path(__file__).resolve().parent / "standins"
USES = re.compile(r"^(?P<owner>[^/@\s]+)/(?P<name>[^/@\s]+)(?:/(?P<path>[^@\s]+))?@(?P<ref>\S+)$")


class StandinError(RuntimeError):
    """A workflow uses an action the harness cannot substitute."""


@dataclass(frozen=True)
class ActionRef:
    """One remote ``uses:`` reference, and the file it was found in."""

    owner: str
    name: str
    path: str
    ref: str
    source: str

    @property
    def spec(self) -> str:
        """``owner/name@ref``, as ``--local-repository`` takes it."""
        return f"{self.owner}/{self.name}@{self.ref}"

    def standin(self, standins: Path = STANDINS) -> Path:
        """The stand-in directory for this repository."""
        return standins / f"{self.owner}__{self.name}"

    def has_standin(self, standins: Path = STANDINS) -> bool:
        """Whether the stand-in holds this action (or reusable workflow, for a ``.yml`` path)."""
        target = self.standin(standins) / self.path
        if self.path.endswith((".yml", ".yaml")):
            return target.is_file()
        return any((target / f).is_file() for f in ("action.yml", "action.yaml"))


def uses_in(document: Any) -> Iterator[str]:
    """``uses:`` values of a workflow (jobs and steps) or of a composite action."""
    if not isinstance(document, dict):
        return
    jobs = document.get("jobs") or {}
    steps = [s for job in jobs.values() if isinstance(job, dict) for s in job.get("steps") or []]
    steps += (document.get("runs") or {}).get("steps") or []
    for item in [*jobs.values(), *steps]:
        if isinstance(item, dict) and isinstance(item.get("uses"), str):
            yield item["uses"].strip()


def collect_uses(repo: Path, workflow: str | Path) -> list[ActionRef]:
    """Remote actions used by ``workflow``, its local actions/reusable workflows, and by
    every ``.github/actions/*/action.yml`` (deduplicated, in discovery order)."""
    queue = [repo / workflow, *sorted((repo / ".github" / "actions").glob("*/action.y*ml"))]
    seen: set[Path] = set()
    found: dict[tuple[str, str, str, str], ActionRef] = {}
    while queue:
        path = queue.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for uses in uses_in(document):
            if uses.startswith("./"):
                local = repo / uses[2:]
                queue += (
                    [local]
                    if local.suffix in (".yml", ".yaml")
                    else list(local.glob("action.y*ml"))
                )
            elif uses.startswith("docker://"):
                raise StandinError(f"{path}: {uses}: docker:// actions cannot run in host mode")
            elif match := USES.match(uses):
                ref = ActionRef(**match.groupdict(default=""), source=str(path))
                found.setdefault((ref.owner, ref.name, ref.path, ref.ref), ref)
            else:
                raise StandinError(f"{path}: cannot parse 'uses: {uses}'")
    return list(found.values())


def local_repository_flags(refs: Sequence[ActionRef], standins: Path = STANDINS) -> list[str]:
    """``--local-repository`` flags for ``refs``; raises ``StandinError`` listing the gaps."""
    missing = sorted(
        {f"{r.spec} (path '{r.path}', in {r.source})" for r in refs if not r.has_standin(standins)}
    )
    if missing:
        raise StandinError(
            "no stand-in for: "
            + "; ".join(missing)
            + f". Add one under {standins}/<owner>__<name>/"
        )
    specs = sorted({(r.spec, r.standin(standins)) for r in refs})
    return [arg for spec, path in specs for arg in ("--local-repository", f"{spec}={path}")]


def cache_standins(scratch: Path) -> Path:
    """A copy of the stand-ins whose actions/cache is ``cache-mode/``: a node action, so that
    its post step saves (composite actions have none). The default stand-in stays composite,
    so runs without ``cache=`` need no node."""
    dest = scratch / "standins"
    shutil.copytree(STANDINS, dest, ignore=shutil.ignore_patterns("__pycache__"))
    mode = STANDINS / "actions__cache" / "cache-mode"
    shutil.copytree(mode, dest / "actions__cache", dirs_exist_ok=True)
    return dest
