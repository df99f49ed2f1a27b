//! Unit tests of the catalog result sets over a demo-like catalog.

use super::*;
use kintone_sql::arrow::array::Array;

/// A demo-like form (field order as written: the workspace's serde_json keeps it).
fn form(id: u64, name: &str, props: serde_json::Value) -> kintone_sql::catalog::AppForm {
    kintone_sql::catalog::AppForm {
        id,
        name: name.into(),
        properties: serde_json::from_value(props).unwrap(),
    }
}

fn catalog() -> Catalog {
    let customers = serde_json::json!({
        "name": {"type": "SINGLE_LINE_TEXT", "code": "name", "label": "Name"},
        "amount": {"type": "NUMBER", "code": "amount", "label": "Amount", "displayScale": "2"},
    });
    let orders = serde_json::json!({
        "customer": {"type": "SINGLE_LINE_TEXT", "code": "customer", "label": "Customer"},
        "items": {"type": "SUBTABLE", "code": "items", "label": "Items", "fields": {
            "product": {"type": "SINGLE_LINE_TEXT", "code": "product", "label": "Product"}
        }}
    });
    let japanese = serde_json::json!({
        "shimei": {"type": "SINGLE_LINE_TEXT", "code": "shimei", "label": "氏名"},
    });
    let apps = vec![
        form(1, "Customers", customers),
        form(2, "Orders", orders),
        form(3, "顧客リスト", japanese),
        form(4, "Sales_T", serde_json::json!({})),
        form(5, "SalesXT", serde_json::json!({})),
    ];
    let settings = kintone_sql::Settings::new(kintone_api::ClientConfig::new(
        "http://127.0.0.1:1",
        kintone_api::Auth::password("u", "p"),
    ));
    kintone_sql::catalog::build(apps, &settings)
}

const SYSTEM: &[&str] = &["Apps", "FormFields"];

fn one(r: MetaResult) -> RecordBatch {
    let (schema, batches) = r.unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].schema(), schema);
    batches[0].clone()
}

fn strs(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<StringArray>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_string()))
        .collect()
}

fn names(b: &RecordBatch, col: &str) -> Vec<String> {
    strs(b, col).into_iter().map(|v| v.unwrap()).collect()
}

fn i16s(b: &RecordBatch, col: &str) -> Vec<Option<i16>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<Int16Array>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

fn i32s(b: &RecordBatch, col: &str) -> Vec<Option<i32>> {
    let a = b.column_by_name(col).unwrap();
    let a = a.as_any().downcast_ref::<Int32Array>().unwrap();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

fn layout(schema: &SchemaRef) -> Vec<(String, char, bool)> {
    schema
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                DataType::Utf8 => 's',
                DataType::Int16 => 'h',
                DataType::Int32 => 'i',
                other => panic!("unexpected {other}"),
            };
            (f.name().clone(), t, f.is_nullable())
        })
        .collect()
}

fn spec(cols: &str) -> Vec<(String, char, bool)> {
    // "NAME:t" nullable, "NAME:t!" not null.
    cols.split_whitespace()
        .map(|c| {
            let (n, t) = c.split_once(':').unwrap();
            let mut t = t.chars();
            let ty = t.next().unwrap();
            (n.to_string(), ty, t.next() != Some('!'))
        })
        .collect()
}

fn tables_named(f: &Filter, types: Option<&str>) -> Vec<String> {
    names(
        &one(tables(&catalog(), SYSTEM, &[], f, types)),
        "TABLE_NAME",
    )
}

fn pat(name: &str) -> Filter<'_> {
    Filter {
        name: Some(name),
        ..Filter::default()
    }
}

