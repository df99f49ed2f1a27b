#!/usr/bin/env python3
"""Runs the end-to-end ODBC suites against the sandbox and prints a summary.

Suites: specs (odbcrun.py through {unixODBC, iODBC} x {ANSI, W}), sessions (isql, iusql,
iodbctest, iodbctestw), pyodbc (unixODBC and iODBC), requests (requests per query, from the
sandbox's log), arrow (arrow-odbc bulk fetch),
libreoffice (LibreOffice Base through UNO), rodbc (R with RODBC), perl (Perl DBD::ODBC),
node (node-odbc), garbage (our library loaded without a driver manager).
"""

import argparse
import difflib
import gzip
import glob
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import odbcenv  # noqa: E402

SUITES = ("exports", "specs", "sessions", "pyodbc", "requests", "writes", "arrow", "libreoffice",
          "rodbc", "perl", "node", "garbage", "badinput")

# Functions with string arguments: a driver must export both forms or neither (iODBC
# sends every call of a driver that has SQLConnectW to the W form, notes §0.2).
STRING_FUNCTIONS = (
    "SQLBrowseConnect", "SQLColAttribute", "SQLColumnPrivileges", "SQLColumns", "SQLConnect",
    "SQLDescribeCol", "SQLDriverConnect", "SQLForeignKeys", "SQLGetConnectAttr",
    "SQLGetCursorName", "SQLGetDescField", "SQLGetDescRec", "SQLGetDiagField", "SQLGetDiagRec",
    "SQLGetInfo", "SQLGetStmtAttr", "SQLGetTypeInfo", "SQLNativeSql", "SQLPrepare",
    "SQLPrimaryKeys", "SQLProcedureColumns", "SQLProcedures", "SQLSetConnectAttr",
    "SQLSetCursorName", "SQLSetDescField", "SQLSpecialColumns", "SQLStatistics",
    "SQLTablePrivileges", "SQLTables", "SQLExecDirect", "SQLError",
)
# ODBC 3 Core and Level 1 functions every client may resolve (plus the extras).
REQUIRED = (
    "SQLAllocHandle", "SQLBindCol", "SQLBindParameter", "SQLCancel", "SQLCloseCursor",
    "SQLColAttribute", "SQLColumns", "SQLConnect", "SQLCopyDesc", "SQLDescribeCol",
    "SQLDescribeParam", "SQLDisconnect", "SQLDriverConnect", "SQLEndTran", "SQLExecDirect",
    "SQLExecute", "SQLFetch", "SQLFetchScroll", "SQLForeignKeys", "SQLFreeHandle",
    "SQLFreeStmt", "SQLGetConnectAttr", "SQLGetCursorName", "SQLGetData", "SQLGetDescField",
    "SQLGetDescRec", "SQLGetDiagField", "SQLGetDiagRec", "SQLGetEnvAttr", "SQLGetFunctions",
    "SQLGetInfo", "SQLGetStmtAttr", "SQLGetTypeInfo", "SQLMoreResults", "SQLNativeSql",
    "SQLNumParams", "SQLNumResultCols", "SQLParamData", "SQLPrepare", "SQLPrimaryKeys",
    "SQLProcedureColumns", "SQLProcedures", "SQLPutData", "SQLRowCount", "SQLSetConnectAttr",
    "SQLSetCursorName", "SQLSetDescField", "SQLSetDescRec", "SQLSetEnvAttr", "SQLSetStmtAttr",
    "SQLSpecialColumns", "SQLStatistics", "SQLTables", "SQLColumnPrivileges",
    "SQLTablePrivileges", "SQLExtendedFetch",
)
CHILD_TIMEOUT = 600

COMBOS = (("unixodbc", "ansi"), ("unixodbc", "wide"), ("iodbc", "ansi"), ("iodbc", "wide"))


