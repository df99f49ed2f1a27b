//! (Provisional.) SQLGetFunctions: exactly the exported functions.
pub const EXPORTED: &[u16] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 40, 41, 42,
    43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 58, 59, 60, 61, 62, 63, 65, 66, 67, 68,
    70, 72, 1001, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1014, 1016, 1017,
    1018, 1019, 1020, 1021,
];
pub fn supported(function_id: u16) -> bool {
    EXPORTED.contains(&function_id)
}
pub fn odbc3_bitmap() -> [u16; 250] {
    let mut b = [0u16; 250];
    for id in EXPORTED {
        if let Some(w) = b.get_mut((*id >> 4) as usize) {
            *w |= 1 << (id & 0xF);
        }
    }
    b
}
pub fn odbc2_array() -> [u16; 100] {
    let mut b = [0u16; 100];
    for id in EXPORTED {
        if let Some(w) = b.get_mut(*id as usize) {
            *w = 1;
        }
    }
    b
}
