"""What the server refuses before or instead of scoring, and the bodies of those refusals.

- 413: a body over `serve.max_body_bytes`. `BodyLimitMiddleware` is plain ASGI so it acts before
  the body is read: a `Content-Length` over the limit is refused at once, without reading a byte
  of the body; a body without one (chunked) is counted as it streams in and refused as soon as it
  passes the limit. Either way at most the limit (plus one network read) is ever held in memory.
- 415: a POST whose `Content-Type` is not `application/json` (a charset, if given, must be UTF-8).
  Browsers send such "simple" requests cross-origin without asking first, so any web page could
  otherwise post to a server on localhost and fill the request log that drift monitoring reads.
- 422: the data contract's refusals. The offending value is echoed only when short: anything
  longer than `ECHO_LIMIT` characters, field names included, is cut by `tabml.errors.shown`, and
  at most `MAX_LISTED` problems are listed, so a 422 stays small whatever the request held.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic_core import ErrorDetails
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tabml.errors import TabmlError, shown

ECHO_LIMIT = 80  # characters of an offending value or field name echoed in a 422
MAX_LISTED = 100  # problems listed in one 422; the rest are counted
_RECORD_REASONS = {  # for fields of a record, where the data contract decides
    "missing": "required by the data contract but missing",
    "extra_forbidden": "not a model input (unknown, or the target, id or a dropped column)",
}
_BODY_REASONS = {"missing": "required but missing", "extra_forbidden": "unknown field"}


def refusal_body(field: str, reason: str, kind: str) -> dict[str, Any]:
    """One refusal in the shape of `ErrorResponse`, for the 413 and 415 answers."""
    return {"detail": [{"field": field, "reason": reason, "type": kind}]}


def unsupported_media_type() -> JSONResponse:
    """The 415 for a POST that does not declare a JSON body."""
    reason = "the body must be JSON, sent with content-type application/json"
    return JSONResponse(refusal_body("content-type", reason, "unsupported_media_type"), 415)


def is_json(content_type: str | None) -> bool:
    """`application/json`, with no charset or a UTF-8 one (JSON is UTF-8, RFC 8259)."""
    media, *parameters = (content_type or "").split(";")
    if media.strip().lower() != "application/json":
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {
            "utf-8",
            "utf8",
        }:
            return False
    return True


class BodyTooLargeError(Exception):
    """Raised from `receive` when a streamed body passes the limit."""


class BodyLimitMiddleware:
    """413 for request bodies over `max_bytes`, decided before they are read (module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        reason = f"the body is larger than serve.max_body_bytes ({max_bytes} bytes)"
        self.body = json.dumps(refusal_body("body", reason, "too_large")).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared(scope) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(send)

    @staticmethod
    def _declared(scope: Scope) -> int:
        """The request's Content-Length, or -1 without one (the server has checked its syntax)."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                return int(value) if value.strip().isdigit() else -1
        return -1

    async def _refuse(self, send: Send) -> None:
        """Answer 413; the server reads and drops whatever the client still sends of the body."""
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(self.body)),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def field_name(loc: Sequence[int | str]) -> str:
    """`('records', 0, 'age')` -> `records[0].age`; the whole body is `body`. Long keys are cut."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            key = part if len(part) <= ECHO_LIMIT else shown(part, limit=ECHO_LIMIT)
            name += f".{key}" if name else key
    return name or "body"


def _echoed(value: object) -> tuple[bool, object]:
    """Whether to echo a bad input, and as what: a JSON scalar as itself when it is short, cut
    by `shown` when it is longer than `ECHO_LIMIT`; never a whole record, list or NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return False, None
    if value is not None and not isinstance(value, str | int | float):
        return False, None
    text = value if isinstance(value, str) else json.dumps(value)
    return True, value if len(text) <= ECHO_LIMIT else shown(value, limit=ECHO_LIMIT)


def error_response(errors: Sequence[ErrorDetails]) -> JSONResponse:
    """A 422 naming each bad field and the reason, in the shape of `ErrorResponse`."""
    detail = []
    for error in errors[:MAX_LISTED]:
        loc = [part for part in error["loc"] if part != "body"]
        reasons = _RECORD_REASONS if len(loc) > 2 else _BODY_REASONS
        item: dict[str, Any] = {
            "field": field_name(loc),
            "reason": reasons.get(error["type"], error["msg"]),
            "type": error["type"],
        }
        echo, value = _echoed(error.get("input"))
        if error["type"] != "missing" and echo:
            item["input"] = value
        detail.append(item)
    if len(errors) > MAX_LISTED:
        more = f"and {len(errors) - MAX_LISTED} more problems not listed"
        detail.append({"field": "body", "reason": more, "type": "too_many_errors"})
    return JSONResponse({"detail": detail}, status_code=422)


def check_body_limit(example: dict[str, Any], max_batch: int, max_bytes: int) -> None:
    """Refuse to start with a limit that a full batch of small records could not meet: `example`
    is the contract's example record (lowest numbers, first categories), as compact JSON."""
    record = len(json.dumps(example, separators=(",", ":")))
    smallest = len('{"records":[]}') + max_batch * (record + 1) - 1
    if smallest > max_bytes:
        raise TabmlError(
            f"serve.max_body_bytes ({max_bytes}) is too small for serve.max_batch ({max_batch}): "
            f"a full batch of the contract's example record already takes {smallest} bytes"
        )