def load_known_failures():
    """known-failures.txt: 'test name prefix | reason' lines for driver bugs already
    reported. Such a failure prints XFAIL and does not fail the run; a pass prints
    XPASS and fails it, so that the line is removed once the bug is fixed."""
    known = []
    path = os.path.join(HERE, "known-failures.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and not line.startswith("#") and "|" in line:
                    name, reason = line.split("|", 1)
                    known.append((name.strip(), reason.strip()))
    return known


class Results:
    def __init__(self):
        self.passed = []
        self.failed = []
        self.skipped = []
        self.xfailed = []
        self.known = load_known_failures()

    def known_reason(self, name):
        for prefix, reason in self.known:
            if name.startswith(prefix):
                return reason
        return None

    def skip(self, name, why):
        self.skipped.append(name)
        print("SKIP %s: %s" % (name, why), flush=True)

    def ok(self, name):
        reason = self.known_reason(name)
        if reason is not None and "expected output written" not in name:
            self.failed.append(name)
            print("XPASS %s: listed in known-failures.txt (%s); remove the line" % (name, reason),
                  flush=True)
            return
        self.passed.append(name)
        print("PASS %s" % name, flush=True)

    def fail(self, name, detail):
        reason = self.known_reason(name)
        if reason is not None:
            self.xfailed.append(name)
            print("XFAIL %s: %s" % (name, reason), flush=True)
            if detail and os.environ.get("KODBC_SHOW_XFAIL"):
                print(detail.rstrip("\n"), flush=True)
            return
        self.failed.append(name)
        print("FAIL %s" % name, flush=True)
        if detail:
            print(detail.rstrip("\n"), flush=True)


def diff_text(expected, actual, label):
    lines = list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                      "expected/" + label, "actual/" + label, n=2))
    if len(lines) > 120:
        lines = lines[:120] + ["... (%d more diff lines)\n" % (len(lines) - 120)]
    return "".join(lines)


def check_output(results, name, actual, expected_path, update):
    if update:
        with open(expected_path, "w", encoding="utf-8") as fh:
            fh.write(actual)
        results.ok(name + " (expected output written)")
        return
    if not os.path.exists(expected_path):
        results.fail(name, "missing expected output %s (run with --update, then read it)" % expected_path)
        return
    with open(expected_path, encoding="utf-8") as fh:
        expected = fh.read()
    if expected == actual:
        results.ok(name)
    else:
        results.fail(name, diff_text(expected, actual, os.path.basename(expected_path)))


def run_child(cmd, env, stdin=None):
    try:
        p = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True,
                           encoding="utf-8", errors="replace", timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % CHILD_TIMEOUT
    return p.returncode, p.stdout, p.stderr


def suite_exports(results, oenv, args):
    """Only SQL* symbols, complete A and W sets, no driver manager linked in."""
    rc, out, err = run_child(["nm", "-D", "--defined-only", oenv.driver], None)
    if rc != 0:
        results.fail("exports: nm", err)
        return
    syms = {ln.split()[-1] for ln in out.splitlines() if ln.strip()}
    stray = sorted(s for s in syms if not s.startswith("SQL") and s not in ("ConfigDSN", "ConfigDriver"))
    if stray:
        results.fail("exports: only SQL* symbols", "other symbols: %s" % ", ".join(stray[:40]))
    else:
        results.ok("exports: only SQL* symbols")
    missing = [f for f in REQUIRED if f not in syms]
    missing += [f + "W" for f in STRING_FUNCTIONS if f in syms and f + "W" not in syms]
    missing += [f for f in STRING_FUNCTIONS if f + "W" in syms and f not in syms]
    if missing:
        results.fail("exports: complete ANSI and W sets", "missing: %s" % ", ".join(missing))
    else:
        results.ok("exports: complete ANSI and W sets")
    rc, out, err = run_child(["readelf", "-d", oenv.driver], None)
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", out)
    linked = [n for n in needed if re.match(r"lib(i?odbc|iodbcinst|odbcinst)\b", n)]
    if rc != 0 or linked:
        results.fail("exports: no driver manager linked", "NEEDED: %s %s" % (needed, err))
    else:
        results.ok("exports: no driver manager linked")


