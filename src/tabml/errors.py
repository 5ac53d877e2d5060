"""The one error type that the CLI turns into a clear, single-sentence message.

Also the helpers every message uses, so that no message echoes a 10 MB cell, prints a numpy repr
such as ``np.float64(1.5)``, says "1 values" or shows an `OSError` as a traceback.
"""

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

ELLIPSIS = "…"


class TabmlError(Exception):
    """A problem with the user's input (params, data, files) that is not a bug in tabml.

    The message is one sentence that names the file, key or column at fault. The CLI prints it
    without a traceback and exits non-zero.
    """


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python ones (``.item()``) so their repr is ``1.5``, not a dtype."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _render(value: Any, budget: int) -> str:
    """The repr of ``value``, computed only as far as ``budget`` characters need (huge cells)."""
    value = _plain(value)
    if isinstance(value, str) and len(value) > budget:
        return repr(value[:budget]) + ELLIPSIS  # slicing first keeps a 10 MB cell cheap
    if isinstance(value, Mapping):
        parts = (f"{_render(k, budget)}: {_render(v, budget)}" for k, v in value.items())
        return "{" + _joined(parts, budget) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        inner = _joined((_render(v, budget) for v in value), budget)
        if isinstance(value, list):
            return f"[{inner}]"
        if isinstance(value, tuple):
            return f"({inner}{',' if len(value) == 1 else ''})"
        return f"{{{inner}}}" if value else "set()"
    return repr(value)


def _joined(parts: Iterator[str], budget: int) -> str:
    """Join with ", " but stop once the text is past ``budget`` (a million-item list is cheap)."""
    text = ""
    for part in parts:
        text = f"{text}, {part}" if text else part
        if len(text) > budget:
            return text + ELLIPSIS
    return text


def shown(value: object, limit: int = 80) -> str:
    """Render a value for an error message: ``repr`` of its plain Python form, at most ``limit``.

    Strings come back quoted (``'abc'``), numpy scalars as Python scalars, containers element by
    element; anything longer than ``limit`` characters is cut and marked with "…" (inside the
    quotes for a string: ``'abc…'``), so a message stays one readable line whatever the data holds.
    """
    plain = _plain(value)
    if isinstance(plain, str) and limit >= 3:
        return _quoted(plain, limit)
    text = _render(plain, limit)
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def _quoted(text: str, limit: int) -> str:
    """``repr(text)`` if it fits in ``limit``; else the longest quoted prefix + "…" that does."""
    keep = min(len(text), limit)
    while True:
        quoted = repr(text[:keep])
        if keep == len(text) and len(quoted) <= limit:
            return quoted
        if len(quoted) + 1 <= limit:
            return quoted[:-1] + ELLIPSIS + quoted[-1]
        # Escapes make the repr longer than the text: keep the share of it that fits.
        keep = max(0, min(keep - 1, keep * (limit - 3) // max(len(quoted) - 2, 1)))


def count(n: int, singular: str, plural: str) -> str:
    """``count(1, "value", "values")`` is "1 value", ``count(3, ...)`` "3 values": no "1 values"."""
    return f"{n} {singular if n == 1 else plural}"


def first_problem(problems: Sequence[str]) -> str:
    """The first problem and how many others there are: one sentence, whatever the count."""
    others = len(problems) - 1
    more = f" (and {count(others, 'more problem', 'more problems')})" if others > 0 else ""
    return f"{problems[0]}{more}"


def os_error_sentence(error: OSError) -> str:
    """An `OSError` (disk full, permission denied, file too large) as one sentence: the path it
    concerns and the operating system's reason, e.g. ``models/m.skops: No space left on device``."""
    if isinstance(error.errno, int) and error.errno > 0:
        reason = os.strerror(error.errno)  # pyarrow wraps it: "Error writing... [errno 27] ..."
    else:
        reason = " ".join((error.strerror or str(error) or type(error).__name__).split())
    if error.filename is None:
        return reason
    where = str(error.filename)
    if error.filename2 is not None:
        where += f" -> {error.filename2}"
    return f"{where}: {reason}"
