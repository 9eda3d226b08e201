"""SQLite with writers queued on a file lock instead of SQLite's busy handler.

SQLite has one writer. When a second process asks for the write lock, SQLite's busy handler makes it
sleep and retry in growing steps (up to 100 ms), so under concurrent intake most of a request's time
is spent asleep while the lock sits free. Taking an exclusive ``flock`` on ``<database>.writer`` just
before ``BEGIN IMMEDIATE``, and releasing it at commit or rollback, queues writers in the kernel: the
next one wakes the moment the lock is released. Readers never take it (WAL lets them run beside the
writer). In-memory databases (the test runner's) skip it.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_held: bool = False

    def _writer_lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writer"

    def _acquire_writer(self) -> None:
        path = self._writer_lock_path()
        if path is None:
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
        self._writer_held = True

    def _release_writer(self) -> None:
        if self._writer_held and self._writer_fd is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        self._writer_held = False

    def _start_transaction_under_autocommit(self):
        self._acquire_writer()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