def spec_combos(spec):
    """The runs of a spec: all four, unless a '#! modes: dm/mode ...' line narrows them
    (with a comment saying which manager limitation makes that necessary)."""
    with open(spec, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#! modes:"):
                wanted = [tuple(m.split("/")) for m in line.split(":", 1)[1].split()]
                return tuple(c for c in COMBOS if c in wanted)
    return COMBOS


# A line of an expected file that holds for some runs only starts with the runs it holds
# for: "[iodbc] ", "[iodbc/wide] ", "[unixodbc/ansi,iodbc/ansi] ". Such lines record what
# a driver manager itself does differently (the spec says why in a comment above the
# call); every other line must hold for all four runs.
RUN_TAG = re.compile(r"^\[((?:unixodbc|iodbc)(?:/(?:ansi|wide))?(?:,(?:unixodbc|iodbc)(?:/(?:ansi|wide))?)*)\] ")


def tag_matches(tag, combo):
    for part in tag.split(","):
        dm, _, mode = part.partition("/")
        if dm == combo[0] and mode in ("", combo[1]):
            return True
    return False


def expected_for(text, combo):
    """The expected output of one run: untagged lines plus the lines tagged for it."""
    out = []
    for line in text.splitlines(True):
        m = RUN_TAG.match(line)
        if m is None:
            out.append(line)
        elif tag_matches(m.group(1), combo):
            out.append(line[m.end():])
    return "".join(out)


def tag_for(combos, run):
    """The shortest tag naming exactly the runs in `combos` (out of the spec's `run`)."""
    parts = []
    for dm in ("unixodbc", "iodbc"):
        mine = [c for c in run if c[0] == dm]
        have = [c for c in mine if c in combos]
        if have and len(have) == len(mine):
            parts.append(dm)
        else:
            parts += ["%s/%s" % c for c in have]
    return ",".join(parts)


def merge_outputs(outputs, run):
    """One expected text for several runs: lines common to all stay plain, the others
    are tagged with the runs that print them (see RUN_TAG)."""
    merged = [(ln, {run[0]}) for ln in outputs[run[0]].splitlines(True)]
    for combo in run[1:]:
        lines = outputs[combo].splitlines(True)
        sm = difflib.SequenceMatcher(None, [m[0] for m in merged], lines, autojunk=False)
        out = []
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                out += [(ln, combos | {combo}) for ln, combos in merged[i1:i2]]
            else:
                out += merged[i1:i2]
                out += [(ln, {combo}) for ln in lines[j1:j2]]
        merged = out
    text = ""
    for ln, combos in merged:
        if len(combos) == len(run):
            text += ln
        else:
            text += "[%s] %s" % (tag_for(combos, run), ln)
    for combo in run:
        if expected_for(text, combo) != outputs[combo]:
            raise RuntimeError("merging the outputs of %s failed for %s" % (run, combo))
    return text


def suite_specs(results, oenv, args):
    specs = sorted(glob.glob(os.path.join(HERE, "specs", "*.txt")))
    if args.filter:
        specs = [s for s in specs if re.search(args.filter, os.path.basename(s))]
    for spec in specs:
        base = os.path.basename(spec)[:-4]
        outputs = {}
        combos = spec_combos(spec)
        for dm, mode in combos:
            env = oenv.env(dm)
            env["KODBC_DSN"] = odbcenv.DSN_WIDE if mode == "wide" else odbcenv.DSN_ANSI
            lib = odbcenv.find_lib("libiodbc.so.2" if dm == "iodbc" else "libodbc.so.2",
                                   odbcenv.IODBC if dm == "iodbc" else odbcenv.UNIXODBC)
            rc, out, err = run_child([sys.executable, os.path.join(HERE, "odbcrun.py"),
                                      "--dm", lib, "--mode", mode, spec], env)
            if rc != 0:
                out += "\n[runner exit status %s]\n%s" % (rc, err[-2000:])
            outputs[(dm, mode)] = out
        expected_path = os.path.join(HERE, "specs", base + ".out")
        if args.update:
            try:
                merged = merge_outputs(outputs, combos)
            except RuntimeError as e:
                results.fail("spec %s (expected output not written)" % base, str(e))
                continue
            with open(expected_path, "w", encoding="utf-8") as fh:
                fh.write(merged)
            results.ok("spec %s (expected output written)" % base)
            continue
        if not os.path.exists(expected_path):
            for combo in combos:
                results.fail("spec %s [%s/%s]" % ((base,) + combo),
                             "missing expected output %s (run with --update, then read it)"
                             % expected_path)
            continue
        with open(expected_path, encoding="utf-8") as fh:
            expected = fh.read()
        for combo in combos:
            name = "spec %s [%s/%s]" % ((base,) + combo)
            want = expected_for(expected, combo)
            if outputs[combo] == want:
                results.ok(name)
            else:
                results.fail(name, diff_text(want, outputs[combo], base + ".out (%s/%s)" % combo))


def normalise_session(text, oenv):
    text = text.replace(oenv.url, "$URL").replace(oenv.driver, "$DRIVER")
    # iodbctest prints its own and the DM's version banner: keep what we test.
    text = re.sub(r"(?m)^iODBC Demonstration program.*\n", "", text)
    text = re.sub(r"(?m)^This program shows an interactive SQL processor.*\n", "", text)
    text = re.sub(r"(?m)^Driver Manager: .*\n", "Driver Manager: <version>\n", text)
    text = re.sub(r"(?m)^Driver: .*\n", "Driver: <version>\n", text)
    return text


IODBCTEST_EXAMPLE = "/usr/share/doc/libiodbc2-dev/examples/iodbctest.c.gz"


def build_iodbctestw(oenv):
    """iodbctestw, the W build of iodbctest: no Debian package ships the binary, but
    libiodbc2-dev ships iodbctest.c, which upstream compiles with -DUNICODE to make it.
    Returns (path, None) or (None, why not)."""
    if shutil.which("iodbctestw"):
        return shutil.which("iodbctestw"), None
    cc = shutil.which("cc")
    if not (cc and shutil.which("iodbc-config") and os.path.exists(IODBCTEST_EXAMPLE)):
        return None, ("no Debian package ships it; with libiodbc2-dev installed (its "
                      "iodbctest.c example and iodbc-config) the suite builds it")
    src = os.path.join(oenv.dir, "iodbctest.c")
    exe = os.path.join(oenv.dir, "iodbctestw")
    with gzip.open(IODBCTEST_EXAMPLE, "rb") as fin, open(src, "wb") as fout:
        fout.write(fin.read())
    flags = subprocess.run(["iodbc-config", "--cflags", "--libs"], capture_output=True,
                           text=True).stdout.split()
    p = subprocess.run([cc, "-DUNICODE", "-o", exe, src] + flags, capture_output=True, text=True)
    if p.returncode != 0:
        return None, "building it from %s failed: %s" % (IODBCTEST_EXAMPLE, p.stderr[-500:])
    return exe, None


def suite_sessions(results, oenv, args):
    iodbctestw, why = build_iodbctestw(oenv)
    tools = (
        ("isql", "unixodbc", lambda dsn: ["isql", dsn, "-b", "-v"], odbcenv.DSN_ANSI),
        ("iusql", "unixodbc", lambda dsn: ["iusql", dsn, "-b", "-v"], odbcenv.DSN_WIDE),
        ("iodbctest", "iodbc", lambda dsn: ["iodbctest", "DSN=" + dsn], odbcenv.DSN_ANSI),
        ("iodbctestw", "iodbc", lambda dsn: [iodbctestw, "DSN=" + dsn], odbcenv.DSN_WIDE),
    )
    for sql_path in sorted(glob.glob(os.path.join(HERE, "sessions", "*.sql"))):
        base = os.path.basename(sql_path)[:-4]
        if args.filter and not re.search(args.filter, base):
            continue
        with open(sql_path, encoding="utf-8") as fh:
            statements = [ln for ln in fh.read().splitlines() if ln.strip() and not ln.startswith("--")]
        for tool, dm, cmd, dsn in tools:
            if tool == "iodbctestw" and iodbctestw is None:
                results.skip("session %s [%s]" % (base, tool), why)
                continue
            if tool != "iodbctestw" and shutil.which(tool) is None:
                results.skip("session %s [%s]" % (base, tool), "%s is not installed" % tool)
                continue
            macro = "tables" if tool.startswith("iodbctest") else "help"
            stdin = "\n".join(macro if s.strip() == "@tables" else s for s in statements) + "\n"
            if tool.startswith("iodbctest"):
                stdin += "quit\n"
            env = oenv.env(dm)
            if tool == "iodbctest":
                # Debian's iodbctest links iODBC statically: no symbol probe can see the
                # manager, so the driver is told its width the documented way. (The
                # iodbctestw built here links libiodbc.so.2, which the driver detects.)
                env["KINTONE_ODBC_WCHAR"] = "ucs4"
            rc, out, err = run_child(cmd(dsn), env, stdin)
            actual = "exit status %s\n%s%s" % (rc, out, ("stderr:\n" + err) if err.strip() else "")
            actual = normalise_session(actual, oenv)
            check_output(results, "session %s [%s]" % (base, tool), actual,
                         os.path.join(HERE, "sessions", "%s.%s.out" % (base, tool)), args.update)


def run_unittest(results, name, script, env, extra=(), interpreter=None):
    rc, out, err = run_child([interpreter or sys.executable, script, *extra], env)
    if rc == 0:
        results.ok(name)
    else:
        results.fail(name, (out + err)[-6000:])


def suite_pyodbc(results, oenv, args):
    script = os.path.join(HERE, "test_pyodbc.py")
    for dm in ("unixodbc", "iodbc"):
        env = oenv.env(dm)
        env["KODBC_DM"] = dm
        run_unittest(results, "pyodbc [%s]" % dm, script, env)
        run_unittest(results, "pyodbc procedures [%s]" % dm,
                     os.path.join(HERE, "test_procedures.py"), env)


def suite_requests(results, oenv, args):
    """Exact request counts per query (issue 15, P4), under unixODBC."""
    env = oenv.env("unixodbc")
    env["KODBC_DM"] = "unixodbc"
    env["KODBC_DM_LIB"] = odbcenv.find_lib("libodbc.so.2", odbcenv.UNIXODBC)
    # Discovery is counted on a domain with 300 more apps, a sandbox of its own.
    many = odbcenv.Sandbox(os.path.abspath(args.sandbox),
                           ("--large-records", "100", "--extra-apps", "300"))
    try:
        env["KODBC_MANY_APPS_URL"] = many.url
        run_unittest(results, "requests per query [unixodbc]",
                     os.path.join(HERE, "test_requests.py"), env)
    finally:
        many.stop()


def suite_writes(results, oenv, args):
    """test_writes.py under both driver managers, each against a sandbox of its own: the
    rows it writes must not meet the other suites' expected outputs."""
    for dm in ("unixodbc", "iodbc"):
        sandbox = odbcenv.Sandbox(os.path.abspath(args.sandbox), ("--large-records", "100"))
        wenv = odbcenv.OdbcEnv(oenv.driver, sandbox.url)
        try:
            env = wenv.env(dm)
            env["KODBC_DM"] = dm
            run_unittest(results, "pyodbc writes [%s]" % dm,
                         os.path.join(HERE, "test_writes.py"), env)
            if dm == "unixodbc":
                # DBD::ODBC is built against unixODBC.
                run_unittest(results, "Perl DBD::ODBC writes [unixodbc]",
                             os.path.join(HERE, "test_writes.pl"), env, interpreter="perl")
        finally:
            sandbox.stop()
            wenv.cleanup()


def suite_arrow(results, oenv, args):
    run_unittest(results, "arrow-odbc [unixodbc]", os.path.join(HERE, "test_arrow.py"),
                 oenv.env("unixodbc"))


def suite_libreoffice(results, oenv, args):
    """LibreOffice Base through UNO (headless soffice, its ODBC bridge over unixODBC),
    run by Debian's python3, which has the uno module."""
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import uno"], capture_output=True) \
        if os.path.exists(python) else None
    if shutil.which("soffice") is None or probe is None or probe.returncode != 0:
        results.fail("LibreOffice Base [unixodbc]",
                     "soffice or python3-uno is missing (scripts/test.sh installs them)")
        return
    # A sandbox of its own: the test edits, adds and deletes rows.
    sandbox = odbcenv.Sandbox(os.path.abspath(args.sandbox))
    lenv = odbcenv.OdbcEnv(oenv.driver, sandbox.url)
    try:
        run_unittest(results, "LibreOffice Base [unixodbc]",
                     os.path.join(HERE, "test_libreoffice.py"), lenv.env("unixodbc"),
                     interpreter=python)
    finally:
        sandbox.stop()
        lenv.cleanup()


# DSNs of the client suites besides KintoneA/KintoneW (labels as column names): field codes
# as column names, so that a result lines up with the REST reference (restref.py), and a
# guest-space DSN, which sees that space's apps only.
CLIENT_DSNS = {"KintoneCodes": {"UseCodeForFieldName": "true"},
               "KintoneGuest": {"UseCodeForFieldName": "true", "GuestSpaceId": "2"}}


def run_client(results, args, oenv, name, cmd, cwd=None):
    """One real client's test script against a sandbox of its own (it writes at the end),
    with the sandbox's REST answers in KODBC_REST_REF. The script prints one line a check
    and "1..N" at the end, and exits non-zero on the first failed check."""
    sandbox = odbcenv.Sandbox(os.path.abspath(args.sandbox))
    cenv = odbcenv.OdbcEnv(oenv.driver, sandbox.url, more_dsns=CLIENT_DSNS)
    try:
        ref = os.path.join(cenv.dir, "rest-reference.json")
        rc, out, err = run_child([sys.executable, os.path.join(HERE, "restref.py"),
                                  sandbox.url, ref], None)
        if rc != 0:
            results.fail(name, "reading the REST reference failed:\n" + (out + err)[-3000:])
            return
        env = cenv.env("unixodbc")
        env.update(KODBC_REST_REF=ref, KODBC_DSN_CODES="KintoneCodes",
                   KODBC_DSN_GUEST="KintoneGuest")
        try:
            p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True,
                               encoding="utf-8", errors="replace", timeout=CHILD_TIMEOUT)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", "timed out after %ds" % CHILD_TIMEOUT
        if os.environ.get("KODBC_SHOW_CHECKS"):
            print(out, end="", flush=True)
        plan = re.findall(r"(?m)^1\.\.(\d+)$", out)
        if rc == 0 and plan:
            results.ok("%s: %s checks" % (name, plan[-1]))
        else:
            results.fail(name, "exit status %s\n%s%s" % (rc, out[-4000:], err[-3000:]))
    finally:
        sandbox.stop()
        cenv.cleanup()


