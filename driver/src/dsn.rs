//! Reading a DSN's keys from odbc.ini.
//!
//! The driver manager's installer library (`libodbcinst` / `libiodbcinst`) knows where
//! its ini files are, so its `SQLGetPrivateProfileString` is asked first, found at run
//! time (linking it would tie the binary to one driver manager, notes §2.5). When it
//! is not reachable (a client that loaded the manager with RTLD_LOCAL, or no manager),
//! the files are read directly in the managers' search order (notes §2.2, §2.3).

use std::ffi::{c_char, c_int, CString};
use std::path::PathBuf;

type GetProfileFn = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_char,
    *mut c_char,
    c_int,
    *const c_char,
) -> c_int;

/// The DSN's key/value pairs in file order, or `None` when no ini file defines it.
pub fn read_dsn(dsn: &str) -> Option<Vec<(String, String)>> {
    from_installer(dsn)
        .filter(|v| !v.is_empty())
        .or_else(|| from_files(dsn))
}

fn from_installer(dsn: &str) -> Option<Vec<(String, String)>> {
    // SAFETY: a lookup by a NUL-terminated name.
    let f = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"SQLGetPrivateProfileString".as_ptr()) };
    if f.is_null() {
        return None;
    }
    // SAFETY: the symbol is the installer API's function with this signature in both
    // unixODBC and iODBC.
    let f: GetProfileFn = unsafe { std::mem::transmute::<*mut libc::c_void, GetProfileFn>(f) };
    let section = CString::new(dsn).ok()?;
    let file = c"odbc.ini";
    let call = |key: Option<&CString>, size: usize| -> Vec<u8> {
        let mut buf = vec![0u8; size];
        // SAFETY: buffer of `size` bytes; strings NUL-terminated.
        let n = unsafe {
            f(
                section.as_ptr(),
                key.map_or(std::ptr::null(), |k| k.as_ptr()),
                c"".as_ptr(),
                buf.as_mut_ptr() as *mut c_char,
                size as c_int,
                file.as_ptr(),
            )
        };
        buf.truncate(usize::try_from(n).unwrap_or(0).min(size));
        buf
    };
    // With no key, the section's key names come back NUL-separated.
    let names = call(None, 16 * 1024);
    let mut out = Vec::new();
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let key = CString::new(name.clone()).ok()?;
        let value = call(Some(&key), 64 * 1024);
        let value = value.split(|b| *b == 0).next().unwrap_or_default();
        out.push((name, String::from_utf8_lossy(value).into_owned()));
    }
    Some(out)
}

/// The odbc.ini files, user files first (a user DSN shadows a system one).
fn candidates() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("ODBCINI") {
        v.push(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        v.push(home.join(".odbc.ini"));
        v.push(home.join("Library/ODBC/odbc.ini"));
    }
    if let Some(dir) = std::env::var_os("ODBCSYSINI") {
        v.push(PathBuf::from(dir).join("odbc.ini"));
    }
    if let Some(p) = std::env::var_os("SYSODBCINI") {
        v.push(PathBuf::from(p));
    }
    v.push(PathBuf::from("/etc/odbc.ini"));
    v.push(PathBuf::from("/usr/local/etc/odbc.ini"));
    v.push(PathBuf::from("/Library/ODBC/odbc.ini"));
    v
}

fn from_files(dsn: &str) -> Option<Vec<(String, String)>> {
    candidates().into_iter().find_map(|p| {
        let text = std::fs::read_to_string(&p).ok()?;
        section(&text, dsn)
    })
}

/// The pairs of `[name]` (case-insensitive) in an ini text.
pub fn section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = None::<Vec<(String, String)>>;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let sec = rest.trim_end_matches(']').trim();
            inside = sec.eq_ignore_ascii_case(name);
            if inside && found.is_none() {
                found = Some(Vec::new());
            }
            continue;
        }
        if inside {
            if let (Some((k, v)), Some(list)) = (line.split_once('='), found.as_mut()) {
                list.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_section_only() {
        let ini = "[ODBC Data Sources]\nk = Kintone\n\n; comment\n[Kintone]\nDriver = /x.so\nUrl=http://127.0.0.1:1\n# c\nUser = demo\n[Other]\nUser = no\n";
        let s = section(ini, "kintone").unwrap();
        assert_eq!(
            s,
            vec![
                ("Driver".to_string(), "/x.so".to_string()),
                ("Url".to_string(), "http://127.0.0.1:1".to_string()),
                ("User".to_string(), "demo".to_string())
            ]
        );
        assert!(section(ini, "missing").is_none());
    }
}
