"""The actions/cache stand-in's local cache mode (standins/_lib/cache.py), and its default mode.

The fast tests run the helper as the stand-in runs it (a subprocess with ``INPUT_*`` variables
and a workspace); the ``slow`` ones run tiny workflows under act: a save in the post step, a
restore before the next step, no save after a failed job, nothing at all by default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.workflows.act import run_act
from tests.workflows.cache_steps import VENV_KEY, Step, save_entry, venv
from tests.workflows.git_repos import snapshot_repo
from tests.workflows.standin_map import STANDINS, cache_standins


def test_default_mode_never_restores_and_never_saves(tmp_path: Path) -> None:
    workspace = venv(tmp_path / "ws")
    step = Step(tmp_path, workspace, None, path=".venv", key=VENV_KEY).restore()
    assert step.outputs == {
        "cache-hit": "false",
        "cache-primary-key": VENV_KEY,
        "cache-matched-key": "",
    }
    assert "cache miss" in step.stdout and step.state == {}
    step.save()
    assert "saved nothing" in step.stdout
    failing = Step(
        tmp_path, workspace, None, path=".venv", key="k", **{"fail-on-cache-miss": "true"}
    )
    assert failing.run("restore").returncode == 1 and "::error::cache miss" in failing.stdout


def test_a_miss_restores_nothing_and_leaves_cache_hit_unset(tmp_path: Path) -> None:
    store, workspace = tmp_path / "store", tmp_path / "ws"
    workspace.mkdir()
    step = Step(tmp_path, workspace, store, path=".venv", key=VENV_KEY).restore()
    assert "cache-hit" not in step.outputs and step.outputs["cache-primary-key"] == VENV_KEY
    assert "Cache not found for input keys: " + VENV_KEY in step.stdout
    assert not (workspace / ".venv").exists()
    failing = Step(
        tmp_path, workspace, store, path=".venv", key="k", **{"fail-on-cache-miss": "true"}
    )
    assert failing.run("restore").returncode == 1


def test_an_exact_hit_restores_the_files_into_a_new_workspace_and_skips_the_save(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    saved = save_entry(tmp_path, store, VENV_KEY, "1")
    workspace = tmp_path / "elsewhere" / "ws"
    workspace.mkdir(parents=True)
    step = Step(tmp_path, workspace, store, path=".venv", key=VENV_KEY.upper()).restore()
    assert step.outputs["cache-hit"] == "true"  # keys match case-insensitively, as upstream
    assert step.outputs["cache-matched-key"] == VENV_KEY
    script = (workspace / ".venv" / "bin" / "dvc").read_text()
    assert script.startswith(f"#!{workspace}/.venv/bin/python\n")  # relocated text file
    blob = (workspace / ".venv" / "bin" / "blob.pyc").read_bytes()
    assert blob == b"\0" + str(saved).encode() + b"\0"  # binary files are left alone
    step.save()
    assert "not saving cache" in step.stdout
    assert len(list(store.glob("*/meta.json"))) == 1
    (archive,) = store.glob("*/cache.tzst")
    assert archive.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"  # a zstd frame, whatever is installed


def test_a_damaged_archive_fails_the_restore_in_one_sentence(tmp_path: Path) -> None:
    store = tmp_path / "store"
    save_entry(tmp_path, store, VENV_KEY, "1")
    (archive,) = store.glob("*/cache.tzst")
    archive.write_bytes(b"not zstd")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    failed = Step(tmp_path, workspace, store, path=".venv", key=VENV_KEY).run("restore")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"::error::the cache entry {archive} is not a zstd archive" in failed.stdout


def test_restore_keys_restore_the_newest_prefix_match_without_a_hit(tmp_path: Path) -> None:
    store = tmp_path / "store"
    save_entry(tmp_path, store, "dvc-Linux-aaa", "1")
    save_entry(tmp_path, store, "dvc-Linux-bbb", "2")
    save_entry(tmp_path, store, "other-Linux-ccc", "3")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    step = Step(
        tmp_path,
        workspace,
        store,
        path=".venv",
        key="dvc-Linux-new",
        **{"restore-keys": "x-\ndvc-Linux-\n"},
    ).restore()
    assert step.outputs["cache-hit"] == "false"
    assert step.outputs["cache-matched-key"] == "dvc-Linux-bbb"
    assert (workspace / ".venv" / "bin" / "dvc").read_text().endswith("print(2)\n")
    step.save()  # a restore-key match still saves under the primary key
    assert "Cache saved with key: dvc-Linux-new" in step.stdout


def test_the_key_itself_matches_as_a_prefix_and_paths_must_be_the_same(tmp_path: Path) -> None:
    store = tmp_path / "store"
    save_entry(tmp_path, store, "venv-1-long", "1")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    step = Step(tmp_path, workspace, store, path=".venv", key="venv-1").restore()
    assert (step.outputs["cache-hit"], step.outputs["cache-matched-key"]) == (
        "false",
        "venv-1-long",
    )
    other = Step(tmp_path, tmp_path / "ws", store, path=".venv\nmore", key="venv-1-long").restore()
    assert "cache-hit" not in other.outputs  # another path list is another version


def test_an_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    store = tmp_path / "store"
    save_entry(tmp_path, store, VENV_KEY, "1")
    workspace = venv(tmp_path / "ws2", "2")
    step = Step(tmp_path, workspace, store, path=".venv", key=VENV_KEY).save()
    assert "::warning::Failed to save: Unable to reserve cache" in step.stdout
    fresh = tmp_path / "ws3"
    fresh.mkdir()
    Step(tmp_path, fresh, store, path=".venv", key=VENV_KEY).restore()
    assert (fresh / ".venv" / "bin" / "dvc").read_text().endswith("print(1)\n")


def test_only_the_cache_mode_maps_actions_cache_to_the_node_action(tmp_path: Path) -> None:
    default = yaml.safe_load((STANDINS / "actions__cache" / "action.yml").read_text())
    assert default["runs"]["using"] == "composite"
    copy = cache_standins(tmp_path)
    mode = yaml.safe_load((copy / "actions__cache" / "action.yml").read_text())
    assert mode["runs"] == {
        "using": "node20",
        "main": "restore.js",
        "post": "save.js",
        "post-if": "success()",
    }
    assert set(mode["inputs"]) == set(default["inputs"])  # the same inputs either way
    assert (copy / "actions__cache" / "restore" / "action.yml").is_file()
    assert (copy / "actions__checkout" / "action.yml").is_file()


# -- under act ---------------------------------------------------------------------------------
WORKFLOW = """\
on: push
permissions: {}
jobs:
  cached:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - id: cache
        uses: actions/cache@55cc8345863c7cc4c66a329aec7e433d2d1c52a9 # v6.1.0
        with:
          path: out
          key: out-${{ hashFiles('seed.txt') }}
          restore-keys: |
            out-
      - env:
          HIT: ${{ steps.cache.outputs.cache-hit }}
          MATCHED: ${{ steps.cache.outputs.cache-matched-key }}
        run: |
          echo "hit=[$HIT] matched=[$MATCHED] before=[$(cat out/file 2>/dev/null)]"
          mkdir -p out && cat seed.txt > out/file
      - run: test "$(cat seed.txt)" != fail
