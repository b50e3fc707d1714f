"""Bounded decompression of a response body: never more than ``cap`` + 1 decoded bytes.

We ask servers for gzip/deflate only (``http.ACCEPT_ENCODING``) and inflate here with
``zlib``'s ``max_length``, so no single network chunk can expand past the cap in memory
(httpx's own decoder inflates a whole chunk at once: a 50 KB gzip bomb chunk becomes 50 MB).
"""

from __future__ import annotations

import zlib

from aggregator.errors import FetchError


class BodyTooLargeError(FetchError):
    """The body (after decompression) or its declared Content-Length exceeds max_bytes."""


class ContentDecodingError(FetchError):
    """A Content-Encoding we did not ask for, or a corrupt compressed stream."""


class BoundedDecoder:
    """Content-Encoding decoder that never holds more than ``cap`` + 1 decoded bytes."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ContentDecodingError(f"unsupported Content-Encoding: {content_encoding!r}")
        self._coding = codings[0] if codings else None
        self._cap = cap
        self._produced = 0
        self._z: zlib._Decompress | None = None
        self._deflate_probe = self._coding == "deflate"  # zlib-wrapped, else raw deflate
        if self._coding is not None:
            self._z = self._new()

    def _new(self, wbits: int | None = None) -> zlib._Decompress:
        if wbits is None:
            wbits = zlib.MAX_WBITS if self._coding == "deflate" else 16 + zlib.MAX_WBITS
        return zlib.decompressobj(wbits)

    def _count(self, data: bytes) -> bytes:
        self._produced += len(data)
        if self._produced > self._cap:
            raise BodyTooLargeError(f"body exceeds max_bytes={self._cap} (after decompression)")
        return data

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._count(data)
        out: list[bytes] = []
        try:
            while data:
                room = self._cap - self._produced + 1  # one byte over the cap proves excess
                piece = self._z.decompress(data, room)
                self._deflate_probe = False
                out.append(self._count(piece))
                data = self._z.unconsumed_tail
                if self._z.eof and self._z.unused_data:  # concatenated gzip members
                    data = self._z.unused_data
                    self._z = self._new()
        except zlib.error as e:
            if self._deflate_probe:  # "deflate" sent as raw deflate without the zlib header
                self._deflate_probe = False
                self._z = self._new(-zlib.MAX_WBITS)
                return self.feed(data)
            raise ContentDecodingError(f"corrupt {self._coding} body: {e}") from e
        return b"".join(out)

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._count(self._z.flush())
        except zlib.error as e:
            raise ContentDecodingError(f"corrupt {self._coding} body: {e}") from e
