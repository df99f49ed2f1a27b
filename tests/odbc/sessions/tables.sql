-- List the tables (isql: help; iodbctest: tables)
@tables
