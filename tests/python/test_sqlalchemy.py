"""The SQLAlchemy dialect kintone:// against the sandbox: reflection, pandas reading and
writing, a join through select()."""

import datetime
import decimal
import urllib.parse

import pandas as pd
import pytest
import sqlalchemy as sa

from conftest import Server, canonical

CODES = ";UseCodeForFieldName=true"


@pytest.fixture(scope="module")
def engine(sandbox):
    # The connection string as it is, in the URL.
    e = sa.create_engine("kintone:///?odbc_connect=" + urllib.parse.quote_plus(
        sandbox.conn_str(CODES)))
    yield e
    e.dispose()


def test_url_forms_connect(sandbox):
    host = urllib.parse.urlsplit(sandbox.url).netloc
    forms = [
        sa.create_engine("kintone://demo:demo@%s/?scheme=http&UseCodeForFieldName=true" % host),
        sa.create_engine("kintone://", connect_args={"connection_string": sandbox.conn_str()}),
    ]
    for e in forms:
        with e.connect() as c:
            assert c.execute(sa.text('SELECT COUNT(*) FROM "Customers"')).scalar() == 30
        e.dispose()


def test_reflection_lists_apps_columns_and_keys(engine, ref):
    insp = sa.inspect(engine)
    want = sorted(t for t in ref["tables"] if t != "Guest Tasks")
    assert sorted(insp.get_table_names()) == want
    cols = insp.get_columns("Customers")
    t = ref["tables"]["Customers"]
    assert [c["name"] for c in cols] == t["columns"]
    by_name = {c["name"]: c["type"] for c in cols}
    expected = {"decimal": sa.Numeric, "bigint": sa.BigInteger, "timestamp": sa.DateTime,
                "date": sa.Date, "time": sa.Time, "text": sa.String}
    for name, kind in t["kinds"].items():
        assert isinstance(by_name[name], expected[kind]), (name, by_name[name])
    assert by_name["credit_limit"].precision == 38 and by_name["credit_limit"].asdecimal
    assert by_name["$id"].__class__ is sa.BigInteger
    assert insp.get_pk_constraint("Customers")["constrained_columns"] == ["$id"]
    child = [n for n in want if n.startswith("Orders_")][0]
    fks = insp.get_foreign_keys(child)
    assert any(fk["referred_table"] == "Orders" and fk["referred_columns"] == ["$id"]
               and fk["constrained_columns"] == ["$id"] for fk in fks), fks
    assert insp.has_table("Customers") and not insp.has_table("NoSuchApp")


def test_read_sql_table_equals_rest(engine, ref, sandbox):
    t = ref["tables"]["Customers"]
    seq = sandbox.mark()
    df = pd.read_sql_table("Customers", engine, coerce_float=False)
    assert list(df.columns) == t["columns"]
    df = df.sort_values("$id")
    assert len(df) == len(t["rows"])
    for got, want in zip(df.itertuples(index=False), t["rows"]):
        for col, value, cell in zip(t["columns"], got, want):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                value = None
            elif isinstance(value, pd.Timestamp):
                # pandas makes DATE columns datetime64 too.
                value = value.date() if t["kinds"][col] == "date" else value.to_pydatetime()
            elif t["kinds"][col] == "bigint":
                value = int(value)
            elif t["kinds"][col] == "decimal":
                # pandas makes NUMERIC columns float64 (its own rule for read_sql_table).
                assert value == float(cell), (col, got[0], value, cell)
                continue
            assert canonical(value) == cell, (col, got[0], value, cell)
    assert {str(r["params"]["app"]) for r in sandbox.record_reads(seq)} == {"1"}


def test_read_sql_query_with_parameters(engine, ref):
    t = ref["tables"]["Customers"]
    country, name = t["columns"].index("country"), t["columns"].index("name")
    want = [r[name] for r in t["rows"] if r[country] == "Germany"]
    df = pd.read_sql_query(
        sa.text('SELECT "name" FROM "Customers" WHERE "country" = :c ORDER BY "$id"'),
        engine, params={"c": "Germany"})
    assert list(df["name"]) == want and want


def test_select_join_limit_offset(engine, ref):
    md = sa.MetaData()
    orders = sa.Table("Orders", md, autoload_with=engine)
    customers = sa.Table("Customers", md, autoload_with=engine)
    q = (sa.select(orders.c["$id"].label("order_id"), customers.c.name)
         .join_from(orders, customers, orders.c.customer == customers.c.customer_code)
         .order_by(orders.c["$id"]))
    sent = []
    listen = lambda conn, cur, statement, *rest: sent.append(statement)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        with engine.connect() as c:
            got = [(r.order_id, r.name) for r in c.execute(q)]
            page = [(r.order_id, r.name) for r in c.execute(q.limit(5).offset(2))]
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)
    assert '"Orders"."$id"' in sent[-1] and "LIMIT 5" in sent[-1] and "OFFSET 2" in sent[-1], sent
    o, cu = ref["tables"]["Orders"], ref["tables"]["Customers"]
    names = {r[cu["columns"].index("customer_code")]: r[cu["columns"].index("name")]
             for r in cu["rows"]}
    want = [(int(r[0]), names[r[o["columns"].index("customer")]]) for r in o["rows"]
            if r[o["columns"].index("customer")] in names]
    assert got == want and page == want[2:7]


def test_to_sql_appends_to_an_existing_app():
    s = Server()
    e = sa.create_engine("kintone://", connect_args={"connection_string": s.conn_str(CODES)})
    try:
        df = pd.DataFrame({"customer_code": ["D001", "D002"], "name": ["Pandas 🐼", "データ"],
                           "credit_limit": [decimal.Decimal("10.25"), None],
                           "since": [datetime.date(2024, 1, 2), datetime.date(2024, 3, 4)]})
        seq = s.mark()
        df.to_sql("Customers", e, if_exists="append", index=False)
        writes = [r for r in s.requests(seq) if r["effective_method"] != "GET"]
        assert len(writes) == 1, [(r["method"], r["api"]) for r in writes]
        back = pd.read_sql_query(
            'SELECT "customer_code", "name", "credit_limit", "since" FROM "Customers" '
            'WHERE "customer_code" LIKE \'D%\' ORDER BY "customer_code"', e, coerce_float=False)
        assert list(back["name"]) == ["Pandas 🐼", "データ"]
        assert back["credit_limit"][0] == decimal.Decimal("10.25") and back["credit_limit"][1] is None
        assert list(back["since"]) == [datetime.date(2024, 1, 2), datetime.date(2024, 3, 4)]
    finally:
        e.dispose()
        s.stop()
