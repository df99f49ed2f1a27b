"""What the sandbox holds: the Events app's generation rule, checked against its REST API.

The rule comes from tests/sandbox/docs/demo-data.md; `check_rule_against_rest` reads a
few records over the REST API so that a change in the sandbox's data shows up as a
failure here rather than as a driver bug.
"""

import base64
import datetime
import decimal
import json
import urllib.request

EVENTS_APP = 4
EVENTS_RECORDS = 25000
KINDS = ("alpha", "beta", "gamma", "delta")
EPOCH_STARTS = datetime.datetime(2025, 1, 1, 0, 0, 0)
DAY0 = datetime.date(2024, 1, 1)


def event(n):
    """(id, title, seq, score, day, starts_at (naive UTC), kind) of Events record n."""
    score = (n * 7919) % 10000
    return (
        n,
        "Event %05d" % n,
        decimal.Decimal(n),
        decimal.Decimal("%d.%d" % (score // 10, score % 10)),
        DAY0 + datetime.timedelta(days=n % 731),
        EPOCH_STARTS + datetime.timedelta(minutes=11 * n),
        None if n % 100 == 0 else KINDS[n % 4],
    )


def rest_get(url, path, params):
    query = "&".join("%s=%s" % (k, urllib.parse.quote(str(v))) for k, v in params.items())
    req = urllib.request.Request("%s%s?%s" % (url.rstrip("/"), path, query))
    req.add_header("X-Cybozu-Authorization", base64.b64encode(b"demo:demo").decode())
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def check_rule_against_rest(url, ids=(1, 99, 100, 731, 12345, 25000)):
    """Raises AssertionError when the sandbox's Events records differ from `event`."""
    q = "$id in (%s)" % ", ".join(str(i) for i in ids)
    got = rest_get(url, "/k/v1/records.json", {"app": EVENTS_APP, "query": q + " order by $id asc"})
    recs = {int(r["$id"]["value"]): r for r in got["records"]}
    for n in ids:
        r = recs[n]
        _, title, seq, score, day, starts, kind = event(n)
        assert r["title"]["value"] == title, (n, r["title"])
        assert decimal.Decimal(r["seq"]["value"]) == seq, (n, r["seq"])
        assert decimal.Decimal(r["score"]["value"]) == score, (n, r["score"])
        assert r["day"]["value"] == day.isoformat(), (n, r["day"])
        assert r["starts_at"]["value"] == starts.strftime("%Y-%m-%dT%H:%M:%SZ"), (n, r["starts_at"])
        assert (r["kind"]["value"] or None) == kind, (n, r["kind"])


import urllib.parse  # noqa: E402  (used by rest_get)
