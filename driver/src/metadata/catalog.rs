use std::collections::HashMap;
use std::sync::Arc;

use kintone_sql::arrow::array::{ArrayRef, StringArray};
use kintone_sql::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use kintone_sql::arrow::record_batch::RecordBatch;
use kintone_sql::catalog::Catalog;

pub struct Filter<'a> {
    pub catalog: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub name: Option<&'a str>,
    pub metadata_id: bool,
}

pub struct MetaError {
    pub sqlstate: &'static str,
    pub message: String,
}

type Rs = Result<(SchemaRef, Vec<RecordBatch>), MetaError>;

fn text(name: &str) -> Field {
    let mut md = HashMap::new();
    md.insert("odbc.column_size".to_string(), "128".to_string());
    Field::new(name, DataType::Utf8, true).with_metadata(md)
}

pub fn tables(cat: &Catalog, _system: &[&str], f: &Filter, _types: Option<&str>) -> Rs {
    let schema = Arc::new(Schema::new(vec![
        text("TABLE_CAT"),
        text("TABLE_SCHEM"),
        text("TABLE_NAME"),
        text("TABLE_TYPE"),
        text("REMARKS"),
    ]));
    let names: Vec<String> = cat
        .names()
        .into_iter()
        .filter(|n| f.name.is_none_or(|p| p == "%" || p == n))
        .collect();
    let n = names.len();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::from(names)),
        Arc::new(StringArray::from(vec!["TABLE"; n])),
        Arc::new(StringArray::new_null(n)),
    ];
    let b = RecordBatch::try_new(schema.clone(), cols).map_err(|e| MetaError {
        sqlstate: "HY000",
        message: e.to_string(),
    })?;
    Ok((schema, vec![b]))
}

fn empty() -> Rs {
    Ok((Arc::new(Schema::empty()), Vec::new()))
}
pub fn columns(_: &Catalog, _: &Filter, _: Option<&str>, _: crate::encoding::WcharMode) -> Rs {
    empty()
}
pub fn primary_keys(_: &Catalog, _: &str) -> Rs {
    empty()
}
pub fn foreign_keys(_: &Catalog, _: Option<&str>, _: Option<&str>) -> Rs {
    empty()
}
pub fn statistics(_: &Catalog, _: &str, _: bool) -> Rs {
    empty()
}
pub fn special_columns(_: &Catalog, _: u16, _: &str, _: u16, _: u16) -> Rs {
    empty()
}
pub fn procedures(_: &Filter) -> Rs {
    empty()
}
pub fn procedure_columns(_: &Filter, _: Option<&str>) -> Rs {
    empty()
}
pub fn table_privileges(_: &Catalog, _: &Filter) -> Rs {
    empty()
}
pub fn column_privileges(_: &Catalog, _: &Filter, _: Option<&str>) -> Rs {
    empty()
}
