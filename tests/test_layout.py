"""The layout of tests/: every test folder is a package, and tests mirror src/tabml.

A module with logic, src/tabml/<room>/<module>.py, has its test module at
tests/<room>/test_<module>.py; a second file for the same module is test_<module>_<aspect>.py.
A package's own __init__.py, when it holds logic, is tested by tests/<room>/test_<room>.py.
Every test module in a mirrored folder names the module it tests, so its name says where to look.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

TESTS = ROOT / "tests"
SRC = ROOT / "src" / "tabml"

# Modules that need no test module of their own while they hold no logic (no def, class or
# lambda). One that gains logic loses its exemption: the mirror test then asks for its tests.
NO_LOGIC = {
    "__init__.py": "a package marker: a docstring, re-exports and the room's shared constants",
    "__main__.py": "`python -m tabml` hands over to the CLI app, nothing more",
    "paths.py": "constants only: default paths and column names (test_pipeline checks them "
    "against dvc.yaml)",
}

# Modules with logic whose tests live in another module for now, each with where and why. Every
# entry is a debt: move or split those tests to the mirrored path, then drop the entry.
TESTED_ELSEWHERE = {
    "cli/__init__.py": ("cli/test_tree.py", "the command tree it assembles, in --help order"),
    "cli/common.py": ("cli/test_pipeline_cli.py", "bad input as one sentence and an exit code"),
    "cli/init.py": ("scaffold/test_project.py", "`tabml init` through the CLI"),
    "cli/monitor.py": ("monitor/test_run.py", "`tabml monitor ...` through the CLI"),
    "cli/release.py": ("release/test_tags.py", "`tabml release ...`, here and in test_assets"),
    "cli/report.py": ("compare/test_comment.py", "`tabml report verify` through the CLI"),
    "cli/retrain.py": ("retrain/test_build.py", "`tabml retrain build` through the CLI"),
    "cli/serve.py": ("serve/servers.py", "every serving test starts `tabml serve`"),
    "cli/sweep.py": ("sweep/test_matrix_runs.py", "`tabml sweep run-one|aggregate` (slow)"),
}

# Test folders that mirror no room of src/tabml, and why.
NOT_MIRRORED = {
    "workflows": "the GitHub workflows in .github/, run under act, and their offline harness",
    "remote": "DVC remotes (S3 and a folder) through the Makefile: dvc.yaml and make, not code",
    "bench": "the benchmark scripts in bench/, outside the package",
    "bad_inputs": "bad input through every command: one sentence, outputs kept",
}

# Test modules in mirrored folders that test something other than one module, and what.
NOT_A_MODULE = {
    "test_layout.py": "the layout of tests/ (this file)",
    "test_repo_hygiene.py": "the files around the code: pre-commit, Dependabot, issue forms",
    "test_architecture.py": "the import contracts between rooms (import-linter) and module size",
    "test_pipeline.py": "dvc.yaml and the bundled data: real `dvc repro` of the whole pipeline",
    "test_venv_commands.py": "dvc typed by hand with the venv not activated (docs' commands)",
    "test_scheduling.py": "the order `make test` hands test files to its workers (tests/)",
    "test_yaml_parser.py": "DVC's YAML parser: pyproject's ruamel.yaml.clib is the one it uses",
    "release/test_dockerfile.py": "the serving image's Dockerfile",
    "cli/test_imports.py": "what each command imports (every module of cli/)",
    "cli/test_tree.py": "the command tree of cli/__init__.py (see TESTED_ELSEWHERE)",
}


def has_logic(module: Path) -> bool:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    logic = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    return any(isinstance(node, logic) for node in ast.walk(tree))


def src_modules() -> list[Path]:
    """Every module of the package, relative to src/tabml (rooms found by walking, not listed)."""
    return sorted(p.relative_to(SRC) for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def exempt(module: Path) -> bool:
    listed = module.name in NO_LOGIC or str(module) in NO_LOGIC
    return listed and not has_logic(SRC / module)


def subject(module: Path) -> str:
    """The name a test module uses for `module`: its stem, or its room's name for __init__.py."""
    if module.name == "__init__.py":
        return module.parent.name or "tabml"
    return module.stem


def covers(test: str, name: str) -> bool:
    """test_<name>.py or test_<name>_<aspect>.py."""
    return test == f"test_{name}.py" or test.startswith(f"test_{name}_")


def test_every_test_folder_is_a_package() -> None:
    """Without an __init__.py, pytest imports a test module by its bare name, and a second
    module of that name elsewhere in tests/ fails to load."""
    holders = {
        path.parent
        for path in TESTS.rglob("*.py")
        if path.name.startswith("test_") or path.name == "conftest.py"
    }
    folders = {folder for holder in holders for folder in (holder, *holder.parents)}
    missing = [
        str(folder.relative_to(ROOT))
        for folder in sorted(folders)
        if folder.is_relative_to(TESTS) and not (folder / "__init__.py").is_file()
    ]
    assert missing == [], f"test folders without __init__.py: {missing}"


def test_every_module_with_logic_has_a_test_module_at_the_mirrored_path() -> None:
    missing = []
    for module in src_modules():
        folder = TESTS / module.parent
        tests = [p.name for p in folder.glob("test_*.py")] if folder.is_dir() else []
        if exempt(module) or str(module) in TESTED_ELSEWHERE:
            continue
        if not any(covers(test, subject(module)) for test in tests):
            wanted = folder.relative_to(ROOT) / f"test_{subject(module)}.py"
            missing.append(f"src/tabml/{module}: {wanted}")
    assert missing == [], "modules with logic but no test module:\n" + "\n".join(missing)


def test_every_test_module_names_the_module_it_tests() -> None:
    """In a folder that mirrors a room, test_<name>[_<aspect>].py names a module of that room."""
    wrong = []
    for test in sorted(TESTS.rglob("test_*.py")):
        relative = test.relative_to(TESTS)
        if relative.parts[0] in NOT_MIRRORED or str(relative) in NOT_A_MODULE:
            continue
        room = SRC / relative.parent
        names = {subject(m.relative_to(SRC)) for m in room.glob("*.py")} if room.is_dir() else set()
        if not any(covers(test.name, name) for name in names):
            wrong.append(str(relative))
    assert wrong == [], f"test modules that name no module of their room: {wrong}"


def test_the_exemptions_name_real_files() -> None:
    """An exemption for a file that was renamed or removed would hide nothing and mislead."""
    assert all((TESTS / folder).is_dir() for folder in NOT_MIRRORED)
    assert [name for name in NOT_A_MODULE if not (TESTS / name).is_file()] == []
    modules = src_modules()
    assert [n for n in NO_LOGIC if not any(m.name == n or str(m) == n for m in modules)] == []
    assert [m for m in TESTED_ELSEWHERE if Path(m) not in modules] == []
    assert [t for t, _ in TESTED_ELSEWHERE.values() if not (TESTS / t).is_file()] == []
