pub enum InfoValue {
    Str(String),
    U16(u16),
    U32(u32),
    ULen(u64),
}

pub struct InfoContext {
    pub dsn: String,
    pub user: String,
    pub server: String,
    pub read_only: bool,
    pub odbc_version: u32,
}

pub fn get_info(info_type: u16, ctx: &InfoContext) -> Option<InfoValue> {
    Some(match info_type {
        2 => InfoValue::Str(ctx.dsn.clone()),
        6 => InfoValue::Str("libkintoneodbc.so".into()),
        7 => InfoValue::Str("00.01.0000".into()),
        10 => InfoValue::Str("03.80".into()),
        77 => InfoValue::Str("03.80".into()),
        17 => InfoValue::Str("Kintone".into()),
        18 => InfoValue::Str("1".into()),
        29 => InfoValue::Str("\"".into()),
        _ => return None,
    })
}
