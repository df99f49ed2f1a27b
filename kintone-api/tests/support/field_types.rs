//! Kintone's field types, for the record-decoding properties (`props.rs`) and the AFL
//! target `fuzz/src/bin/json_decode.rs`.

use kintone_api::values::RECORD_TYPES;

/// The types a record answer carries, and one layout-only type (`SPACER`) that must be
/// kept as it came.
pub static FIELD_TYPES: [&str; RECORD_TYPES.len() + 1] = {
    let mut all = [""; RECORD_TYPES.len() + 1];
    let mut i = 0;
    while i < RECORD_TYPES.len() {
        all[i] = RECORD_TYPES[i];
        i += 1;
    }
    all[RECORD_TYPES.len()] = "SPACER";
    all
};
