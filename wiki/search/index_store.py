"""The whoosh index's files: generations on disk and their atomic swap, writing documents into
the current one under locks, and checking that a generation reads as whoosh wrote it."""

from __future__ import annotations

import errno
import functools
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import LockError

from wiki.search.index_schema import (
    SCHEMA,
    Document,
    IndexBusy,
    IndexDamaged,
    IndexMissing,
    IndexUnwritable,
)
from wiki.search.segment_files import read_segments_in_place

CURRENT = "current"
BUILD_LOCK = ".build.lock"

# The errors of a folder that cannot take writes, as opposed to files that cannot be read.
_WRITE_FAILURES = {errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT}


def damage_surfaces(method):
    """Whatever whoosh raises inside `method` (it raises many kinds on damaged files:
    unpickling, struct and EOF errors, index and key errors) is reported as IndexDamaged
    naming the generation it was reading, so that callers need to know of one exception."""

    @functools.wraps(method)
    def guarded(self: IndexStore, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (IndexMissing, IndexBusy):
            raise
        except OSError as error:
            if error.errno in _WRITE_FAILURES:
                raise IndexUnwritable(f"{self.directory}: {error.strerror}") from error
            raise IndexDamaged(self.current_generation_or_none(), repr(error)) from error
        except Exception as error:
            raise IndexDamaged(self.current_generation_or_none(), repr(error)) from error

    return guarded


class IndexStore:
    """An index directory: generations of whoosh indexes, one of them `current`. Searching
    them is wiki.search.index.SearchIndex, built on this."""

    def __init__(self, directory: str | os.PathLike, lock_timeout: float = 2.0):
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self._write_lock = threading.Lock()
        self._local = threading.local()
        read_segments_in_place()

    # -- generations -------------------------------------------------------------------------

    def current_generation(self) -> Path:
        try:
            return self.directory / os.readlink(self.directory / CURRENT)
        except OSError as error:
            raise IndexMissing(f"no index at {self.directory}") from error

    def current_generation_or_none(self) -> Path | None:
        try:
            return self.current_generation()
        except IndexMissing:
            return None

    @damage_surfaces
    def check_readable(self) -> None:
        """Raise IndexMissing when the current generation cannot be opened and read."""
        with self._open().searcher() as searcher:
            searcher.doc_count()

    @damage_surfaces
    def verify(self) -> int:
        """Read every file of the current generation the way searches do; returns the number of
        documents, or raises IndexMissing / IndexDamaged saying what could not be read.

        Every term's postings are read and counted against the document frequency the term
        dictionary records (less the deleted documents it still counts), and so is every stored
        field and every column: a segment that opens but holds garbage is found here rather
        than by the search that happens to meet it."""
        with self._open().searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                # The dictionary's counts include deleted documents; postings leave them out.
                deleted = reader.doc_count_all() - reader.doc_count()
                for fieldname, text in reader.all_terms():
                    recorded = reader.doc_frequency(fieldname, text)
                    found = sum(1 for _ in reader.postings(fieldname, text).all_ids())
                    if not recorded - deleted <= found <= recorded:
                        raise IndexDamaged(
                            self.current_generation(),
                            f"{fieldname}:{text!r} lists {found} documents, the term "
                            f"dictionary says {recorded}",
                        )
                for _ in reader.all_stored_fields():
                    pass
                if reader.doc_count_all():
                    for name in ("key", "stamp", "updated", "facets"):
                        column = reader.column_reader(name)
                        for number in range(reader.doc_count_all()):
                            column[number]
            return searcher.doc_count()

    def unfinished_generations(self) -> list[Path]:
        """Generations that a rebuild started and never finished (it was killed): not current,
        and with no committed table of contents (creating an index writes an empty one,
        generation 0; the build's commit writes generation 1). Only meaningful while no build
        runs."""
        current = self.current_generation_or_none()
        return sorted(
            generation
            for generation in self.directory.glob("gen-*")
            if generation != current
            and not any(toc.stem != "_MAIN_0" for toc in generation.glob("_MAIN_*.toc"))
        )

    def _open(self, generation: Path | None = None) -> index.Index:
        generation = generation or self.current_generation()
        try:
            return FileStorage(str(generation)).open_index(schema=SCHEMA)
        except (OSError, index.EmptyIndexError) as error:
            if generation.is_dir():  # the generation is there, its table of contents is not
                raise IndexDamaged(generation, f"cannot open it: {error!r}") from error
            raise IndexMissing(f"no index in {generation}") from error

    def build(
        self, documents: Iterable[Document], on_item: Callable[[], None] | None = None
    ) -> int:
        """Write every document into a fresh generation and make it current, atomically;
        returns how many were written."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        generation = self.directory / name
        generation.mkdir()
        count = 0
        try:
            writer = FileStorage(str(generation)).create_index(SCHEMA).writer(limitmb=256)
            try:
                for document in documents:
                    writer.add_document(**document.fields())
                    count += 1
                    if on_item is not None:
                        on_item()
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException:
            # Whatever failed (a full disk while committing, say), no half-built folder stays.
            shutil.rmtree(generation, ignore_errors=True)
            raise
        self._make_current(name)
        return count

    def _make_current(self, name: str) -> None:
        link = self.directory / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(name, link)
        os.replace(link, self.directory / CURRENT)
        # Keep the generation before this one: another worker may still be reading it.
        generations = sorted(
            (p for p in self.directory.glob("gen-*") if p.name != name),
            key=lambda p: p.stat().st_mtime,
        )
        for old in generations[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    def build_lock(self) -> _BuildLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        return _BuildLock(self.directory / BUILD_LOCK)

    # -- writing -----------------------------------------------------------------------------

    def write(self, changes: dict[str, Document | None]) -> None:
        """Add, replace or (for None) delete documents by key, in one index commit."""
        if changes:
            self.write_loaded(lambda: changes)

    def write_loaded(self, load: Callable[[], dict[str, Document | None]]) -> None:
        """Write what `load` returns, calling it only once this process holds the index's
        lock: of two writers, the later one reads the later state of the database."""
        with self._write_lock:
            while True:
                generation = self.current_generation()
                self._write_into(generation, load)
                # A reindex may have swapped generations while we wrote into the old one.
                if self.current_generation() == generation:
                    return

    @damage_surfaces
    def _write_into(self, generation: Path, load: Callable[[], dict[str, Document | None]]) -> None:
        with self._generation_locked(generation):
            try:
                writer = self._open(generation).writer(timeout=self.lock_timeout, delay=0.05)
            except LockError as error:
                raise IndexBusy(
                    f"the search index stayed locked for {self.lock_timeout} s"
                ) from error
            try:
                for key, document in load().items():
                    if document is None:
                        writer.delete_by_term("key", key)
                    else:
                        writer.update_document(**document.fields())
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    @contextmanager
    def _generation_locked(self, generation: Path) -> Iterator[None]:
        """Hold a lock on the generation's folder itself while writing into it.

        whoosh's own lock is a file beside the index: deleted while a writer holds it, the next
        writer makes a new one and both commit, and one commit's documents are lost. A folder
        cannot be deleted while it holds the index, so this lock cannot be lost that way."""
        import fcntl

        descriptor = os.open(generation, os.O_RDONLY)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"the search index stayed locked for {self.lock_timeout} s"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(descriptor)  # closing the descriptor releases the flock


class _BuildLock:
    """One rebuild at a time across processes: whoever holds it builds, the others wait."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self, blocking: bool) -> bool:
        import fcntl

        self._fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
