"""Control characters are refused at the edge with a 422 problem, never a 500 further in.

PostgreSQL refuses a NUL in any string parameter, so a NUL in the unauthenticated sign-in, a
JSON body, a path or query parameter or an upload's file name used to be a 500 there (and was
stored as is on SQLite); a lone surrogate (``"\\ud800"`` in JSON) cannot be encoded for the
database either. ``TextGuard`` (pure ASGI, inside the body limit, so what it reads is bounded)
checks every string a request carries before the app sees it:

* the path and the query string, credentials (``username``, ``password``) and the keys of
  JSON objects are identifiers: no C0 control character at all (U+0000–U+001F);
* every other body string is text, where a tab, a line feed or a carriage return is
  legitimate (a governance reason may span lines): the other C0 characters are refused;
* an upload's file name is an identifier and at most ``MAX_FILENAME_BYTES`` (255, the file
  system's own limit on a name) in UTF-8.

JSON and URL-encoded bodies (at most 1 MB, ``api.limits``) are read whole, checked, then
replayed to the app. A multipart body (reports of up to 20 MB) is not held: it is watched as
the app pulls it, with the same streaming parser Starlette uses, and a refused part stops the
request before the app's parser sees its bytes. The problem names where, never the value.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartalloc.entrypoints.api import problems

STRICT = re.compile("[\x00-\x1f\ud800-\udfff]")
TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
STRICT_FIELDS = frozenset({"username", "password"})
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
MAX_FILENAME_BYTES = 255
MAX_TEXT_PART = 1024 * 1024   # a multipart text field longer than this is not watched further

_MESSAGES = {
    "CONTROL_CHARACTER": ("درخواست نویسهٔ کنترلی یا نامعتبر (مانند NUL) دارد",
                          "the request contains a control or invalid character (such as NUL)"),
    "FILE_NAME_TOO_LONG": (f"نام فایل از {MAX_FILENAME_BYTES} بایت بلندتر است؛ نام کوتاه‌تری بگذارید",
                           f"the file name is longer than {MAX_FILENAME_BYTES} bytes"),
}


class Refused(HTTPException):
    """A string the edge refuses; ``location`` says where (``["body", "username"]``)."""

    def __init__(self, code: str, location: list[str]):
        super().__init__(422, _MESSAGES[code][1])
        self.code, self.location = code, location


def refusal(request: Request, exc: Refused):
    fa, en = _MESSAGES[exc.code]
    return problems.problem(request, 422, "request validation failed",
                            "درخواست معتبر نیست / the request is not valid",
                            errors=[{"location": exc.location, "code": exc.code,
                                     "message_fa": fa, "message_en": en}])


def named(key: str) -> str:
    """A field's name as a location: only a plain identifier is echoed, never a value."""
    return key if _PLAIN.fullmatch(key) else "*"


def check(value: str, location: list[str], *, strict: bool) -> None:
    if (STRICT if strict else TEXT).search(value):
        raise Refused("CONTROL_CHARACTER", location)


def check_field(name: str, value: str, location: list[str]) -> None:
    check(name, location, strict=True)
    check(value, location, strict=name in STRICT_FIELDS)


def check_filename(name: str, location: list[str] | None = None) -> None:
    """An upload's name: no control character, at most 255 bytes in UTF-8."""
    where = location or ["body", "file", "filename"]
    check(name, where, strict=True)
    if len(name.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        raise Refused("FILE_NAME_TOO_LONG", where)


def _check_target(scope: Scope) -> None:
    check(scope.get("path", ""), ["path"], strict=True)
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        check(name, ["query"], strict=True)
        check(value, ["query", named(name)], strict=True)


def _check_json(body: bytes) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return   # not JSON: the app's own parser answers
    stack: list[tuple[object, list[str], bool]] = [(document, ["body"], False)]
    while stack:
        value, where, strict = stack.pop()
        if isinstance(value, str):
            check(value, where, strict=strict)
        elif isinstance(value, dict):
            for key, item in value.items():
                check(key, where, strict=True)
                stack.append((item, [*where, named(key)], key in STRICT_FIELDS))
        elif isinstance(value, list):
            stack.extend((item, [*where, str(i)], strict) for i, item in enumerate(value))


def _check_urlencoded(body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        check_field(name, value, ["body", named(name)])


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")   # as Starlette's form parser does


class _MultipartWatch:
    """Feeds the chunks the app pulls to a parser of its own; checks each part's name, file
    name and (for a text field) value. A malformed body is left to the app's parser."""

    def __init__(self, boundary: bytes):
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._field,
            "on_header_value": self._value, "on_header_end": self._header_end,
            "on_part_data": self._data, "on_part_end": self._end})
        self.broken = False
        self._begin()

    def _begin(self) -> None:
        self.header, self.value, self.name = b"", b"", ""
        self.text: bytearray | None = None

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        if self.header.lower() == b"content-disposition":
            _, options = parse_options_header(self.value)
            self.name = _decode(options.get(b"name", b""))
            check(self.name, ["body"], strict=True)
            if b"filename" in options:
                check_filename(_decode(options[b"filename"]),
                               ["body", named(self.name), "filename"])
            else:
                self.text = bytearray()
        self.header, self.value = b"", b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.text is not None and len(self.text) < MAX_TEXT_PART:
            self.text += data[start:end]

    def _end(self) -> None:
        if self.text is not None:
            check_field(self.name, _decode(bytes(self.text)), ["body", named(self.name)])

    def feed(self, chunk: bytes) -> None:
        if self.broken or not chunk:
            return
        try:
            self.parser.write(chunk)
        except Refused:
            raise
        except Exception:
            self.broken = True


def _content_type(scope: Scope) -> tuple[bytes, dict[bytes, bytes]]:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return parse_options_header(value)
    return b"", {}


async def _read_all(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, and the message that ended it early (a disconnect), if any."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


class TextGuard:
    """Pure ASGI: refuse control characters in the path, query and body strings."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ctype, params = _content_type(scope)
        try:
            _check_target(scope)
            if ctype == b"application/json" or ctype.endswith(b"+json") or \
                    ctype == b"application/x-www-form-urlencoded":
                body, ended = await _read_all(receive)
                (_check_urlencoded if ctype.endswith(b"urlencoded") else _check_json)(body)
                receive = _replay(body, ended, receive)
        except Refused as exc:
            await refusal(Request(scope), exc)(scope, receive, send)
            return
        if ctype == b"multipart/form-data" and params.get(b"boundary"):
            receive = _watched(_MultipartWatch(params[b"boundary"]), receive)
        await self.app(scope, receive, send)


def _replay(body: bytes, ended: Message | None, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return ended or await receive()

    return replay


def _watched(watch: _MultipartWatch, receive: Receive) -> Receive:
    async def watched() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            watch.feed(message.get("body", b""))
        return message

    return watched


def install(app) -> None:
    """The middleware and the handler of a refusal raised while a multipart body streams.
    Installed before the body limit, so it sits inside it and reads only bounded bodies."""
    app.add_middleware(TextGuard)

    async def _refused(request: Request, exc: Refused):
        return refusal(request, exc)

    app.add_exception_handler(Refused, _refused)
