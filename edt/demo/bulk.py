"""Bulk writes for seed-scale, inside the session's transaction: COPY on PostgreSQL (psycopg's
`cursor.copy()` on the session's own connection), chunked executemany inserts elsewhere (SQLite);
and two helpers of its data (weighted draws, working days).

Rows are tuples in the order of the columns named; ids that other rows refer to are given by
the caller from `ids()` (the next free ids of the table), so nothing is read back. `finish()`
moves the id sequences past what was written, on PostgreSQL, and the data_version counter;
`analyze()` refreshes the planner's statistics after the commit.
"""
import json
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import JSON, Table, func, insert, select, text

from edt.changes import bump

CHUNK = 5_000


class Json:
    """A JSON value shared by many rows, serialised once."""

    __slots__ = ("value", "text")

    def __init__(self, value):
        self.value, self.text = value, json.dumps(value)


class Bulk:
    def __init__(self, session):
        self.session = session
        self.connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.quote = self.connection.dialect.identifier_preparer
        self.written: dict[str, int] = {}
        self.next_id: dict[str, int] = {}
        self.unchecked = self.postgres and self.connection.exec_driver_sql(
            "select current_setting('is_superuser')").scalar() == "on"
        if self.unchecked:
            # Foreign keys are not checked row by row during this transaction (every id is made
            # here, and the same rows pass SQLite's checks in the tests); constraints and unique
            # indexes still are. Only a superuser may; others load more slowly, with the checks.
            self.connection.exec_driver_sql("set local session_replication_role = replica")

    def ids(self, table: Table, count: int) -> range:
        """The next `count` ids of `table`, for rows written with their id."""
        start = self.next_id.get(table.name)
        if start is None:
            start = (self.session.scalar(select(func.max(table.c.id))) or 0) + 1
        self.next_id[table.name] = start + count
        return range(start, start + count)

    def write(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        self._check(table, columns)
        if self.postgres:
            count = self._copy(table, columns, rows)
        else:
            count = self._insert(table, columns, rows)
        self.written[table.name] = self.written.get(table.name, 0) + count
        return count

    def _check(self, table: Table, columns) -> None:
        """COPY applies no Python-side default: every required column must be given."""
        missing = [c.name for c in table.columns if c.name not in columns and not c.nullable
                   and c.server_default is None and not (c.primary_key and c.autoincrement is not False
                                                         and len(table.primary_key.columns) == 1)]
        if missing:
            raise ValueError(f"{table.name}: no value for {', '.join(missing)}")

    def _copy(self, table: Table, columns, rows) -> int:
        names = ", ".join(self.quote.quote(c) for c in columns)
        statement = f"COPY {self.quote.format_table(table)} ({names}) FROM STDIN"
        as_json = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        dumps = json.dumps
        count = 0
        with self.connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            if as_json:
                for row in rows:
                    row = list(row)
                    for i in as_json:
                        value = row[i]
                        row[i] = value.text if value.__class__ is Json else dumps(value)
                    write(row)
                    count += 1
            else:
                for row in rows:
                    write(row)
                    count += 1
        return count

    def _insert(self, table: Table, columns, rows) -> int:
        statement, chunk, count = insert(table), [], 0
        as_json = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        for row in rows:
            if as_json:
                row = [v.value if v.__class__ is Json else v for v in row]
            chunk.append(dict(zip(columns, row)))
            if len(chunk) >= CHUNK:
                self.connection.execute(statement, chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            self.connection.execute(statement, chunk)
            count += len(chunk)
        return count

    def finish(self, tables: Iterable[Table]) -> None:
        """Before the commit: id sequences past the ids written (PostgreSQL), and one move of the
        data_version counter (these writes bypass the session, which would not see them)."""
        if self.postgres:
            for table in tables:
                if table.name in self.next_id:
                    self.connection.execute(text("select setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                                            {"t": self.quote.format_table(table), "v": self.next_id[table.name] - 1})
        if self.unchecked:
            self.connection.exec_driver_sql("set local session_replication_role = origin")
        bump(self.connection)


def analyze(session, tables: Iterable[Table]) -> None:
    """After the commit, on PostgreSQL: fresh statistics for every table written, so the first
    queries on the new data get good plans (autovacuum would take its time)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    connection.exec_driver_sql("ANALYZE " + ", ".join(preparer.format_table(t) for t in tables))
    session.commit()


def picker(rng, choices):
    """A function drawing one of `choices` ((value, whole-number weight), ...) as weighted:
    a look-up table, much faster than rng.choices for millions of draws."""
    table = [value for value, weight in choices for _n in range(weight)]
    size, random = len(table), rng.random
    return lambda: table[int(random() * size)]


def working_days(start: date, count: int) -> list[date]:
    """`count` days from `start`, skipping Fridays (the default off day)."""
    days, current = [], start
    while len(days) < count:
        if current.weekday() != 4:
            days.append(current)
        current += timedelta(days=1)
    return days
