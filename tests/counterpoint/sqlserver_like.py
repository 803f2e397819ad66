"""A SQLite database that answers as SQL Server does, for the SQL Server paths of the store."""

from __future__ import annotations

import sqlite3


class SqlServerLike:
    """A SQLite database dressed as SQL Server: an INFORMATION_SCHEMA.COLUMNS and a dbo schema.

    With ``declared``, each statement's verb, parameters and the types ``setinputsizes`` declared
    for them are appended there.
    """

    def __init__(self, path, declared=None):
        self.declared = declared
        self.inner = sqlite3.connect(path, isolation_level=None)
        self.inner.execute("ATTACH DATABASE ? AS dbo", (str(path),))
        self.inner.execute("ATTACH DATABASE ':memory:' AS INFORMATION_SCHEMA")
        self.inner.execute(
            "CREATE TABLE INFORMATION_SCHEMA.COLUMNS (TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE)"
        )
        self.inner.execute(  # DATA_TYPE as SQL Server gives it: "varchar", without the length
            "INSERT INTO INFORMATION_SCHEMA.COLUMNS SELECT 'dbo', m.name, p.name, lower(CASE WHEN "
            "instr(p.type, '(') > 0 THEN substr(p.type, 1, instr(p.type, '(') - 1) ELSE p.type END) "
            "FROM main.sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        )

    def cursor(self):
        cursor = self.inner.cursor()
        return cursor if self.declared is None else _DeclaringCursor(cursor, self.declared)

    def getinfo(self, _what):
        return "Microsoft SQL Server"

    def commit(self):
        self.inner.commit()

    def rollback(self):
        self.inner.rollback()

    def close(self):
        self.inner.close()


class _DeclaringCursor:
    def __init__(self, inner, declared):
        self._inner, self._declared, self._sizes = inner, declared, None

    def setinputsizes(self, sizes):
        self._sizes = sizes

    def execute(self, sql, parameters):
        self._declared.append((sql.split()[0], list(parameters), self._sizes))
        self._inner.execute(sql, parameters)
        return self

    def __getattr__(self, name):  # fetchall, rowcount, close
        return getattr(self._inner, name)