#[test]
fn every_layout_is_the_spec_layout() {
    let cases = [
        (
            tables_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s TABLE_TYPE:s REMARKS:s",
        ),
        (
            columns_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s! COLUMN_NAME:s! DATA_TYPE:h! \
             TYPE_NAME:s! COLUMN_SIZE:i BUFFER_LENGTH:i DECIMAL_DIGITS:h NUM_PREC_RADIX:h \
             NULLABLE:h! REMARKS:s COLUMN_DEF:s SQL_DATA_TYPE:h! SQL_DATETIME_SUB:h \
             CHAR_OCTET_LENGTH:i ORDINAL_POSITION:i! IS_NULLABLE:s",
        ),
        (
            primary_keys_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s! COLUMN_NAME:s! KEY_SEQ:h! PK_NAME:s",
        ),
        (
            foreign_keys_schema(),
            "PKTABLE_CAT:s PKTABLE_SCHEM:s PKTABLE_NAME:s! PKCOLUMN_NAME:s! FKTABLE_CAT:s \
             FKTABLE_SCHEM:s FKTABLE_NAME:s! FKCOLUMN_NAME:s! KEY_SEQ:h! UPDATE_RULE:h \
             DELETE_RULE:h FK_NAME:s PK_NAME:s DEFERRABILITY:h",
        ),
        (
            statistics_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s! NON_UNIQUE:h INDEX_QUALIFIER:s \
             INDEX_NAME:s TYPE:h! ORDINAL_POSITION:h COLUMN_NAME:s ASC_OR_DESC:s \
             CARDINALITY:i PAGES:i FILTER_CONDITION:s",
        ),
        (
            special_columns_schema(),
            "SCOPE:h COLUMN_NAME:s! DATA_TYPE:h! TYPE_NAME:s! COLUMN_SIZE:i \
             BUFFER_LENGTH:i DECIMAL_DIGITS:h PSEUDO_COLUMN:h",
        ),
        (
            procedures_schema(),
            "PROCEDURE_CAT:s PROCEDURE_SCHEM:s PROCEDURE_NAME:s! NUM_INPUT_PARAMS:i \
             NUM_OUTPUT_PARAMS:i NUM_RESULT_SETS:i REMARKS:s PROCEDURE_TYPE:h",
        ),
        (
            procedure_columns_schema(),
            "PROCEDURE_CAT:s PROCEDURE_SCHEM:s PROCEDURE_NAME:s! COLUMN_NAME:s! \
             COLUMN_TYPE:h! DATA_TYPE:h! TYPE_NAME:s! COLUMN_SIZE:i BUFFER_LENGTH:i \
             DECIMAL_DIGITS:h NUM_PREC_RADIX:h NULLABLE:h! REMARKS:s COLUMN_DEF:s \
             SQL_DATA_TYPE:h! SQL_DATETIME_SUB:h CHAR_OCTET_LENGTH:i ORDINAL_POSITION:i! \
             IS_NULLABLE:s",
        ),
        (
            table_privileges_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s! GRANTOR:s GRANTEE:s! PRIVILEGE:s! \
             IS_GRANTABLE:s",
        ),
        (
            column_privileges_schema(),
            "TABLE_CAT:s TABLE_SCHEM:s TABLE_NAME:s! COLUMN_NAME:s! GRANTOR:s GRANTEE:s! \
             PRIVILEGE:s! IS_GRANTABLE:s",
        ),
    ];
    for (schema, want) in cases {
        assert_eq!(layout(&schema), spec(want));
        for f in schema.fields() {
            if f.data_type() == &DataType::Utf8 {
                let size: usize = f.metadata()[COLUMN_SIZE_KEY].parse().unwrap();
                assert!(size > 0, "{} has no width", f.name());
            }
        }
    }
    assert_eq!(tables_schema().field(2).metadata()[COLUMN_SIZE_KEY], "256");
}

#[test]
fn tables_lists_system_tables_then_apps_and_subtables() {
    let b = one(tables(&catalog(), SYSTEM, &[], &Filter::default(), None));
    assert_eq!(
        names(&b, "TABLE_NAME"),
        [
            "Apps",
            "FormFields",
            "Customers",
            "Orders",
            "Orders_Items",
            "SalesXT",
            "Sales_T",
            "顧客リスト"
        ]
    );
    assert_eq!(
        names(&b, "TABLE_TYPE"),
        [
            "SYSTEM TABLE",
            "SYSTEM TABLE",
            "TABLE",
            "TABLE",
            "TABLE",
            "TABLE",
            "TABLE",
            "TABLE"
        ]
    );
    assert!(strs(&b, "TABLE_CAT").iter().all(Option::is_none));
    assert!(strs(&b, "TABLE_SCHEM").iter().all(Option::is_none));
    assert_eq!(
        strs(&b, "REMARKS")[4].as_deref(),
        Some("Kintone subtable items of app 2 (Orders)")
    );
    assert_eq!(
        strs(&b, "REMARKS")[2].as_deref(),
        Some("Kintone app 1 (Customers)")
    );
}

#[test]
fn table_name_patterns_and_escapes() {
    assert_eq!(tables_named(&pat("Sales_T"), None), ["SalesXT", "Sales_T"]);
    assert_eq!(tables_named(&pat("Sales\\_T"), None), ["Sales_T"]);
    assert_eq!(
        tables_named(&pat("Orders%"), None),
        ["Orders", "Orders_Items"]
    );
    assert_eq!(
        tables_named(&pat("%\\_%"), None),
        ["Orders_Items", "Sales_T"]
    );
    assert_eq!(tables_named(&pat("顧客%"), None), ["顧客リスト"]);
    assert_eq!(tables_named(&pat("__リスト"), None), ["顧客リスト"]);
    assert_eq!(tables_named(&pat("customers"), None), Vec::<String>::new());
    assert_eq!(tables_named(&pat(""), None), Vec::<String>::new());
    assert_eq!(tables_named(&pat("A%"), None), ["Apps"]);
}

