"""Streaming: a .zip written while it is sent, and text encoded in large blocks."""

import zipfile
from collections.abc import Iterable, Iterator

FLUSH_BYTES = 64 * 1024


class _ZipSink:
    """A write-only, unseekable file for zipfile: it collects what is written until
    drained, so a zip can be streamed while it is being built."""

    def __init__(self):
        self.parts, self.size, self.position = [], 0, 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.size += len(data)
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def zip_stream(entries: Iterable[tuple[str, Iterable]]) -> Iterator[bytes]:
    """Stream a .zip of (name, pieces) entries; pieces are str (UTF-8) or bytes."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece.encode() if isinstance(piece, str) else piece)
                    if sink.size >= FLUSH_BYTES:
                        yield sink.drain()
            if sink.size >= FLUSH_BYTES:
                yield sink.drain()
    yield sink.drain()


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same data gives the same bytes


def encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 bytes in blocks of about FLUSH_BYTES (fewer, larger writes to the client)."""
    buffer, size = [], 0
    for piece in pieces:
        data = piece.encode()
        buffer.append(data)
        size += len(data)
        if size >= FLUSH_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
