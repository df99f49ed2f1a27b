//! AFL target: see fuzz/README.md. A panic is a finding.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        kintone_odbc_fuzz::connstr::check(data);
    });
}
