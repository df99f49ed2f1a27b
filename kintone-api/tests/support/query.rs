//! What Kintone reads back from a quoted literal, shared by the property tests
//! (`props.rs`) and the AFL target `fuzz/src/bin/query_builder.rs`.

/// What Kintone reads back from `quote(v)`: the builder's documented folding (CR and
/// CRLF become LF, C0 controls other than tab and LF are dropped), nothing else.
pub fn as_read_back(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
