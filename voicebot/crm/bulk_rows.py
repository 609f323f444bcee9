"""Many rows written with the driver's executemany, their values converted beforehand.

SQLAlchemy converts every value of every row (JSON, aware datetimes, enums) while it
executes; for 100,000 rows that is most of the time. On SQLite the writing transaction holds
the database's only write lock, so the conversion is done first, outside the transaction,
with the columns' own bind processors and defaults (the stored values are exactly what the
ORM stores), and the locked part is left with the driver's executemany alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


def converter(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """The column's value as the driver receives it (the dialect's own type: SQLite stores
    datetimes as text in SQLAlchemy's format)."""
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)
    return convert if convert is not None else (lambda value: value)


def _default(column: Column[Any]) -> Any:
    default: Any = column.default
    if default is None:
        return None
    if default.is_scalar:
        value = default.arg
        # A mutable default ({} for JSON) must not be shared between rows.
        return type(value)() if isinstance(value, dict | list) and not value else value
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps the callable to take a context
    return None


def _shaped(compiled: Any, rows: Sequence[dict[str, Any]], dialect: Dialect) -> list[Any]:
    if dialect.positional:
        order = compiled.positiontup
        return [tuple(row[name] for name in order) for row in rows]
    return list(rows)


class BulkInsert:
    """INSERT of every column but the primary key; a missing value gets the column's Python
    default, as an ORM insert would."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.dialect = dialect
        self.columns = [c for c in table.columns if not c.primary_key]
        self.compiled = table.insert().compile(
            dialect=dialect, column_keys=[c.key for c in self.columns]
        )
        self.converters = {c.key: converter(c, dialect) for c in self.columns}

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            c.key: self.converters[c.key](row[c.key] if c.key in row else _default(c))
            for c in self.columns
        }

    def execute(self, session: Session, converted: Sequence[dict[str, Any]]) -> None:
        if converted:
            params = _shaped(self.compiled, converted, self.dialect)
            session.connection().exec_driver_sql(str(self.compiled), params)


class BulkUpdate:
    """UPDATE table SET <keys> WHERE id = row_id, for rows of already converted values."""

    def __init__(self, table: Table, keys: Sequence[str], dialect: Dialect) -> None:
        self.dialect = dialect
        statement = (
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values({key: bindparam(f"new_{key}") for key in keys})
        )
        self.compiled = statement.compile(dialect=dialect)
        self.keys = list(keys)

    def execute(self, session: Session, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """rows: (id, converted values by column key)."""
        if rows:
            named = [
                {"row_id": row_id, **{f"new_{k}": values[k] for k in self.keys}}
                for row_id, values in rows
            ]
            params = _shaped(self.compiled, named, self.dialect)
            session.connection().exec_driver_sql(str(self.compiled), params)
