"""The SQLAlchemy 2 dialect ``kintone://``.

URLs:

- ``kintone:///?odbc_connect=<url-encoded connection string>``: the connection string
  the ODBC driver takes, as it is;
- ``kintone://USER:PASSWORD@example.cybozu.com/?GuestSpaceId=2``: the host becomes
  ``Url=https://HOST`` (``?scheme=http`` for a local test server); the query's other
  keys are connection properties;
- ``create_engine("kintone://", connect_args={"connection_string": "..."})`` or any
  property as a keyword of ``connect_args``.

Apps are tables of the default schema; reflection reads the engine's system tables
(``sys_tables``, ``sys_tablecolumns``, ``sys_primarykeys``, ``sys_foreignkeys``), which
is what the ODBC driver's catalog functions answer from.
"""

import urllib.parse

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default, reflection
from sqlalchemy.sql import compiler

import kintone_odbc

# The engine's type names (sql/src/system/rows.rs, sql_type_name) → SQLAlchemy's types.
_TYPES = {
    "BIGINT": sqltypes.BigInteger,
    "BIT": sqltypes.Boolean,
    "DECIMAL": sqltypes.Numeric,
    "DOUBLE": sqltypes.Float,
    "DATE": sqltypes.Date,
    "TIME": sqltypes.Time,
    "TIMESTAMP": sqltypes.DateTime,
    "WVARCHAR": sqltypes.Unicode,
    "WLONGVARCHAR": sqltypes.UnicodeText,
}


class KintoneIdentifierPreparer(compiler.IdentifierPreparer):
    """Double-quoted identifiers. Names are case-sensitive as written (Kintone labels are
    mixed-case and often Japanese), so any name that is not plain lower case is quoted,
    as SQLAlchemy's default rules already do."""


class KintoneCompiler(compiler.SQLCompiler):
    def limit_clause(self, select, **kw):
        # Numbers in the text, put in as each statement runs (literal_execute keeps the
        # compiled form cacheable): a literal LIMIT is what the engine pushes to Kintone.
        kw = {**kw, "literal_execute": True}
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            text += "\n OFFSET " + self.process(select._offset_clause, **kw)
        return text


class KintoneTypeCompiler(compiler.GenericTypeCompiler):
    def visit_DATETIME(self, type_, **kw):
        return "TIMESTAMP"

    def visit_unicode(self, type_, **kw):
        return "VARCHAR"

    def visit_unicode_text(self, type_, **kw):
        return "TEXT"