#[test]
fn enumeration_calls() {
    let cat = catalog();
    let all_catalogs = Filter {
        catalog: Some("%"),
        schema: Some(""),
        name: Some(""),
        metadata_id: false,
    };
    let b = one(tables(&cat, SYSTEM, &[], &all_catalogs, None));
    assert_eq!((b.num_rows(), b.num_columns()), (0, 5));
    let all_schemas = Filter {
        catalog: Some(""),
        schema: Some("%"),
        name: Some(""),
        metadata_id: false,
    };
    let b = one(tables(&cat, SYSTEM, &[], &all_schemas, None));
    assert_eq!((b.num_rows(), b.num_columns()), (0, 5));
    let types = Filter {
        catalog: Some(""),
        schema: Some(""),
        name: Some(""),
        metadata_id: false,
    };
    let b = one(tables(&cat, SYSTEM, &[], &types, Some("%")));
    assert_eq!(names(&b, "TABLE_TYPE"), ["SYSTEM TABLE", "TABLE"]);
    assert_eq!(strs(&b, "TABLE_NAME"), [None, None]);
    assert_eq!(strs(&b, "TABLE_CAT"), [None, None]);
    // LibreOffice asks with NULL names: each type once, not one row per table.
    let b = one(tables(&cat, SYSTEM, &[], &Filter::default(), Some("%")));
    assert_eq!(names(&b, "TABLE_TYPE"), ["SYSTEM TABLE", "TABLE"]);
    assert_eq!(strs(&b, "TABLE_NAME"), [None, None]);
}

#[test]
fn table_type_lists() {
    let all = Filter::default();
    let apps = [
        "Customers",
        "Orders",
        "Orders_Items",
        "SalesXT",
        "Sales_T",
        "顧客リスト",
    ];
    assert_eq!(tables_named(&all, Some("TABLE,VIEW")), apps);
    assert_eq!(tables_named(&all, Some("'TABLE','VIEW'")), apps);
    assert_eq!(tables_named(&all, Some(" 'TABLE' , 'VIEW' ")), apps);
    assert_eq!(tables_named(&all, Some("table")), apps);
    assert_eq!(
        tables_named(&all, Some("SYSTEM TABLE")),
        ["Apps", "FormFields"]
    );
    assert_eq!(tables_named(&all, Some("VIEW")), Vec::<String>::new());
    assert_eq!(tables_named(&all, Some("")).len(), 8);
    // "%" with NULL names is the type list (see enumeration_calls).
}

#[test]
fn catalog_and_schema_arguments() {
    let f = |c: Option<&'static str>, s: Option<&'static str>| Filter {
        catalog: c,
        schema: s,
        name: Some("Customers"),
        metadata_id: false,
    };
    assert_eq!(tables_named(&f(Some(""), Some("")), None), ["Customers"]);
    assert_eq!(tables_named(&f(Some("%"), Some("%")), None), ["Customers"]);
    assert_eq!(tables_named(&f(None, None), None), ["Customers"]);
    assert!(tables_named(&f(Some("kintone"), None), None).is_empty());
    assert!(tables_named(&f(None, Some("public")), None).is_empty());
}

#[test]
fn metadata_id_treats_names_as_identifiers() {
    let cat = catalog();
    let id = |n: &'static str| Filter {
        name: Some(n),
        metadata_id: true,
        ..Filter::default()
    };
    assert_eq!(tables_named(&id("customers"), None), ["Customers"]);
    assert_eq!(tables_named(&id("\"Customers\""), None), ["Customers"]);
    assert!(tables_named(&id("\"customers\""), None).is_empty());
    assert!(tables_named(&id("Cust%"), None).is_empty());
    let err = tables(
        &cat,
        SYSTEM,
        &[],
        &Filter {
            metadata_id: true,
            ..Filter::default()
        },
        None,
    )
    .unwrap_err();
    assert_eq!(err.sqlstate, "HY009");
}

