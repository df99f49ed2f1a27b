//! How each result column is described to ODBC (SQLDescribeCol, SQLColAttribute,
//! SQLColumns, SQLGetTypeInfo): the type mapping of design.md §4.
