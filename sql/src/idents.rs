//! Column names resolve the way table names do (`KintoneSchema::find`): the exact
//! name first, else the one column whose name differs only in case. ODBC tools send
//! names in a case of their own (`country` for `Country`); a table name already
//! matched that way, a column name did not, and `SQLGetInfo(SQL_IDENTIFIER_CASE)`
//! could say neither. The rewrite runs on the parsed statement, before planning, and
//! only looks at the columns of the tables the statement names.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_relations, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr,
    Statement, TableFactor, Visit, VisitMut, Visitor, VisitorMut,
};

/// Rewrites column references that match no column exactly but exactly one column of
/// the statement's tables case-insensitively. `columns_of` gives a table's columns
/// (by the name as written, resolved as the schema resolves it). Names the statement
/// itself defines (select-list and table aliases, CTE names) are left alone.
pub fn fold_column_case(stmt: &mut Statement, columns_of: &dyn Fn(&str) -> Option<Vec<String>>) {
    let mut columns: Vec<String> = Vec::new();
    let _ = visit_relations(&*stmt, |name: &ObjectName| {
        if let Some(ObjectNamePart::Identifier(table)) = name.0.last() {
            columns.extend(columns_of(&table.value).unwrap_or_default());
        }
        ControlFlow::<()>::Continue(())
    });
    if columns.is_empty() {
        return;
    }
    let mut defined = Defined::default();
    let _ = Visit::visit(&*stmt, &mut defined);
    let exact: HashSet<&str> = columns.iter().map(String::as_str).collect();
    // Lower-cased name -> the one spelling, or `None` when two spellings compete.
    let mut by_lower: HashMap<String, Option<&str>> = HashMap::new();
    for c in &exact {
        by_lower
            .entry(c.to_lowercase())
            .and_modify(|v| {
                if *v != Some(*c) {
                    *v = None
                }
            })
            .or_insert(Some(*c));
    }
    let mut folder = Folder {
        exact: &exact,
        by_lower: &by_lower,
        defined: &defined.names,
    };
    let _ = stmt.visit(&mut folder);
}

/// Names a statement defines itself.
#[derive(Default)]
struct Defined {
    names: HashSet<String>,
}

impl Visitor for Defined {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.names.insert(cte.alias.name.value.clone());
            }
        }
        if let SetExpr::Select(s) = q.body.as_ref() {
            for item in &s.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    self.names.insert(alias.value.clone());
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { alias: Some(a), .. }
        | TableFactor::Derived { alias: Some(a), .. } = t
        {
            self.names.insert(a.name.value.clone());
        }
        ControlFlow::Continue(())
    }
}

struct Folder<'a> {
    exact: &'a HashSet<&'a str>,
    by_lower: &'a HashMap<String, Option<&'a str>>,
    defined: &'a HashSet<String>,
}

impl Folder<'_> {
    fn fold(&self, id: &mut Ident) {
        if self.exact.contains(id.value.as_str()) || self.defined.contains(&id.value) {
            return;
        }
        if let Some(Some(name)) = self.by_lower.get(&id.value.to_lowercase()) {
            id.value = (*name).to_string();
        }
    }
}

impl VisitorMut for Folder<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(id) => self.fold(id),
            // `t.col`: only the column part; the qualifier is a table or an alias.
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                if let Some(last) = parts.last_mut() {
                    self.fold(last);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Gives each unnamed expression of the outer select list the name the user wrote
/// (`upper("Company name")`, `CAST("Credit limit" AS VARCHAR)`, `1`) instead of the
/// engine's (`upper(Customers.Company name)`, `Int64(1)`), which is what SQLDescribeCol
/// and every tool show. Plain column references keep their column's name.
pub fn name_unnamed_columns(stmt: &mut Statement) {
    let Statement::Query(q) = stmt else {
        return;
    };
    let mut body = q.body.as_mut();
    // A set operation takes its names from its first select.
    while let SetExpr::SetOperation { left, .. } = body {
        body = left.as_mut();
    }
    let SetExpr::Select(select) = body else {
        return;
    };
    for item in select.projection.iter_mut() {
        let SelectItem::UnnamedExpr(e) = item else {
            continue;
        };
        if matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            continue;
        }
        let alias = Ident::with_quote('"', e.to_string());
        *item = SelectItem::ExprWithAlias {
            expr: e.clone(),
            alias,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn fold(sql: &str) -> String {
        let mut stmt = Parser::parse_sql(&GenericDialect {}, sql)
            .unwrap()
            .remove(0);
        let cols = |t: &str| match t.to_lowercase().as_str() {
            "customers" => Some(vec!["Country".into(), "Company name".into(), "$id".into()]),
            "orders" => Some(vec!["Amount".into(), "AMOUNT".into(), "Customer".into()]),
            _ => None,
        };
        fold_column_case(&mut stmt, &cols);
        stmt.to_string()
    }

    #[test]
    fn a_case_variant_of_one_column_becomes_that_column() {
        assert_eq!(
            fold("SELECT country FROM customers WHERE country = 'Japan'"),
            "SELECT Country FROM customers WHERE Country = 'Japan'"
        );
        assert_eq!(
            fold(r#"SELECT c."company NAME" FROM Customers c"#),
            r#"SELECT c."Company name" FROM Customers c"#
        );
    }

    fn named(sql: &str) -> String {
        let mut stmt = Parser::parse_sql(&GenericDialect {}, sql)
            .unwrap()
            .remove(0);
        name_unnamed_columns(&mut stmt);
        stmt.to_string()
    }

    #[test]
    fn expressions_are_named_as_written() {
        assert_eq!(
            named(r#"SELECT "$id", upper("Company name"), CAST(x AS VARCHAR), 1 AS one, 2 FROM t"#),
            r#"SELECT "$id", upper("Company name") AS "upper(""Company name"")", CAST(x AS VARCHAR) AS "CAST(x AS VARCHAR)", 1 AS one, 2 AS "2" FROM t"#
        );
        assert_eq!(
            named("SELECT a + 1 FROM t UNION SELECT b FROM u"),
            r#"SELECT a + 1 AS "a + 1" FROM t UNION SELECT b FROM u"#
        );
    }

    #[test]
    fn exact_ambiguous_and_defined_names_stay() {
        // Two columns differ only in case: the name stays as written.
        assert_eq!(
            fold("SELECT amount FROM orders"),
            "SELECT amount FROM orders"
        );
        assert_eq!(
            fold("SELECT AMOUNT FROM orders"),
            "SELECT AMOUNT FROM orders"
        );
        // An alias the statement defines is not a column.
        assert_eq!(
            fold("SELECT Country AS COUNTRY FROM customers ORDER BY COUNTRY"),
            "SELECT Country AS COUNTRY FROM customers ORDER BY COUNTRY"
        );
        // No known table: nothing to fold against.
        assert_eq!(
            fold("SELECT country FROM elsewhere"),
            "SELECT country FROM elsewhere"
        );
    }
}
