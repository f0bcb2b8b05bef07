"""A seekable, read-only file over one stored object, fetched by ranged GETs as it is read.

A reader that seeks (the key hand-over's check: the header, then the manifest part) and then
reads runs starts one GET from each new position to the end, read lazily in the
adapter's chunks, so memory stays one chunk (plus the prefetch queue) whatever the size; the
opening job reads front to back, one GET in all. With `prefetch`, a background thread reads
ahead of the consumer so that the network and the decryption overlap. `readview` lends the
chunk's bytes instead of copying them.

`head_size`: the first GET, from the start, stops there, so that reading a small header does not
fetch (and throw away) the read-ahead of what follows it. Seeks are lazy: a GET is dropped only
when a read wants another position (so asking the size with a seek to the end costs nothing).
"""

import io
import queue
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from storage.objects import ObjectStorage

PREFETCH_CHUNKS = 4  # × the adapter's read chunk (1 MiB): bounded read-ahead per reader
_END = object()


class _Prefetch:
    """Reads one GET's chunks on a thread into a bounded queue; errors surface on `next`."""

    def __init__(self, opened: AbstractContextManager[Iterator[bytes]]) -> None:
        self._opened = opened
        self._chunks = opened.__enter__()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH_CHUNKS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="object-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in self._chunks:
                while not self._stop.is_set():
                    try:
                        self._queue.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._queue.put(_END)
        except BaseException as error:  # handed to the reader, which raises it
            self._queue.put(error)

    def next(self) -> bytes | None:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        while True:  # let a producer blocked on a full queue see the stop flag
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=5)
        self._opened.__exit__(None, None, None)


class _Direct:
    """One GET's chunks read on the caller's thread (`prefetch=False`)."""

    def __init__(self, opened: AbstractContextManager[Iterator[bytes]]) -> None:
        self._opened = opened
        self._chunks = iter(opened.__enter__())

    def next(self) -> bytes | None:
        return next(self._chunks, None)

    def close(self) -> None:
        self._opened.__exit__(None, None, None)


class RangedObjectReader(io.RawIOBase):
    """`open_sealed_bid` and `read_envelope` read a stored sealed bid through this.

    `prefetch` False: no read-ahead thread, for a caller that already runs a job per core
    (the opening's workers), where hand-offs between threads cost CPU and gain nothing.
    """

    def __init__(
        self,
        storage: ObjectStorage,
        *,
        bucket: str,
        key: str,
        size: int,
        head_size: int = 0,
        prefetch: bool = True,
    ) -> None:
        super().__init__()
        self._reader = _Prefetch if prefetch else _Direct
        self._head_size = min(head_size, size)
        self._storage = storage
        self._bucket = bucket
        self._key = key
        self._size = size
        self._position = 0
        self._stream: _Prefetch | _Direct | None = None
        self._stream_position = 0  # where the open GET's next byte is
        self._stream_end = 0
        self._pending = memoryview(b"")
        self.bytes_read = 0
        self.requests = 0  # GETs made: each costs the S3 server more than a MiB of reading

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._position
        elif whence == io.SEEK_END:
            offset += self._size
        self._position = max(0, offset)
        return self._position

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self._pending = memoryview(b"")

    def _fill(self) -> bool:
        """Make the bytes at the position pending (a new GET if need be); False at the end."""
        if self._position >= self._size:
            return False
        if self._stream is not None and self._stream_position != self._position:
            self._drop_stream()
        while not self._pending:
            if self._stream is None:
                in_head = self._position < self._head_size
                self.requests += 1
                self._stream = self._reader(
                    self._storage.open(
                        bucket=self._bucket,
                        key=self._key,
                        offset=self._position,
                        length=self._head_size - self._position if in_head else None,
                    )
                )
                self._stream_position = self._position
                self._stream_end = self._head_size if in_head else self._size
                self._head_size = 0  # only the first GET is bounded
            chunk = self._stream.next()
            if chunk is not None:
                self._pending = memoryview(chunk)
            elif self._position == self._stream_end < self._size:
                self._drop_stream()  # the head is read: the next GET runs to the end
            else:
                return False  # the object ends before its expected size
        return True

    def _advance(self, count: int) -> None:
        self._pending = self._pending[count:]
        self._position += count
        self._stream_position = self._position
        self.bytes_read += count

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        if not len(target) or not self._fill():
            return 0
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._advance(count)
        return count

    def readview(self, size: int) -> memoryview:
        """Up to `size` bytes at the position without copying them: a view of the GET's
        current chunk, which stays valid while it is held (empty at the end). Saves the copy
        `readinto` makes, for a consumer that only reads each byte once (the decryption)."""
        if size <= 0 or not self._fill():
            return memoryview(b"")
        view = self._pending[:size]
        self._advance(len(view))
        return view

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._position
        result = bytearray()
        while len(result) < size:
            buffer = bytearray(min(size - len(result), 1 << 20))
            count = self.readinto(buffer)
            if not count:
                break
            result += buffer[:count]
        return bytes(result)

    def close(self) -> None:
        self._drop_stream()
        super().close()
