"""The two kinds of stream a sealed bid passes through, by what the envelope code calls on them.

A sealed bid is read from a file opened "rb", a BytesIO or the platform's stored-object reader
(storage/ranged.py, an io.RawIOBase): `typing.BinaryIO` names none of them and has no `readinto`,
which the decryption reads into its reusable buffers with.
"""

from typing import Protocol


class Source(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...

    def readinto(self, buffer: memoryview, /) -> int | None: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...

    def tell(self) -> int: ...


class Sink(Protocol):
    def write(self, data: bytes | memoryview, /) -> int | None: ...
