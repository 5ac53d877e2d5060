"""Markdown that stays inert with untrusted text: code spans nothing can close early, links only
to an Actions run, and documents cut at a whole chunk to fit one comment."""

from __future__ import annotations

import pytest

from tabml.compare.markdown import Section, code, fit, run_link

RUN = "https://github.com/acme/tabml-demo/actions/runs/101"


@pytest.mark.parametrize(
    "text",
    ["`", "``", "a`b", "`lead", "trail`", "x ``` y", "|", "a\nb", "\u202eevil", "\u200b@x"],
)
def test_code_spans_cannot_be_closed_early(text: str) -> None:
    span = code(text)
    assert "\n" not in span and "|" not in span and "\u202e" not in span and "\u200b" not in span
    tokens = [t for t in _inline(span) if t.type != "text" or t.content]
    assert [t.type for t in tokens] == ["code_inline"]


def _inline(markdown: str) -> list:  # type: ignore[type-arg]
    from markdown_it import MarkdownIt

    (_, inline, _) = MarkdownIt("commonmark").parse(markdown)
    return list(inline.children or [])


def test_a_link_is_made_only_to_an_actions_run() -> None:
    assert run_link(RUN, "workflow run") == f"[workflow run]({RUN})"
    for url in (None, "", "javascript:alert(1)", f"{RUN}/jobs/3", f"{RUN})[x](https://e.x"):
        assert run_link(url, "workflow run") is None, url


def test_an_empty_text_is_shown_as_such_not_as_an_empty_span() -> None:
    assert code("") == "*(empty)*"


def test_fit_keeps_whole_chunks_and_refuses_fixed_parts_over_the_limit() -> None:
    sections = [Section("A", ["| h |\n|---|", "| 1 |", "| 2 |"]), Section("B", ["text"])]
    whole = fit("H\n", sections, "T\n", "\nCUT\n", 10**6)
    assert whole == "H\n\n### A\n\n| h |\n|---|\n| 1 |\n| 2 |\n\n### B\n\ntext\nT\n"
    cut = fit("H\n", sections, "T\n", "\nCUT\n", len(whole) - 1)
    assert cut == "H\n\n### A\n\n| h |\n|---|\n| 1 |\n| 2 |\n\nCUT\nT\n"
    assert fit("H\n", sections, "T\n", "\nCUT\n", 30) == "H\n\n### A\n\n| h |\n|---|\n\nCUT\nT\n"
    with pytest.raises(ValueError, match="fixed parts"):
        fit("H" * 50, sections, "T\n", "\nCUT\n", 40)
