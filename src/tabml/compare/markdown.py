"""Markdown building blocks that stay safe with untrusted text and within a size limit.

Every string that comes from a report's data goes through `code`: an inline code span, inside
which GitHub renders no markdown, HTML, link, image, mention or issue reference. `fit` cuts a
document at a section or table-row boundary so GitHub accepts it as one comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tabml.compare.schema import clip

GITHUB_COMMENT_LIMIT = 65_536  # GitHub answers 422 to a longer comment body
WATERMARK_ROOM = 1_000  # CML appends a blank line and its watermark image (~120 characters)
COMMENT_BUDGET = GITHUB_COMMENT_LIMIT - WATERMARK_ROOM
_RUN_URL = re.compile(
    r"^https?://[A-Za-z0-9.:-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/actions/runs/\d+$"
)


def code(text: str) -> str:
    """`text` as one inline code span: inert, one line, and unable to split a table cell.

    The fence is one backtick longer than any run inside, so no content can close it early; `|`
    becomes `¦`, because GFM splits table cells on pipes before it sees code spans.
    """
    clean = clip(text).replace("|", "¦")
    if not clean:
        return "*(empty)*"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", clean)), default=0) + 1)
    pad = " " if clean.startswith("`") or clean.endswith("`") else ""
    return f"{fence}{pad}{clean}{pad}{fence}"


def run_link(url: str | None, label: str) -> str | None:
    """A markdown link to an Actions run, or None unless `url` is exactly such a run's address."""
    return f"[{label}]({url})" if url and _RUN_URL.fullmatch(url) else None


@dataclass(frozen=True)
class Section:
    """A titled block of chunks (a table header, each row, a chart, a note), kept or cut whole."""

    title: str
    chunks: list[str]

    def text(self, budget: int | None = None) -> str:
        """The section, or its longest prefix of whole chunks within `budget` ("" if none fits)."""
        start = f"\n### {self.title}\n\n"
        kept: list[str] = []
        used = len(start) + 1
        for chunk in self.chunks:
            cost = len(chunk) + (1 if kept else 0)
            if budget is not None and used + cost > budget:
                break
            kept.append(chunk)
            used += cost
        return start + "\n".join(kept) + "\n" if kept else ""


def fit(head: str, sections: list[Section], tail: str, cut_note: str, limit: int) -> str:
    """head + sections + tail; past `limit` characters, cut at a chunk and add `cut_note`."""
    blocks = [section.text() for section in sections]
    if len(head) + sum(map(len, blocks)) + len(tail) <= limit:
        return head + "".join(blocks) + tail
    budget = limit - len(head) - len(tail) - len(cut_note)
    if budget < 0:
        raise ValueError(f"the report's fixed parts exceed {limit} characters")
    kept = []
    for section, block in zip(sections, blocks, strict=True):
        if len(block) > budget:
            kept.append(section.text(budget))
            break
        kept.append(block)
        budget -= len(block)
    return head + "".join(kept) + cut_note + tail