fn fake_describe(field: &Field) -> ColumnType {
    match field.data_type() {
        DataType::Int64 => ColumnType {
            sql_type: sys::SQL_BIGINT,
            verbose_type: sys::SQL_BIGINT,
            datetime_code: 0,
            column_size: 19,
            decimal_digits: 0,
            octet_length: 8,
            type_name: "BIGINT".into(),
            num_prec_radix: 10,
        },
        DataType::Decimal128(p, s) => ColumnType {
            sql_type: sys::SQL_DECIMAL,
            verbose_type: sys::SQL_DECIMAL,
            datetime_code: 0,
            column_size: usize::from(*p),
            decimal_digits: i16::from(*s),
            octet_length: 40,
            type_name: "DECIMAL".into(),
            num_prec_radix: 10,
        },
        DataType::Date32 => ColumnType {
            sql_type: sys::SQL_TYPE_DATE,
            verbose_type: sys::SQL_DATETIME,
            datetime_code: sys::SQL_CODE_DATE,
            column_size: 10,
            decimal_digits: 0,
            octet_length: 6,
            type_name: "DATE".into(),
            num_prec_radix: 0,
        },
        _ => ColumnType {
            sql_type: sys::SQL_WVARCHAR,
            verbose_type: sys::SQL_WVARCHAR,
            datetime_code: 0,
            column_size: 100,
            decimal_digits: 0,
            octet_length: 200,
            type_name: "WVARCHAR".into(),
            num_prec_radix: 0,
        },
    }
}

fn cols(cat: &Catalog, f: &Filter, column: Option<&str>) -> MetaResult {
    let tables: Vec<TableColumns> = cat
        .tables
        .iter()
        .map(|t| TableColumns {
            name: &t.name,
            schema: &t.schema,
        })
        .collect();
    columns_with(&tables, f, column, &fake_describe)
}

#[test]
fn columns_rows_carry_every_field() {
    let cat = catalog();
    let b = one(cols(&cat, &pat("Customers"), None));
    assert_eq!(
        names(&b, "COLUMN_NAME"),
        ["$id", "$revision", "Name", "Amount"]
    );
    assert_eq!(names(&b, "TABLE_NAME"), ["Customers"; 4]);
    assert_eq!(strs(&b, "TABLE_CAT"), [None, None, None, None]);
    assert_eq!(
        i16s(&b, "DATA_TYPE"),
        [Some(-5), Some(-5), Some(-9), Some(3)]
    );
    assert_eq!(
        names(&b, "TYPE_NAME"),
        ["BIGINT", "BIGINT", "WVARCHAR", "DECIMAL"]
    );
    assert_eq!(
        i32s(&b, "COLUMN_SIZE"),
        [Some(19), Some(19), Some(100), Some(38)]
    );
    assert_eq!(
        i32s(&b, "BUFFER_LENGTH"),
        [Some(8), Some(8), Some(200), Some(40)]
    );
    // Not applicable to character types: NULL.
    assert_eq!(
        i16s(&b, "DECIMAL_DIGITS"),
        [Some(0), Some(0), None, Some(8)]
    );
    assert_eq!(
        i16s(&b, "NUM_PREC_RADIX"),
        [Some(10), Some(10), None, Some(10)]
    );
    assert_eq!(i16s(&b, "NULLABLE"), [Some(0), Some(0), Some(1), Some(1)]);
    assert_eq!(names(&b, "IS_NULLABLE"), ["NO", "NO", "YES", "YES"]);
    assert_eq!(
        strs(&b, "REMARKS"),
        [
            Some("Kintone field $id (__ID__)".to_string()),
            Some("Kintone field $revision (__REVISION__)".to_string()),
            Some("Kintone field name (SINGLE_LINE_TEXT)".to_string()),
            Some("Kintone field amount (NUMBER)".to_string()),
        ]
    );
    assert_eq!(strs(&b, "COLUMN_DEF"), [None, None, None, None]);
    assert_eq!(
        i16s(&b, "SQL_DATA_TYPE"),
        [Some(-5), Some(-5), Some(-9), Some(3)]
    );
    assert_eq!(i16s(&b, "SQL_DATETIME_SUB"), [None, None, None, None]);
    assert_eq!(i32s(&b, "CHAR_OCTET_LENGTH"), [None, None, Some(200), None]);
    assert_eq!(
        i32s(&b, "ORDINAL_POSITION"),
        [Some(1), Some(2), Some(3), Some(4)]
    );
}

#[test]
fn columns_of_datetime_types_report_the_subcode() {
    let schema = Schema::new(vec![Field::new("d", DataType::Date32, true)]);
    let tables = [TableColumns {
        name: "T",
        schema: &schema,
    }];
    let b = one(columns_with(
        &tables,
        &Filter::default(),
        None,
        &fake_describe,
    ));
    assert_eq!(i16s(&b, "DATA_TYPE"), [Some(91)]);
    assert_eq!(i16s(&b, "SQL_DATA_TYPE"), [Some(9)]);
    assert_eq!(i16s(&b, "SQL_DATETIME_SUB"), [Some(1)]);
    assert_eq!(i16s(&b, "NUM_PREC_RADIX"), [None]);
    assert_eq!(strs(&b, "REMARKS"), [None]);
}