class KintoneDialect(default.DefaultDialect):
    name = "kintone"
    driver = "kintone_odbc"
    supports_statement_cache = True
    paramstyle = "qmark"
    default_paramstyle = "qmark"
    positional = True

    preparer = KintoneIdentifierPreparer
    statement_compiler = KintoneCompiler
    type_compiler_cls = KintoneTypeCompiler

    supports_alter = False
    supports_sequences = False
    supports_native_decimal = True
    supports_native_boolean = True
    supports_unicode_statements = True
    supports_unicode_binds = True
    supports_sane_rowcount = True
    supports_sane_multi_rowcount = False
    supports_default_values = False
    supports_empty_insert = False
    supports_multivalues_insert = False
    # executemany goes to the engine as one call: one bulk request to Kintone.
    use_insertmanyvalues = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    postfetch_lastrowid = True
    max_identifier_length = 1024
    default_schema_name = "public"

    @classmethod
    def import_dbapi(cls):
        return kintone_odbc

    def create_connect_args(self, url):
        query = dict(url.query)
        props = {}
        conn_str = query.pop("odbc_connect", None)
        if conn_str is not None:
            conn_str = urllib.parse.unquote_plus(conn_str)
        scheme = query.pop("scheme", "https")
        if url.host:
            port = ":%d" % url.port if url.port else ""
            props["Url"] = "%s://%s%s" % (scheme, url.host, port)
        if url.username:
            props["User"] = url.username
        if url.password is not None:
            props["Password"] = url.password
        props.update({k: v if isinstance(v, str) else ",".join(v) for k, v in query.items()})
        args = [conn_str] if conn_str is not None else []
        return args, props

    # Kintone has no transactions: each write is committed as it runs.
    def do_begin(self, dbapi_connection):
        pass

    def do_commit(self, dbapi_connection):
        dbapi_connection.commit()

    def do_rollback(self, dbapi_connection):
        # The pool rolls back every connection it takes back; there is nothing to undo.
        pass

    def get_isolation_level(self, dbapi_connection):
        return "AUTOCOMMIT"

    def get_default_isolation_level(self, dbapi_conn):
        return "AUTOCOMMIT"

    def get_isolation_level_values(self, dbapi_conn):
        return ["AUTOCOMMIT"]

    def set_isolation_level(self, dbapi_connection, level):
        if level != "AUTOCOMMIT":
            raise kintone_odbc.NotSupportedError(
                "Kintone has no transactions: the only isolation level is AUTOCOMMIT", "HYC00")

    def _get_server_version_info(self, connection):
        return ()

    def _get_default_schema_name(self, connection):
        return "public"

    def do_ping(self, dbapi_connection):
        cur = dbapi_connection.cursor()
        try:
            cur.execute("SELECT 1")
            cur.fetchall()
        finally:
            cur.close()
        return True

    # --- reflection ---
    def _rows(self, connection, sql, params=()):
        return connection.exec_driver_sql(sql, tuple(params)).fetchall()

    def _schema(self, schema):
        return schema or self.default_schema_name

    def get_schema_names(self, connection, **kw):
        return [r[0] for r in self._rows(
            connection, 'SELECT DISTINCT "SchemaName" FROM sys_tables ORDER BY 1')]

    @reflection.cache
    def get_table_names(self, connection, schema=None, **kw):
        return [r[0] for r in self._rows(
            connection,
            'SELECT "TableName" FROM sys_tables WHERE "SchemaName" = ? '
            'AND "TableType" <> \'VIEW\' ORDER BY "TableName"',
            [self._schema(schema)])]

    @reflection.cache
    def get_view_names(self, connection, schema=None, **kw):
        # Schema=CybozuUser's views and those of UserDefinedViews.
        return [r[0] for r in self._rows(
            connection,
            'SELECT "TableName" FROM sys_tables WHERE "SchemaName" = ? '
            'AND "TableType" = \'VIEW\' ORDER BY "TableName"',
            [self._schema(schema)])]

    def has_table(self, connection, table_name, schema=None, **kw):
        self._ensure_has_table_connection(connection)
        return bool(self._rows(
            connection,
            'SELECT 1 FROM sys_tables WHERE "SchemaName" = ? AND "TableName" = ?',
            [self._schema(schema), table_name]))

    @reflection.cache
    def get_columns(self, connection, table_name, schema=None, **kw):
        rows = self._rows(
            connection,
            'SELECT "ColumnName", "DataTypeName", "Length", "NumericPrecision", '
            '"NumericScale", "IsNullable", "Description" FROM sys_tablecolumns '
            'WHERE "SchemaName" = ? AND "TableName" = ? ORDER BY "Ordinal"',
            [self._schema(schema), table_name])
        if not rows and not self.has_table(connection, table_name, schema):
            from sqlalchemy import exc
            raise exc.NoSuchTableError(table_name)
        out = []
        for name, type_name, length, precision, scale, nullable, description in rows:
            cls = _TYPES.get(type_name, sqltypes.Unicode)
            if cls is sqltypes.Numeric:
                type_ = sqltypes.Numeric(precision, scale, asdecimal=True)
            elif cls is sqltypes.Unicode:
                type_ = sqltypes.Unicode(length)
            elif cls is sqltypes.DateTime:
                type_ = sqltypes.DateTime(timezone=True)
            else:
                type_ = cls()
            out.append({"name": name, "type": type_, "nullable": bool(nullable),
                        "default": None, "autoincrement": False, "comment": description})
        return out

    @reflection.cache
    def get_pk_constraint(self, connection, table_name, schema=None, **kw):
        rows = self._rows(
            connection,
            'SELECT "ColumnName", "KeyName" FROM sys_primarykeys '
            'WHERE "SchemaName" = ? AND "TableName" = ? ORDER BY "KeySeq"',
            [self._schema(schema), table_name])
        return {"constrained_columns": [r[0] for r in rows],
                "name": rows[0][1] if rows else None}

    @reflection.cache
    def get_foreign_keys(self, connection, table_name, schema=None, **kw):
        rows = self._rows(
            connection,
            'SELECT "ForeignKeyName", "ColumnName", "ReferencedSchemaName", '
            '"ReferencedTableName", "ReferencedColumnName" FROM sys_foreignkeys '
            'WHERE "SchemaName" = ? AND "TableName" = ? ORDER BY "ForeignKeyName", "KeySeq"',
            [self._schema(schema), table_name])
        keys = {}
        for fk_name, column, ref_schema, ref_table, ref_column in rows:
            key = keys.setdefault((fk_name, ref_schema, ref_table), {
                "name": fk_name,
                "constrained_columns": [],
                "referred_schema": None if ref_schema == self._schema(schema) else ref_schema,
                "referred_table": ref_table,
                "referred_columns": [],
                "options": {},
            })
            key["constrained_columns"].append(column)
            key["referred_columns"].append(ref_column)
        return list(keys.values())

    def get_indexes(self, connection, table_name, schema=None, **kw):
        return []

    def get_unique_constraints(self, connection, table_name, schema=None, **kw):
        return []

    def get_check_constraints(self, connection, table_name, schema=None, **kw):
        return []

    def get_table_comment(self, connection, table_name, schema=None, **kw):
        rows = self._rows(
            connection,
            'SELECT "Description" FROM sys_tables WHERE "SchemaName" = ? AND "TableName" = ?',
            [self._schema(schema), table_name])
        return {"text": rows[0][0] if rows else None}


dialect = KintoneDialect
