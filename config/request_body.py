"""Request bodies under gunicorn read in large blocks, not through its 1 KiB loop.

gunicorn's `wsgi.input` gathers every read 1 KiB at a time, copying its buffer over and over
(benoitc/gunicorn#2596): 2.8–2.9 CPU-seconds per GiB in that loop alone, measured with a bare
WSGI application under gunicorn 23 reading 1 GiB bodies. Through its length reader underneath
(8 KiB receives, a buffer juggled per read) it is 0.7–1.2; received straight into a buffer from
the connection, 0.14. `config.wsgi` therefore puts `GunicornBody` in place of `wsgi.input` for
every body of known length: what gunicorn already holds (its wrapper's buffer, then what it
received past the headers) is read through its own objects; the rest straight from the socket,
never past the body's end, counted off the length gunicorn keeps, so that keep-alive, draining
the rest of a body, and a body cut short behave exactly as before. `read(n)` returns n bytes
unless the body ends first, as gunicorn's does (Django's request reading relies on it).

Any other server (Django's, the test client), or a body of unknown length, is left as it is.
"""

from typing import Any

RECEIVE_SIZE = 256 * 1024  # at most this much per receive


class GunicornBody:
    """A gunicorn request body of known length, read in large blocks."""

    def __init__(self, body: Any, connection: Any) -> None:
        self._body = body  # gunicorn.http.body.Body
        self._reader = body.reader  # its LengthReader: `length` is what is left to receive
        self._connection = connection

    def _read_some(self, limit: int) -> bytes:
        """Up to `limit` bytes (at least one unless the body has ended), in one step."""
        held = self._body.buf.tell()
        if held:  # the wrapper's buffer: served from it alone, its loop does not run
            return self._body.read(min(limit, held))
        reader = self._reader
        limit = min(limit, reader.length, RECEIVE_SIZE)
        if limit <= 0:
            return b""
        received_past_headers = reader.unreader.buf.tell()
        if received_past_headers:  # gunicorn's receive buffer: counted off by its reader
            return reader.read(min(limit, received_past_headers))
        buffer = bytearray(limit)
        count = self._connection.recv_into(buffer)
        reader.length -= count
        del buffer[count:]
        return bytes(buffer)

    def read(self, size: int | None = -1) -> bytes:
        wanted = None if size is None or size < 0 else size
        pieces: list[bytes] = []
        got = 0
        while wanted is None or got < wanted:
            piece = self._read_some(RECEIVE_SIZE if wanted is None else wanted - got)
            if not piece:
                break
            pieces.append(piece)
            got += len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    # Lines are rare in large bodies: gunicorn's own reading serves them, and stays consistent
    # with the above (its buffers come first here, and its length is kept).
    def readline(self, size: int | None = None) -> bytes:
        return self._body.readline(size)

    def readlines(self, size: int | None = None) -> list[bytes]:
        return self._body.readlines(size)

    def __iter__(self) -> Any:
        return iter(self._body)


def _is_gunicorn_length_body(stream: Any) -> bool:
    reader = getattr(stream, "reader", None)
    return (
        type(stream).__module__ == "gunicorn.http.body"
        and type(reader).__name__ == "LengthReader"
        and hasattr(reader, "length")
        and hasattr(stream, "buf")
        and hasattr(getattr(reader, "unreader", None), "buf")
    )


def use_large_reads(environ: dict[str, Any]) -> None:
    """Put `GunicornBody` in place of gunicorn's `wsgi.input`, where it applies."""
    stream = environ.get("wsgi.input")
    connection = environ.get("gunicorn.socket")
    if connection is not None and _is_gunicorn_length_body(stream):
        environ["wsgi.input"] = GunicornBody(stream, connection)