#[test]
fn columns_patterns_ordering_and_japanese() {
    let cat = catalog();
    // All tables: ordered by table name, then ordinal position.
    let b = one(cols(&cat, &Filter::default(), Some("$%")));
    assert_eq!(
        names(&b, "TABLE_NAME"),
        [
            "Customers",
            "Customers",
            "Orders",
            "Orders",
            "Orders_Items",
            "Orders_Items",
            "SalesXT",
            "SalesXT",
            "Sales_T",
            "Sales_T",
            "顧客リスト",
            "顧客リスト"
        ]
    );
    let b = one(cols(&cat, &pat("Orders\\_Items"), None));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id", "$row_id", "Product"]);
    assert_eq!(i32s(&b, "ORDINAL_POSITION"), [Some(1), Some(2), Some(3)]);
    let b = one(cols(&cat, &pat("顧客%"), Some("氏_")));
    assert_eq!(names(&b, "COLUMN_NAME"), ["氏名"]);
    assert_eq!(i32s(&b, "ORDINAL_POSITION"), [Some(3)]);
    let b = one(cols(&cat, &pat("Customers"), Some("\\$id")));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id"]);
    let b = one(cols(&cat, &pat("Nope"), None));
    assert_eq!((b.num_rows(), b.num_columns()), (0, 18));
    let b = one(cols(
        &cat,
        &Filter {
            name: Some("customers"),
            metadata_id: true,
            ..Filter::default()
        },
        Some("NAME"),
    ));
    assert_eq!(names(&b, "COLUMN_NAME"), ["Name"]);
    let err = cols(
        &cat,
        &Filter {
            name: Some("Customers"),
            metadata_id: true,
            ..Filter::default()
        },
        None,
    )
    .unwrap_err();
    assert_eq!(err.sqlstate, "HY009");
}

/// `columns` reports exactly what `types::describe` says (SQLColumns and
/// SQLDescribeCol must agree, peers §3.3).
#[test]
fn columns_agree_with_types_describe() {
    let cat = catalog();
    for mode in [WcharMode::Utf16, WcharMode::Ucs4] {
        let b = one(columns(
            &cat,
            &kintone_sql::system::SysKind::ALL,
            &[],
            &Filter::default(),
            None,
            mode,
        ));
        let mut row = 0;
        // The apps' tables and the system tables, by name.
        let mut tables: Vec<(&str, SchemaRef)> = cat
            .tables
            .iter()
            .map(|t| (t.name.as_str(), t.schema.clone()))
            .chain(
                kintone_sql::system::SysKind::ALL
                    .iter()
                    .map(|k| (k.name(), k.schema())),
            )
            .collect();
        tables.sort_by(|a, b| a.0.cmp(b.0));
        for (_, schema) in tables {
            for field in schema.fields() {
                let d = crate::types::describe(field, mode);
                assert_eq!(i16s(&b, "DATA_TYPE")[row], Some(d.sql_type));
                assert_eq!(strs(&b, "TYPE_NAME")[row].as_deref(), Some(d.type_name));
                assert_eq!(
                    i32s(&b, "COLUMN_SIZE")[row],
                    Some(i32::try_from(d.column_size).unwrap())
                );
                assert_eq!(
                    i32s(&b, "BUFFER_LENGTH")[row],
                    Some(i32::try_from(d.octet_length).unwrap())
                );
                row += 1;
            }
        }
        assert_eq!(row, b.num_rows());
    }
}

#[test]
fn primary_keys_of_apps_and_subtables() {
    let cat = catalog();
    let b = one(primary_keys(&cat, "Customers"));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id"]);
    assert_eq!(i16s(&b, "KEY_SEQ"), [Some(1)]);
    assert_eq!(names(&b, "PK_NAME"), ["PK_Customers"]);
    assert_eq!(strs(&b, "TABLE_CAT"), [None]);
    let b = one(primary_keys(&cat, "Orders_Items"));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id", "$row_id"]);
    assert_eq!(i16s(&b, "KEY_SEQ"), [Some(1), Some(2)]);
    assert_eq!(names(&b, "TABLE_NAME"), ["Orders_Items"; 2]);
    let b = one(primary_keys(&cat, "顧客リスト"));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id"]);
    // Not a pattern.
    assert_eq!(one(primary_keys(&cat, "Customer%")).num_rows(), 0);
    assert_eq!(one(primary_keys(&cat, "customers")).num_rows(), 0);
    let f = Filter {
        metadata_id: true,
        ..Filter::default()
    };
    let b = one(primary_keys_filtered(&cat, &f, "customers"));
    assert_eq!(names(&b, "TABLE_NAME"), ["Customers"]);
    let f = Filter {
        catalog: Some("other"),
        ..Filter::default()
    };
    assert_eq!(
        one(primary_keys_filtered(&cat, &f, "Customers")).num_rows(),
        0
    );
}