def suite_rodbc(results, oenv, args):
    """R with RODBC (Debian r-cran-rodbc, over unixODBC): test_rodbc.R."""
    if shutil.which("Rscript") is None:
        results.fail("R RODBC [unixodbc]", "Rscript is missing (scripts/test.sh installs "
                     "r-base-core, r-cran-rodbc, r-cran-jsonlite)")
        return
    run_client(results, args, oenv, "R RODBC [unixodbc]",
               ["Rscript", os.path.join(HERE, "test_rodbc.R")])


def suite_perl(results, oenv, args):
    """Perl DBI with DBD::ODBC (Debian libdbd-odbc-perl, built against unixODBC)."""
    run_client(results, args, oenv, "Perl DBD::ODBC [unixodbc]",
               ["perl", os.path.join(HERE, "test_dbd_odbc.pl")])


def suite_node(results, oenv, args):
    """node-odbc (npm `odbc`, pinned in node/package-lock.json), built from source against
    unixODBC by node/build.sh when it is not built yet."""
    node_dir = os.path.join(HERE, "node")
    probe = subprocess.run(["node", "-e", "require('odbc')"], cwd=node_dir, capture_output=True) \
        if shutil.which("node") else None
    if probe is None:
        results.fail("node-odbc [unixodbc]", "node is missing (scripts/test.sh installs it)")
        return
    if probe.returncode != 0:
        rc, out, err = run_child([os.path.join(node_dir, "build.sh")], None)
        if rc != 0:
            results.fail("node-odbc [unixodbc]", "node/build.sh failed:\n" + (out + err)[-3000:])
            return
    run_client(results, args, oenv, "node-odbc [unixodbc]",
               ["node", os.path.join(node_dir, "test_node_odbc.js")], cwd=node_dir)


