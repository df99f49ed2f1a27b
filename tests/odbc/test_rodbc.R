# R with RODBC (Debian's r-cran-rodbc, over unixODBC) as a user meets it: the catalog,
# every app of the demo read and compared cell by cell with the sandbox's REST answers
# (restref.py's JSON, in KODBC_REST_REF), a filter pushed to Kintone, a join, BIGINT and
# label column names, and a data frame written through bound parameters, with the
# sandbox's request log checked for what the driver sent.
#
# RODBC 1.3 binds parameters only in sqlSave/sqlUpdate (odbcUpdate: one SQLExecute per
# data-frame row, no ODBC parameter arrays) and has no parameterised SELECT. sqlSave
# cannot append to an app: it lists every column of the table in its INSERT (the
# read-only `$id`, mangled to `id`, among them), so the data frame goes in through
# sqlUpdate, keyed on the unique `customer_code`.
#
# Environment (set by suite.py): KODBC_URL, KODBC_DSN_CODES (column names are field codes),
# KODBC_DSN_ANSI (labels), KODBC_DSN_GUEST (GuestSpaceId=2), KODBC_REST_REF. Prints one
# line a check and stops at the first failed one, naming it.
suppressPackageStartupMessages({
  library(RODBC)
  library(jsonlite)
})

url <- Sys.getenv("KODBC_URL")
ref <- fromJSON(Sys.getenv("KODBC_REST_REF"), simplifyVector = TRUE)
tabs <- ref$tables
checks <- 0L

check <- function(ok, what) {
  checks <<- checks + 1L
  if (!isTRUE(ok)) {
    cat("FAIL:", what, "\n")
    quit(status = 1)
  }
  cat("ok", checks, "-", what, "\n")
}

log_since <- function(seq) fromJSON(sprintf("%s/sandbox/requests?since=%d", url, seq),
                                     simplifyVector = FALSE)$requests
last_seq <- function() fromJSON(paste0(url, "/sandbox/requests"))$last_seq
record_reads <- function(seq) Filter(function(r) r$effective_method == "GET" &&
                                      r$api %in% c("records", "records/cursor"), log_since(seq))
writes_since <- function(seq) Filter(function(r) r$effective_method != "GET", log_since(seq))
queries <- function(reads) vapply(reads, function(r) r$params$query, "")
rest_get <- function(path) {
  con <- url(paste0(url, path), headers = c("X-Cybozu-Authorization" =
                                              base64_enc(charToRaw("demo:demo"))))
  on.exit(close(con))
  fromJSON(paste(readLines(con, warn = FALSE, encoding = "UTF-8"), collapse = "\n"),
           simplifyVector = FALSE)
}

# A column as RODBC returns it (as.is = TRUE: the driver's text), in restref.py's
# canonical form for its kind: exact decimal text without trailing zeros.
canonical <- function(kind, v) {
  v <- as.character(v)
  if (kind == "decimal") v <- ifelse(grepl(".", v, fixed = TRUE), sub("\\.?0+$", "", v), v)
  if (kind == "timestamp") v <- sub("\\.0+$", "", v)
  v
}

# Every cell of a data frame against the reference rows of a table: "" when equal,
# else the first difference.
same_cells <- function(table, df, want_rows) {
  t <- tabs[[table]]
  if (!identical(names(df), t$columns))
    return(paste("columns", paste(names(df), collapse = ","), "differ from REST's"))
  if (nrow(df) != nrow(want_rows))
    return(sprintf("%d rows, REST has %d", nrow(df), nrow(want_rows)))
  for (c in seq_along(t$columns)) {
    got <- canonical(t$kinds[[t$columns[c]]], df[[c]])
    want <- want_rows[, c]
    bad <- which(!((is.na(got) & is.na(want)) | (!is.na(got) & !is.na(want) & got == want)))
    if (length(bad))
      return(sprintf("row %d ($id %s) column %s: got %s, REST %s", bad[1], want_rows[bad[1], 1],
                     t$columns[c], deparse(got[bad[1]]), deparse(want[bad[1]])))
  }
  ""
}
rows_of <- function(table) tabs[[table]]$rows
col_of <- function(table, name) rows_of(table)[, match(name, tabs[[table]]$columns)]
q <- function(ch, sql, ...) sqlQuery(ch, sql, errors = TRUE, stringsAsFactors = FALSE, ...)
read_table <- function(ch, table) {
  key <- paste0('"', tabs[[table]]$key, '"', collapse = ", ")
  q(ch, sprintf('SELECT * FROM "%s" ORDER BY %s', table, key), as.is = TRUE)
}

