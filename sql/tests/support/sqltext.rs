//! The reference `?` counter shared by the property tests (`props.rs`) and the AFL
//! target `fuzz/src/bin/sqltext.rs`.

/// `?` outside string literals, quoted identifiers and comments: what the rewriter
/// must count, by the plainest possible scan.
pub fn reference_params(s: &str) -> usize {
    let c: Vec<char> = s.chars().collect();
    let (mut i, mut n) = (0, 0);
    while i < c.len() {
        match c[i] {
            q @ ('\'' | '"' | '`') => {
                i += 1;
                while i < c.len() && c[i] != q {
                    i += 1;
                }
            }
            '-' if c.get(i + 1) == Some(&'-') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                    i += 1;
                }
                i += 1;
            }
            '?' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}
