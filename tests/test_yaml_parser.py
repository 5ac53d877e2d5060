"""DVC parses dvc.yaml, dvc.lock and params.yaml on every `dvc repro` and `dvc status`, with
ruamel's safe loader: pyproject.toml installs ruamel's C parser so that loader uses it (a no-op
`dvc repro` took 10% less time, docs/performance.md)."""

from __future__ import annotations

import ruamel.yaml.main
from ruamel.yaml import YAML


def test_dvcs_safe_yaml_loader_uses_the_c_parser() -> None:
    assert ruamel.yaml.main.CParser is not None, "ruamel.yaml.clib is not installed"
    assert YAML(typ="safe").Parser is ruamel.yaml.main.CParser  # how DVC builds its loader


def test_the_c_parser_reads_a_params_file_as_the_pure_one_does() -> None:
    text = "data:\n  path: data/raw/t.csv  # a comment\n  na_values: ['?', '']\nsplit: {seed: 42}\n"
    pure = YAML(typ="safe", pure=True).load(text)
    assert (
        YAML(typ="safe").load(text)
        == pure
        == {
            "data": {"path": "data/raw/t.csv", "na_values": ["?", ""]},
            "split": {"seed": 42},
        }
    )
