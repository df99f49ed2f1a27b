"""The sandbox's REST answers as one JSON file, for the clients that check the driver's
values cell by cell (R RODBC, Perl DBD::ODBC, node-odbc).

Every record of every app (and every subtable row) is read over /k/v1/records.json the
way any REST client would, and each value is put in one canonical text form, so that a
client only has to bring its own values into that form:

  decimal    exact decimal text without trailing zeros ("25000", "12.5", "-2.5", "0")
  bigint     integer text
  timestamp  "YYYY-MM-DD HH:MM:SS" in UTC
  time       "HH:MM:SS"
  date       "YYYY-MM-DD"
  text       the text (lists joined by ",", users/organizations/groups by their codes,
             FILE as compact JSON of {name, size, fileKey, contentType})

Kintone's empty values ("", [], null) are null. Column names are field codes (the DSN
uses UseCodeForFieldName=true for the cell-by-cell reads). The file:

  {"tables": {NAME: {"app": N, "guest": SPACE|null, "key": [COL...],
                      "columns": [COL...], "kinds": {COL: KIND}, "rows": [[CELL...]...]}},
   "apps": [names the domain lists over /k/v1/apps.json]}

Run as a script: restref.py URL OUT.json.
"""

import base64
import decimal
import json
import sys
import urllib.parse
import urllib.request

AUTH = base64.b64encode(b"demo:demo").decode()
# The demo's apps (tests/sandbox/docs/demo-data.md): name, app id, guest space.
APPS = (("Customers", 1, None), ("Orders", 2, None), ("日本語アプリ", 3, None),
        ("Events", 4, None), ("Guest Tasks", 5, 2))
# Field types with no column of their own (a subtable is a table of its own).
NO_COLUMN = {"SUBTABLE", "REFERENCE_TABLE", "GROUP", "LABEL", "SPACER", "HR"}
KIND = {
    "__ID__": "bigint", "__REVISION__": "bigint", "NUMBER": "decimal", "CALC": "decimal",
    "DATETIME": "timestamp", "CREATED_TIME": "timestamp", "UPDATED_TIME": "timestamp",
    "TIME": "time", "DATE": "date",
}


def get(url, path, params):
    req = urllib.request.Request("%s%s?%s" % (url, path, urllib.parse.urlencode(params)),
                                 headers={"X-Cybozu-Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def records(url, app, guest):
    """Every record of an app in $id order, by $id seek (any size)."""
    path = "/k/guest/%d/v1/records.json" % guest if guest else "/k/v1/records.json"
    out, last = [], 0
    while True:
        page = get(url, path, {"app": app, "query": "$id > %d order by $id asc limit 500" % last})
        out += page["records"]
        if len(page["records"]) < 500:
            return out
        last = int(page["records"][-1]["$id"]["value"])


def canonical(ftype, value):
    """One Kintone value in the canonical text form (see the module docstring)."""
    if value in ("", None, []):
        return None
    if ftype in ("NUMBER", "CALC"):
        d = decimal.Decimal(value)
        text = format(d, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if ftype in ("DATETIME", "CREATED_TIME", "UPDATED_TIME"):
        return value.replace("T", " ").replace("Z", "")
    if ftype == "TIME":
        return value + ":00" if len(value) == 5 else value
    if ftype in ("CREATOR", "MODIFIER"):
        return value["code"]
    if ftype in ("USER_SELECT", "ORGANIZATION_SELECT", "GROUP_SELECT", "STATUS_ASSIGNEE"):
        return ",".join(v["code"] for v in value)
    if ftype in ("CHECK_BOX", "MULTI_SELECT", "CATEGORY"):
        return ",".join(value)
    if ftype == "FILE":
        return json.dumps([{"name": f["name"], "size": int(f["size"]), "fileKey": f["fileKey"],
                            "contentType": f["contentType"]} for f in value],
                          separators=(",", ":"), ensure_ascii=False)
    return value


def table(app, guest, recs, cells_of, key):
    """Rows of canonical cells; columns in the order the first record lists them."""
    columns, kinds, rows = None, {}, []
    for rec in recs:
        for cells in cells_of(rec):
            if columns is None:
                columns = [c for c, (t, _) in cells.items() if t not in NO_COLUMN]
                kinds = {c: KIND.get(cells[c][0], "text") for c in columns}
            rows.append([canonical(*cells[c]) for c in columns])
    return {"app": app, "guest": guest, "key": key, "columns": columns or [],
            "kinds": kinds, "rows": rows}


def build(url):
    tables = {}
    for name, app, guest in APPS:
        recs = records(url, app, guest)

        def fields(rec):
            yield {c: (f["type"], f["value"]) for c, f in rec.items()}
        tables[name] = table(app, guest, recs, fields, ["$id"])
        # Subtables: child tables <App>_<subtable code> (parent $id, $row_id, inner fields).
        subs = [c for c, f in (recs[0].items() if recs else ()) if f["type"] == "SUBTABLE"]
        for sub in subs:
            def rows(rec, sub=sub):
                for row in rec[sub]["value"]:
                    cells = {"$id": ("__ID__", rec["$id"]["value"]),
                             "$row_id": ("__ID__", row["id"])}
                    cells.update({c: (f["type"], f["value"]) for c, f in row["value"].items()})
                    yield cells
            tables["%s_%s" % (name, sub)] = table(app, guest, recs, rows, ["$id", "$row_id"])
    apps = [a["name"] for a in get(url, "/k/v1/apps.json", {})["apps"]]
    return {"tables": tables, "apps": apps}


def main():
    url, out = sys.argv[1].rstrip("/"), sys.argv[2]
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(build(url), fh, ensure_ascii=False)


if __name__ == "__main__":
    main()