"""


def act_run(tmp: Path, seed: str, cache: Path | None) -> str:
    """One push run of WORKFLOW on a repository whose seed.txt holds ``seed``; act's output."""
    source = tmp / f"src-{seed}-{len(list(tmp.glob('src-*')))}"
    (source / ".github" / "workflows").mkdir(parents=True)
    (source / ".github" / "workflows" / "wf.yml").write_text(WORKFLOW, encoding="utf-8")
    (source / "seed.txt").write_text(seed, encoding="utf-8")
    repo = snapshot_repo(source, source.with_name(source.name + "-repo"))
    result = run_act(repo, ".github/workflows/wf.yml", "push", {}, tmp=tmp / "act", cache=cache)
    assert result.ok == (seed != "fail"), result.output[-4000:]
    return result.output


def seen(output: str) -> tuple[str, str, str]:
    """What the step after the cache saw: cache-hit, the matched key, out/file's content."""
    match = re.search(r"\| hit=\[(.*?)\] matched=\[(.*?)\] before=\[(.*?)\]", output)
    assert match, output[-4000:]
    return match.group(1), match.group(2), match.group(3)


@pytest.mark.slow
def test_under_act_the_post_step_saves_and_the_next_run_restores(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert seen(act_run(tmp_path, "a", store)) == ("", "", "")  # miss: nothing, hit unset
    failed = act_run(tmp_path, "fail", store)  # restores a's entry by the restore key
    assert seen(failed)[2] == "a" and "Cache saved" not in failed
    assert len(list(store.glob("*/meta.json"))) == 1  # post-if success(): no save on failure
    hit = act_run(tmp_path, "a", store)
    assert seen(hit)[0] == "true" and seen(hit)[2] == "a"
    assert "not saving cache" in hit
    partial = seen(act_run(tmp_path, "b", store))
    assert partial[0] == "false" and partial[1].startswith("out-") and partial[2] == "a"
    assert len(list(store.glob("*/meta.json"))) == 2  # b's own key, saved after its run


@pytest.mark.slow
def test_under_act_the_default_mode_never_restores(tmp_path: Path) -> None:
    for _ in range(2):
        output = act_run(tmp_path, "a", None)
        assert seen(output) == ("false", "", "")
        assert "stand-in actions/cache: cache miss" in output
        assert "Cache saved" not in output and "Cache restored" not in output