def suite_garbage(results, oenv, args):
    script = os.path.join(HERE, "garbage.py")
    env = oenv.env("none")
    for k in ("ODBCINSTINI", "ODBCINI", "SYSODBCINSTINI", "SYSODBCINI", "LD_LIBRARY_PATH"):
        env.pop(k, None)
    rc, out, err = run_child([sys.executable, script, oenv.driver], env)
    actual = "exit status %s\n%s" % (rc, out)
    if err.strip():
        actual += "stderr:\n" + err
    if rc != 0:
        # A crash or a VIOLATION line is a failure whatever the expected file says.
        results.fail("garbage (exit status %s)" % rc, actual[-4000:])
        return
    check_output(results, "garbage", actual, os.path.join(HERE, "garbage.out"), args.update)


def suite_badinput(results, oenv, args):
    """badinput.py: many bad calls, directly and through unixODBC, each batch in a child;
    passes with 0 crashes, 0 hangs and only valid return codes."""
    script = os.path.join(HERE, "badinput.py")
    cmd = [sys.executable, script, "--driver", oenv.driver, "--url", oenv.url,
           "--dm", odbcenv.find_lib("libodbc.so.2", odbcenv.UNIXODBC)]
    try:
        p = subprocess.run(cmd, env=oenv.env("unixodbc"), capture_output=True, text=True,
                           encoding="utf-8", errors="replace", timeout=3600)
    except subprocess.TimeoutExpired:
        results.fail("badinput", "the suite itself did not finish within an hour")
        return
    print(p.stdout, end="", flush=True)
    summary = (p.stdout.strip().splitlines() or [""])[-1]
    if p.returncode != 0 or not summary.startswith("cases "):
        results.fail("badinput", (p.stdout + p.stderr)[-4000:])
    else:
        results.ok("badinput: " + summary)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--driver", required=True, help="path of libkintoneodbc.so")
    ap.add_argument("--sandbox", required=True, help="path of the kintone-sandbox binary")
    ap.add_argument("--suite", action="append", choices=SUITES,
                    help="run only this suite (repeatable; default: all)")
    ap.add_argument("--filter", help="regular expression: only specs/sessions whose name matches")
    ap.add_argument("--update", action="store_true",
                    help="write expected outputs from this run (then READ them)")
    args = ap.parse_args()
    driver = os.path.abspath(args.driver)
    if not os.path.exists(driver):
        print("error: driver library %s does not exist" % driver, file=sys.stderr)
        return 2
    results = Results()
    sandbox = odbcenv.Sandbox(os.path.abspath(args.sandbox))
    oenv = odbcenv.OdbcEnv(driver, sandbox.url)
    try:
        for suite in args.suite or SUITES:
            print("\n--- %s ---" % suite, flush=True)
            globals()["suite_" + suite](results, oenv, args)
    finally:
        sandbox.stop()
        oenv.cleanup()
    print("\n%d passed, %d failed, %d known failures (known-failures.txt), %d skipped" % (
        len(results.passed), len(results.failed), len(results.xfailed), len(results.skipped)))
    for name in results.failed:
        print("  failed: %s" % name)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
