"""The layout of tests/: every test folder is a package, so two rooms may each hold a test module
of the same name (tests.serve.test_metrics and tests.test_metrics load side by side)."""

from __future__ import annotations

from tests.support import ROOT

TESTS = ROOT / "tests"


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