#[test]
fn foreign_keys_link_subtables_to_their_app() {
    let cat = catalog();
    let by_pk = one(foreign_keys(&cat, Some("Orders"), None));
    let by_fk = one(foreign_keys(&cat, None, Some("Orders_Items")));
    let both = one(foreign_keys(&cat, Some("Orders"), Some("Orders_Items")));
    for b in [&by_pk, &by_fk, &both] {
        assert_eq!(b.num_rows(), 1);
        assert_eq!(names(b, "PKTABLE_NAME"), ["Orders"]);
        assert_eq!(names(b, "PKCOLUMN_NAME"), ["$id"]);
        assert_eq!(names(b, "FKTABLE_NAME"), ["Orders_Items"]);
        assert_eq!(names(b, "FKCOLUMN_NAME"), ["$id"]);
        assert_eq!(i16s(b, "KEY_SEQ"), [Some(1)]);
        assert_eq!(i16s(b, "UPDATE_RULE"), [Some(SQL_NO_ACTION)]);
        assert_eq!(i16s(b, "DELETE_RULE"), [Some(SQL_CASCADE)]);
        assert_eq!(names(b, "FK_NAME"), ["FK_Orders_Items"]);
        assert_eq!(names(b, "PK_NAME"), ["PK_Orders"]);
        assert_eq!(i16s(b, "DEFERRABILITY"), [Some(7)]);
        assert_eq!(strs(b, "PKTABLE_CAT"), [None]);
        assert_eq!(strs(b, "FKTABLE_SCHEM"), [None]);
    }
    assert_eq!(
        one(foreign_keys(&cat, Some("Customers"), None)).num_rows(),
        0
    );
    assert_eq!(one(foreign_keys(&cat, None, Some("Orders"))).num_rows(), 0);
    assert_eq!(
        one(foreign_keys(&cat, Some("Customers"), Some("Orders_Items"))).num_rows(),
        0
    );
    assert_eq!(
        foreign_keys(&cat, None, None).unwrap_err().sqlstate,
        "HY009"
    );
    assert_eq!(
        foreign_keys(&cat, Some(""), Some("")).unwrap_err().sqlstate,
        "HY009"
    );
}

#[test]
fn statistics_report_the_key_index() {
    let cat = catalog();
    for unique in [true, false] {
        let b = one(statistics(&cat, "Orders_Items", unique));
        assert_eq!(i16s(&b, "TYPE"), [Some(0), Some(3), Some(3)]);
        assert_eq!(i16s(&b, "NON_UNIQUE"), [None, Some(0), Some(0)]);
        assert_eq!(
            strs(&b, "INDEX_NAME"),
            [
                None,
                Some("PK_Orders_Items".into()),
                Some("PK_Orders_Items".into())
            ]
        );
        assert_eq!(i16s(&b, "ORDINAL_POSITION"), [None, Some(1), Some(2)]);
        assert_eq!(
            strs(&b, "COLUMN_NAME"),
            [None, Some("$id".into()), Some("$row_id".into())]
        );
        assert_eq!(
            strs(&b, "ASC_OR_DESC"),
            [None, Some("A".into()), Some("A".into())]
        );
        assert_eq!(i32s(&b, "CARDINALITY"), [None, None, None]);
    }
    assert_eq!(one(statistics(&cat, "Nope", false)).num_rows(), 0);
    assert_eq!(one(statistics(&cat, "Nope", false)).num_columns(), 13);
}