ch <- odbcConnect(Sys.getenv("KODBC_DSN_CODES"))
check(inherits(ch, "RODBC"), "odbcConnect to the DSN")
start <- last_seq()

# The catalog: sqlTables (SQLTables) and sqlColumns (SQLColumns).
want_tables <- sort(setdiff(names(tabs), "Guest Tasks"))
got_tables <- sort(sqlTables(ch, tableType = "TABLE")$TABLE_NAME)
check(identical(got_tables, want_tables),
      paste("sqlTables lists the apps and subtables:", paste(got_tables, collapse = ", ")))
for (table in want_tables)
  check(identical(sqlColumns(ch, table)$COLUMN_NAME, tabs[[table]]$columns),
        sprintf("sqlColumns(%s) names REST's fields in order", table))

# Every app read whole, compared cell by cell.
for (table in want_tables) {
  seq <- last_seq()
  df <- read_table(ch, table)
  diff <- same_cells(table, df, rows_of(table))
  check(diff == "", sprintf("%s: every cell equals REST's (%s)", table,
                            if (diff == "") paste(nrow(df), "rows") else diff))
  apps <- unique(vapply(record_reads(seq), function(r) r$params$app, ""))
  check(identical(apps, as.character(tabs[[table]]$app)),
        sprintf("%s: read from app %d only", table, tabs[[table]]$app))
}

# A filter is pushed: one records request carrying the condition.
seq <- last_seq()
df <- q(ch, 'SELECT * FROM "Events" WHERE "seq" = 12345', as.is = TRUE)
reads <- record_reads(seq)
check(length(reads) == 1 && startsWith(queries(reads), 'seq = "12345"'),
      paste("WHERE seq = 12345 is one records request with the condition:", queries(reads)))
check(same_cells("Events", df, rows_of("Events")[12345, , drop = FALSE]) == "",
      "WHERE seq = 12345 gives REST's record 12345")
seq <- last_seq()
df <- q(ch, "SELECT \"$id\", \"name\" FROM \"Customers\" WHERE \"country\" = 'Japan' ORDER BY \"$id\"",
        as.is = TRUE)
reads <- record_reads(seq)
check(length(reads) == 1 && startsWith(queries(reads), 'country in ("Japan")'),
      "WHERE country = 'Japan' is pushed as country in (\"Japan\")")
japan <- which(col_of("Customers", "country") == "Japan")
check(identical(df$name, col_of("Customers", "name")[japan]),
      sprintf("the Japanese customers are REST's (%d)", length(japan)))

# A join, computed again from the REST answers with merge().
df <- q(ch, paste('SELECT o."$id" AS order_id, c."name" AS customer FROM "Orders" o',
                  'JOIN "Customers" c ON o."customer" = c."customer_code" ORDER BY o."$id"'),
        as.is = TRUE)
want <- merge(data.frame(order_id = col_of("Orders", "$id"), code = col_of("Orders", "customer")),
              data.frame(code = col_of("Customers", "customer_code"),
                         customer = col_of("Customers", "name")))
want <- want[order(as.integer(want$order_id)), ]
check(identical(df$order_id, want$order_id) && identical(df$customer, want$customer),
      sprintf("Orders JOIN Customers equals merge() of the REST answers (%d rows)", nrow(want)))

