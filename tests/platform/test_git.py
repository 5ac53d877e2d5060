"""The git wrapper on real repositories in tmp_path."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tabml.errors import TabmlError
from tabml.platform import git
from tests.support import run


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git config, a known identity: the same on every machine."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "test@example.com")
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on main with one commit of a.txt, and a branch `feature` one commit ahead."""
    root = tmp_path / "repo"
    root.mkdir()
    run(["git", "init", "-q", "-b", "main"], root)
    (root / "a.txt").write_text("one\n")
    run(["git", "add", "a.txt"], root)
    run(["git", "commit", "-q", "-m", "first"], root)
    run(["git", "checkout", "-q", "-b", "feature"], root)
    (root / "b.txt").write_text("two\n")
    run(["git", "add", "b.txt"], root)
    run(["git", "commit", "-q", "-m", "second"], root)
    return root


def sha(root: Path, rev: str) -> str:
    return run(["git", "rev-parse", rev], root).stdout.strip()


def test_git_returns_stdout_and_a_failure_is_one_sentence(repo: Path) -> None:
    assert git.git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo) == "feature"
    with pytest.raises(TabmlError, match=r"^git checkout nowhere: error: pathspec 'nowhere'"):
        git.git("checkout", "nowhere", cwd=repo)


def test_a_long_command_is_cut_in_the_error(repo: Path) -> None:
    with pytest.raises(TabmlError) as error:
        git.git("checkout", "x" * 300, cwd=repo)
    command = str(error.value).split(": ", 1)[0]
    assert len(command) == 80 and command.endswith("…")


def test_rev_parse_and_merge_base(repo: Path) -> None:
    assert git.rev_parse("HEAD", cwd=repo) == sha(repo, "HEAD")
    assert git.merge_base("main", cwd=repo) == sha(repo, "main")
    with pytest.raises(TabmlError, match=r"^git revision 'gone' not found; .*fetch-depth: 0"):
        git.rev_parse("gone", cwd=repo)


def test_merge_base_of_unrelated_histories_names_the_shallow_clone(repo: Path) -> None:
    run(["git", "checkout", "-q", "--orphan", "lonely"], repo)
    run(["git", "commit", "-q", "-m", "unrelated"], repo)
    with pytest.raises(TabmlError, match=r"^no merge-base between 'main' and HEAD"):
        git.merge_base("main", cwd=repo)


def test_show_reads_bytes_at_a_revision_or_none(repo: Path) -> None:
    assert git.show("HEAD", "b.txt", cwd=repo) == b"two\n"
    assert git.show("main", "b.txt", cwd=repo) is None


def test_is_dirty_looks_at_tracked_files_and_the_paths_given(repo: Path) -> None:
    (repo / "untracked.txt").write_text("x")
    assert not git.is_dirty(cwd=repo)
    (repo / "a.txt").write_text("changed\n")
    assert git.is_dirty(cwd=repo)
    assert git.is_dirty(["a.txt"], cwd=repo)
    assert not git.is_dirty(["b.txt"], cwd=repo)


def test_worktree_is_a_detached_checkout_removed_afterwards(repo: Path, tmp_path: Path) -> None:
    with git.worktree("main", tmp_path / "wt", cwd=repo) as checkout:
        assert (checkout / "a.txt").read_text() == "one\n"
        assert not (checkout / "b.txt").exists()
    assert not (tmp_path / "wt").exists()
    assert "wt" not in run(["git", "worktree", "list"], repo).stdout


def test_head_and_attempt_are_none_outside_a_repository(tmp_path: Path, repo: Path) -> None:
    assert git.head(repo) == sha(repo, "HEAD")
    assert git.head(tmp_path) is None
    assert git.attempt("remote", "get-url", "origin", cwd=repo) is None


def test_missing_git_is_one_sentence(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))
    with pytest.raises(TabmlError, match=r"^git was not found on PATH; install git$"):
        git.git("status", cwd=repo)
    assert git.head(repo) is None


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(TabmlError, match=r"gone: not a directory"):
        git.git("status", cwd=tmp_path / "gone")


def test_commit_uses_the_bot_when_git_has_no_identity(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{name}_NAME")
        monkeypatch.delenv(f"GIT_{name}_EMAIL")
    monkeypatch.setenv("EMAIL", "")  # git would otherwise guess one from the host
    (repo / "a.txt").write_text("changed\n")
    (repo / "b.txt").unlink()
    made = git.commit(["a.txt", "b.txt"], "Retrain", cwd=repo)
    assert made == sha(repo, "HEAD")
    author = run(["git", "log", "-1", "--format=%an <%ae>|%cn"], repo).stdout.strip()
    assert author == f"{git.BOT[0]} <{git.BOT[1]}>|{git.BOT[0]}"
    assert run(["git", "show", "--name-status", "--format=", "HEAD"], repo).stdout.split() == [
        "M",
        "a.txt",
        "D",
        "b.txt",
    ]


def test_commit_keeps_a_configured_identity(repo: Path) -> None:
    run(["git", "config", "user.email", "me@example.com"], repo)
    assert git.identity_env(repo) == {}
    (repo / "a.txt").write_text("mine\n")
    git.commit(["a.txt"], "Mine", cwd=repo)
    assert run(["git", "log", "-1", "--format=%ae"], repo).stdout.strip() == "test@example.com"


def test_force_push_rewrites_the_branch_on_the_remote(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    run(["git", "init", "-q", "--bare", str(remote)], tmp_path)
    run(["git", "remote", "add", "origin", str(remote)], repo)
    git.force_push("bot/retrain", cwd=repo)
    run(["git", "checkout", "-q", "main"], repo)
    git.force_push("bot/retrain", cwd=repo)  # not a fast-forward: forced
    assert sha(remote, "bot/retrain") == sha(repo, "main")


def test_the_token_goes_to_git_as_a_header_for_the_server_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert git.token_env() == {}
    monkeypatch.setenv("GITHUB_TOKEN", "s3cret")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://ghe.example.com/")
    env = git.token_env()
    assert env["GIT_CONFIG_KEY_0"] == "http.https://ghe.example.com/.extraheader"
    scheme, basic = env["GIT_CONFIG_VALUE_0"].split(": ", 1)
    assert scheme == "AUTHORIZATION" and basic.startswith("basic ")
    assert base64.b64decode(basic.removeprefix("basic ")) == b"x-access-token:s3cret"