#[test]
fn special_columns_best_rowid_and_rowver() {
    let cat = catalog();
    let b = one(special_columns(&cat, SQL_BEST_ROWID, "Customers", 0, 1));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id"]);
    assert_eq!(i16s(&b, "SCOPE"), [Some(2)]);
    assert_eq!(i16s(&b, "DATA_TYPE"), [Some(sys::SQL_BIGINT)]);
    assert_eq!(names(&b, "TYPE_NAME"), ["BIGINT"]);
    assert_eq!(i16s(&b, "PSEUDO_COLUMN"), [Some(1)]);
    let b = one(special_columns(&cat, SQL_ROWVER, "Customers", 2, 0));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$revision"]);
    assert_eq!(i16s(&b, "SCOPE"), [None]);
    let b = one(special_columns(&cat, SQL_BEST_ROWID, "Orders_Items", 2, 0));
    assert_eq!(names(&b, "COLUMN_NAME"), ["$id", "$row_id"]);
    assert_eq!(
        one(special_columns(&cat, SQL_ROWVER, "Orders_Items", 2, 0)).num_rows(),
        0
    );
    assert_eq!(
        one(special_columns(&cat, SQL_BEST_ROWID, "Nope", 2, 0)).num_columns(),
        8
    );
    let e = |id, scope, nullable| {
        special_columns(&cat, id, "Customers", scope, nullable)
            .unwrap_err()
            .sqlstate
    };
    assert_eq!(e(3, 0, 0), "HY097");
    assert_eq!(e(1, 3, 0), "HY098");
    assert_eq!(e(1, 0, 2), "HY099");
}

#[test]
fn privileges_are_empty_with_their_layouts() {
    let cat = catalog();
    let f = Filter::default();
    let b = one(table_privileges(&cat, &f));
    assert_eq!((b.num_rows(), b.num_columns()), (0, 7));
    let b = one(column_privileges(&cat, &f, None));
    assert_eq!((b.num_rows(), b.num_columns()), (0, 8));
}

#[test]
fn procedures_list_the_registry_with_patterns() {
    let f = Filter::default();
    let b = one(procedures(&f));
    assert_eq!(b.num_columns(), 8);
    assert_eq!(
        names(&b, "PROCEDURE_NAME"),
        [
            "AddGuests",
            "AddGuestsToSpace",
            "AddThreadComment",
            "AppsDeployStatus",
            "CreateApp",
            "DeleteGuests",
            "DeployApps",
            "DownloadFile",
            "GetOAuthAccessToken",
            "GetOAuthAuthorizationURL",
            "RefreshOAuthAccessToken",
            "UpdateAssignees",
            "UpdateStatus",
            "UpdateThread",
            "UploadFile"
        ]
    );
    assert_eq!(
        i32s(&b, "NUM_INPUT_PARAMS"),
        [14, 2, 5, 1, 3, 1, 2, 2, 5, 4, 1, 5, 6, 3, 10].map(Some)
    );
    assert_eq!(i32s(&b, "NUM_OUTPUT_PARAMS"), [Some(0); 15]);
    assert_eq!(i32s(&b, "NUM_RESULT_SETS"), [Some(1); 15]);
    assert_eq!(i16s(&b, "PROCEDURE_TYPE"), [Some(SQL_PT_PROCEDURE); 15]);
    assert_eq!(strs(&b, "PROCEDURE_CAT"), [const { None }; 15]);
    assert!(strs(&b, "REMARKS")
        .iter()
        .all(|r| r.as_deref().is_some_and(|r| !r.is_empty())));
    let pat = |name| Filter {
        name: Some(name),
        ..Filter::default()
    };
    assert_eq!(
        names(&one(procedures(&pat("%OAuthAccess%"))), "PROCEDURE_NAME"),
        ["GetOAuthAccessToken", "RefreshOAuthAccessToken"]
    );
    assert_eq!(one(procedures(&pat("Nope%"))).num_rows(), 0);
    // A catalog or schema that is not empty selects none of ours.
    let other = Filter {
        schema: Some("dbo"),
        ..Filter::default()
    };
    assert_eq!(one(procedures(&other)).num_rows(), 0);
    let exact = Filter {
        name: Some("getoauthauthorizationurl"),
        metadata_id: true,
        ..Filter::default()
    };
    assert_eq!(
        names(&one(procedures(&exact)), "PROCEDURE_NAME"),
        ["GetOAuthAuthorizationURL"]
    );
}