# BIGINT without as.is: RODBC reads the text and type.convert makes R numbers; ids of
# Kintone records fit (the README's integer64 advice is for DBI/odbc).
df <- q(ch, 'SELECT "$id", "$revision", "credit_limit" FROM "Customers" ORDER BY "$id"')
check(is.numeric(df$`$id`) && identical(as.character(df$`$id`), col_of("Customers", "$id")),
      "BIGINT $id reads as R numbers equal to REST's ids")
check(identical(as.character(df$`$revision`), col_of("Customers", "$revision")),
      "BIGINT $revision reads as REST's revisions")
check(length(writes_since(start)) == 0, "no write request during the reads")

# Labels as column names (the default DSN): not syntactic R names, kept as they are by
# RODBC; data.frame() keeps them only with check.names = FALSE (the README's advice).
lab <- odbcConnect(Sys.getenv("KODBC_DSN_ANSI"))
df <- q(lab, 'SELECT "$id", "Company name", "Credit limit" FROM "Customers" WHERE "$id" = 2', as.is = TRUE)
check(identical(names(df), c("$id", "Company name", "Credit limit")),
      "labels are the column names of the default DSN")
check(identical(df$`Company name`, "Globex") && canonical("decimal", df$`Credit limit`) == "50000",
      "labelled columns read Globex, 50000")
check(identical(names(data.frame(df, check.names = FALSE)), names(df)) &&
        identical(names(data.frame(df))[2], "Company.name"),
      "data.frame(check.names = FALSE) keeps labels; the default mangles them")
n <- q(lab, 'SELECT COUNT(*) AS n FROM "日本語アプリ" WHERE "金額" > 10000')$n
want <- sum(as.numeric(col_of("日本語アプリ", "金額")) > 10000, na.rm = TRUE)
check(n == want, sprintf("COUNT(*) of 日本語アプリ WHERE 金額 > 10000 is REST's %d", want))
odbcClose(lab)

# The guest-space app through a DSN with GuestSpaceId.
guest <- odbcConnect(Sys.getenv("KODBC_DSN_GUEST"))
got <- sqlTables(guest, tableType = "TABLE")$TABLE_NAME
check(identical(got, "Guest Tasks"), paste("the guest DSN lists only Guest Tasks:", got))
diff <- same_cells("Guest Tasks", read_table(guest, "Guest Tasks"), rows_of("Guest Tasks"))
check(diff == "", paste("Guest Tasks: every cell equals REST's", diff))
odbcClose(guest)

# A data frame written through bound parameters: sqlUpdate prepares one UPDATE and
# executes it once per row.
upd <- data.frame(customer_code = c("C004", "C005", "C006"),
                  notes = c("from R", "メモ R", "line 1\nline 2"), stringsAsFactors = FALSE)
seq <- last_seq()
sqlUpdate(ch, upd, tablename = "Customers", index = "customer_code")
w <- writes_since(seq)
check(length(w) == 3 && all(vapply(w, function(r) r$effective_method == "PUT", TRUE)),
      sprintf("sqlUpdate of 3 rows makes 3 PUT requests (%d writes)", length(w)))
# customer_code is unique: each row's UPDATE names its record by Kintone's updateKey,
# with no read first.
reads <- record_reads(seq)
check(length(reads) == 0, sprintf("no record is read before the updates (%d reads)", length(reads)))
keys <- vapply(w, function(r) paste0(r$params$updateKey$field, "=", r$params$updateKey$value), "")
check(identical(keys, paste0("customer_code=", upd$customer_code)),
      paste("each PUT names its record by updateKey:", paste(keys, collapse = " | ")))
now <- rest_get("/k/v1/records.json?app=1&query=%24id%20in%20(4%2C5%2C6)%20order%20by%20%24id%20asc")
check(identical(vapply(now$records, function(r) r$notes$value, ""), upd$notes),
      "REST reads the three notes back exactly")
check(identical(q(ch, 'SELECT COUNT(*) AS n FROM "Customers"')$n, 30L), "no record was added or lost")

odbcClose(ch)
cat(sprintf("1..%d\n", checks))
