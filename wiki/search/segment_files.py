"""whoosh's segment files read where they are mapped, not copied: each part of a compound
segment that whoosh opens (terms, postings, stored fields, columns) it copies out of the
memory-mapped file into a buffer of its own (io.BytesIO of the mapped bytes), so a web worker
held its whole index twice over, the mapped pages and the copies (690 MB at 50,000 pages;
bench/search_memory_bench.py). Here a part is read from the mapping itself."""

from __future__ import annotations

from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile


class _MappedPart:
    """A read-only file over a slice of the mapping: what BufferFile's reads and seeks need
    (its positioned reads slice the mapping already)."""

    def __init__(self, view: memoryview):
        self._view = view
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._position = max(start, end)
        return self._view[start:end].tobytes()

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        view, start = self._view, self._position
        end = len(view) if size is None or size < 0 else min(start + size, len(view))
        for at in range(start, end):
            if view[at] == 10:  # b"\n"
                end = at + 1
                break
        self._position = end
        return view[start:end].tobytes()

    def seek(self, position: int, whence: int = 0) -> int:
        if whence == 1:
            position += self._position
        elif whence == 2:
            position += len(self._view)
        self._position = max(0, position)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._view = memoryview(b"")


class _InPlaceBufferFile(BufferFile):
    def __init__(self, buf: memoryview, name: str | None = None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = _MappedPart(buf)


def read_segments_in_place() -> None:
    """Open the parts of compound segments over their mapping (for every index of this
    process: whoosh keeps the class in its module)."""
    compound.BufferFile = _InPlaceBufferFile