#[test]
fn procedure_columns_give_inputs_then_result_columns() {
    let f = Filter {
        name: Some("RefreshOAuthAccessToken"),
        ..Filter::default()
    };
    let b = one(procedure_columns(&f, None, WcharMode::Utf16));
    assert_eq!(b.num_columns(), 19);
    assert_eq!(
        names(&b, "COLUMN_NAME"),
        [
            "OAuthRefreshToken",
            "OAuthAccessToken",
            "OAuthRefreshToken",
            "ExpiresIn"
        ]
    );
    assert_eq!(
        i16s(&b, "COLUMN_TYPE"),
        [
            Some(SQL_PARAM_INPUT),
            Some(SQL_RESULT_COL),
            Some(SQL_RESULT_COL),
            Some(SQL_RESULT_COL)
        ]
    );
    assert_eq!(
        i16s(&b, "DATA_TYPE"),
        [
            Some(sys::SQL_WVARCHAR),
            Some(sys::SQL_WVARCHAR),
            Some(sys::SQL_WVARCHAR),
            Some(sys::SQL_BIGINT)
        ]
    );
    assert_eq!(
        i32s(&b, "ORDINAL_POSITION"),
        [Some(1), Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        i16s(&b, "NULLABLE"),
        [
            Some(sys::SQL_NULLABLE),
            Some(sys::SQL_NO_NULLS),
            Some(sys::SQL_NULLABLE),
            Some(sys::SQL_NO_NULLS)
        ]
    );
    assert_eq!(
        strs(&b, "IS_NULLABLE"),
        [
            Some("YES".into()),
            Some("NO".into()),
            Some("YES".into()),
            Some("NO".into())
        ]
    );
    let remarks = strs(&b, "REMARKS");
    assert_eq!(
        remarks[0].as_deref(),
        Some("The refresh token returned by GetOAuthAccessToken. Default: the OAuthRefreshToken connection property.")
    );
    // The required Verifier is not nullable; a column pattern narrows.
    let f = Filter::default();
    let b = one(procedure_columns(&f, Some("Verifier"), WcharMode::Utf16));
    assert_eq!(names(&b, "PROCEDURE_NAME"), ["GetOAuthAccessToken"]);
    assert_eq!(i16s(&b, "NULLABLE"), [Some(sys::SQL_NO_NULLS)]);
    assert_eq!(i32s(&b, "ORDINAL_POSITION"), [Some(2)]);
    // All of them: 64 inputs and 32 result columns.
    let b = one(procedure_columns(&f, None, WcharMode::Utf16));
    assert_eq!(b.num_rows(), 96);
}

/// Through `types::describe`, result columns are WVARCHAR of their declared width,
/// SMALLINT and INTEGER, as SQLDescribeCol will report them.
#[test]
fn result_columns_describe_as_the_spec_types() {
    let all = [
        tables_schema(),
        columns_schema(),
        primary_keys_schema(),
        foreign_keys_schema(),
        statistics_schema(),
        special_columns_schema(),
        procedures_schema(),
        procedure_columns_schema(),
        table_privileges_schema(),
        column_privileges_schema(),
    ];
    for schema in all {
        for f in schema.fields() {
            let d = crate::types::describe(f, WcharMode::Utf16);
            match f.data_type() {
                DataType::Utf8 => {
                    assert_eq!(d.sql_type, sys::SQL_WVARCHAR, "{}", f.name());
                    let want: usize = f.metadata()[COLUMN_SIZE_KEY].parse().unwrap();
                    assert_eq!(d.column_size, want, "{}", f.name());
                }
                DataType::Int16 => assert_eq!(d.sql_type, sys::SQL_SMALLINT, "{}", f.name()),
                DataType::Int32 => assert_eq!(d.sql_type, sys::SQL_INTEGER, "{}", f.name()),
                other => panic!("{}: {other}", f.name()),
            }
        }
    }
}

/// SQLTables lists the system tables, so SQLColumns describes them; an app of the same
/// name is what the unqualified name means, so its columns are the ones reported.
#[test]
fn system_tables_have_columns_unless_an_app_takes_the_name() {
    let cat = catalog();
    let b = one(columns(
        &cat,
        &kintone_sql::system::SysKind::ALL,
        &[],
        &pat("sys_tables"),
        None,
        WcharMode::Utf16,
    ));
    assert_eq!(
        names(&b, "COLUMN_NAME"),
        [
            "CatalogName",
            "SchemaName",
            "TableName",
            "TableType",
            "Description",
            "IsUpdateable",
            "AppId"
        ]
    );
    assert_eq!(strs(&b, "TABLE_NAME")[0].as_deref(), Some("sys_tables"));

    let apps = vec![form(
        7,
        "Apps",
        serde_json::json!({"memo": {"type": "SINGLE_LINE_TEXT", "code": "memo", "label": "Memo"}}),
    )];
    let settings = kintone_sql::Settings::new(kintone_api::ClientConfig::new(
        "http://127.0.0.1:1",
        kintone_api::Auth::password("u", "p"),
    ));
    let shadowed = kintone_sql::catalog::build(apps, &settings);
    let b = one(columns(
        &shadowed,
        &kintone_sql::system::SysKind::ALL,
        &[],
        &pat("Apps"),
        None,
        WcharMode::Utf16,
    ));
    let cols = names(&b, "COLUMN_NAME");
    assert!(cols.contains(&"Memo".to_string()), "{cols:?}");
    assert!(!cols.contains(&"AppId".to_string()), "{cols:?}");
}
