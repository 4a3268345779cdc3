"""statement_log(engine): the SQL statements an engine runs from now on, each with its wall
time in ms, in a list the caller reads and clears (the search profiling scripts)."""

from __future__ import annotations

import time

from sqlalchemy import event


def statement_log(engine) -> list[tuple[float, str]]:
    log: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        log.append(((time.perf_counter() - conn.info["started"]) * 1000, statement))

    return log
