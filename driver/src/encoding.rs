//! Narrow (ANSI) and wide (W) strings at the C boundary.
//!
//! One generic body serves each A/W function pair (the Snowflake driver's pattern): it
//! is written once over [`Encoding`] and instantiated with [`Narrow`] or [`Wide`].
//! Narrow text is UTF-8. Wide text is UTF-16 under unixODBC and UCS-4 (`wchar_t`)
//! under iODBC (notes §0.1): the width is a run-time [`WcharMode`], decided once per
//! process from the driver manager that loaded us and changeable per connection by
//! iODBC's 1061 negotiation.
//!
//! Lengths here are in *units* (bytes for narrow, 2- or 4-byte code units for wide);
//! callers whose ODBC length is in bytes divide by [`Encoding::unit_size`].

use std::ffi::c_void;
use std::sync::OnceLock;

use crate::sys::SQL_NTS;

/// Width of `SQLWCHAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WcharMode {
    /// unixODBC, Windows-style `SQLWCHAR` = `unsigned short`.
    Utf16,
    /// iODBC, `SQLWCHAR` = `wchar_t` (4 bytes on macOS and Linux).
    Ucs4,
}

impl WcharMode {
    pub fn width(self) -> usize {
        match self {
            WcharMode::Utf16 => 2,
            WcharMode::Ucs4 => 4,
        }
    }

    /// Parses an override value (`KINTONE_ODBC_WCHAR`, `WCHAR_ENCODING`, the
    /// `WideCharWidth` connection property): `utf16`/`utf-16`/`2` or `utf32`/`ucs4`/`4`.
    pub fn parse(s: &str) -> Option<WcharMode> {
        match s.trim().to_ascii_lowercase().replace('-', "").as_str() {
            "utf16" | "ucs2" | "2" | "16" => Some(WcharMode::Utf16),
            "utf32" | "ucs4" | "4" | "32" => Some(WcharMode::Ucs4),
            _ => None,
        }
    }

    /// iODBC code page number (`SQL_DM_CP_*`) for this mode.
    pub fn iodbc_codepage(self) -> usize {
        match self {
            WcharMode::Utf16 => crate::sys::SQL_DM_CP_UTF16,
            WcharMode::Ucs4 => crate::sys::SQL_DM_CP_UCS4,
        }
    }
}

/// Which driver manager loaded the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverManager {
    Iodbc,
    UnixOdbc,
    /// Loaded directly (tests) or by an unknown manager.
    Unknown,
}

/// The driver manager in this process, probed once.
///
/// First by the libraries loaded into the process (works even when the application
/// loaded the manager with RTLD_LOCAL, as Python's ctypes and pyodbc's extension do),
/// then by the managers' own symbols: iODBC exports `iodbc_version`, unixODBC
/// `uodbc_get_stats` (the Arrow Flight SQL driver's probe, notes §2.4).
pub fn driver_manager() -> DriverManager {
    static DM: OnceLock<DriverManager> = OnceLock::new();
    *DM.get_or_init(|| {
        manager_among(loaded_libraries()).unwrap_or_else(|| {
            if has_symbol(c"iodbc_version") {
                DriverManager::Iodbc
            } else if has_symbol(c"uodbc_get_stats") {
                DriverManager::UnixOdbc
            } else {
                DriverManager::Unknown
            }
        })
    })
}

/// The manager among loaded objects, by their resolved paths: a `libodbc.so.2` symlink
/// to iODBC (how pyodbc's wheel, which NEEDs libodbc.so.2, is run under iODBC) is iODBC.
fn manager_among(libs: Vec<String>) -> Option<DriverManager> {
    let libs: Vec<String> = libs
        .into_iter()
        .map(|l| {
            std::fs::canonicalize(&l)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(l)
        })
        .collect();
    if libs.iter().any(|l| is_lib(l, "libiodbc")) {
        Some(DriverManager::Iodbc)
    } else if libs.iter().any(|l| is_lib(l, "libodbc")) {
        Some(DriverManager::UnixOdbc)
    } else {
        None
    }
}

fn has_symbol(name: &std::ffi::CStr) -> bool {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks the symbol up.
    unsafe { !libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()).is_null() }
}

/// Whether a loaded object's path names library `stem` (`libiodbc.so.2`,
/// `libiodbc.2.dylib`, not `libiodbcinst`).
fn is_lib(path: &str, stem: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_prefix(stem).is_some_and(|rest| {
        rest.starts_with(".so")
            || rest.starts_with(".dylib")
            || rest.starts_with(".2.dylib")
            || rest.starts_with('.')
    })
}

#[cfg(target_os = "linux")]
fn loaded_libraries() -> Vec<String> {
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: usize,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: the loader passes a valid info record and our own Vec as data.
        unsafe {
            let names = &mut *(data as *mut Vec<String>);
            let name = (*info).dlpi_name;
            if !name.is_null() {
                names.push(
                    std::ffi::CStr::from_ptr(name)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        0
    }
    let mut names: Vec<String> = Vec::new();
    // SAFETY: the callback only reads the records it is given.
    unsafe {
        libc::dl_iterate_phdr(
            Some(each),
            &mut names as *mut Vec<String> as *mut libc::c_void,
        )
    };
    names
}

#[cfg(target_vendor = "apple")]
fn loaded_libraries() -> Vec<String> {
    // SAFETY: dyld's image list is read-only and indices below the count are valid.
    unsafe {
        (0..libc::_dyld_image_count())
            .filter_map(|i| {
                let p = libc::_dyld_get_image_name(i);
                (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
            })
            .collect()
    }
}

#[cfg(not(any(target_os = "linux", target_vendor = "apple")))]
fn loaded_libraries() -> Vec<String> {
    Vec::new()
}

/// The process-wide default width: an environment override, else UTF-16 under
/// unixODBC and UCS-4 otherwise. "Otherwise" includes an iODBC linked statically into
/// the application (Debian's `iodbctest` is built that way: no library and no symbol
/// betrays it), which is why the absence of unixODBC, not the presence of iODBC,
/// decides.
pub fn process_wchar_mode() -> WcharMode {
    static MODE: OnceLock<WcharMode> = OnceLock::new();
    *MODE.get_or_init(|| {
        for var in ["KINTONE_ODBC_WCHAR", "WCHAR_ENCODING"] {
            if let Some(m) = std::env::var(var).ok().and_then(|v| WcharMode::parse(&v)) {
                return m;
            }
        }
        match driver_manager() {
            DriverManager::UnixOdbc => WcharMode::Utf16,
            DriverManager::Iodbc | DriverManager::Unknown => WcharMode::Ucs4,
        }
    })
}

/// The result of writing a string into an application buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// Length of the whole string in units, without the terminator (what the
    /// application is told, even when it was truncated).
    pub full_units: usize,
    pub truncated: bool,
}

/// A/W string handling for one function family.
pub trait Encoding {
    /// Whether this is the W family.
    const WIDE: bool;

    /// Bytes per unit for this family in `mode`.
    fn unit_size(mode: WcharMode) -> usize;

    /// Encodes a string into units (as bytes in native order), no terminator.
    fn encode(s: &str, mode: WcharMode) -> Vec<u8>;

    /// [`encode`](Self::encode) straight into `out` when the text surely fits in `cap`
    /// bytes (judged from its UTF-8 length, without a pass to count units): the bytes
    /// written, or `None` with nothing written.
    ///
    /// # Safety
    /// `out` must be writable for `cap` bytes (alignment not required).
    unsafe fn encode_into(s: &str, mode: WcharMode, out: *mut u8, cap: usize) -> Option<usize>;

    /// Reads an input string of `len` units (or `SQL_NTS`); a null pointer is `None`.
    ///
    /// # Safety
    /// `ptr` must be null or point to `len` readable units (or a terminated string).
    unsafe fn read(ptr: *const c_void, len: i32, mode: WcharMode) -> Option<String>;

    /// Writes `s` into a buffer of `cap_units` units with a terminator, never
    /// splitting a character; a null buffer only reports the length.
    ///
    /// # Safety
    /// `out` must be null or writable for `cap_units` units.
    unsafe fn write(s: &str, out: *mut c_void, cap_units: usize, mode: WcharMode) -> Written {
        let bytes = Self::encode(s, mode);
        let unit = Self::unit_size(mode);
        let full_units = bytes.len() / unit;
        if out.is_null() || cap_units == 0 {
            return Written {
                full_units,
                truncated: !s.is_empty() && !out.is_null(),
            };
        }
        let room = (cap_units - 1) * unit;
        let n = if bytes.len() <= room {
            bytes.len()
        } else {
            Self::boundary(&bytes, room, mode)
        };
        // SAFETY: the caller guarantees `cap_units * unit` writable bytes; `n + unit`
        // is at most that.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out as *mut u8, n);
            std::ptr::write_bytes((out as *mut u8).add(n), 0, unit);
        }
        Written {
            full_units,
            truncated: n < bytes.len(),
        }
    }

    /// The largest cut `<= max` bytes into `bytes` that does not split a character.
    fn boundary(bytes: &[u8], max: usize, mode: WcharMode) -> usize;
}

/// ANSI functions and `SQL_C_CHAR` data: UTF-8.
pub struct Narrow;

/// W functions and `SQL_C_WCHAR` data: UTF-16 or UCS-4 by mode.
pub struct Wide;

impl Encoding for Narrow {
    const WIDE: bool = false;

    fn unit_size(_mode: WcharMode) -> usize {
        1
    }

    fn encode(s: &str, _mode: WcharMode) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    unsafe fn encode_into(s: &str, _mode: WcharMode, out: *mut u8, cap: usize) -> Option<usize> {
        if s.len() > cap {
            return None;
        }
        // SAFETY: `s.len() <= cap` bytes are writable, by contract.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), out, s.len()) };
        Some(s.len())
    }

    unsafe fn read(ptr: *const c_void, len: i32, _mode: WcharMode) -> Option<String> {
        if ptr.is_null() {
            return None;
        }
        let p = ptr as *const u8;
        let n = if len == SQL_NTS {
            // SAFETY: the caller guarantees a terminated string.
            unsafe { libc::strlen(p as *const libc::c_char) }
        } else {
            usize::try_from(len).ok()?
        };
        // SAFETY: `n` readable bytes, by the caller's contract.
        let bytes = unsafe { std::slice::from_raw_parts(p, n) };
        Some(String::from_utf8_lossy(bytes).into_owned())
    }

    fn boundary(bytes: &[u8], max: usize, _mode: WcharMode) -> usize {
        let mut n = max.min(bytes.len());
        // Step back over UTF-8 continuation bytes so a character is never split.
        while n > 0 && n < bytes.len() && (bytes.get(n).copied().unwrap_or(0) & 0xC0) == 0x80 {
            n -= 1;
        }
        n
    }
}

impl Encoding for Wide {
    const WIDE: bool = true;

    fn unit_size(mode: WcharMode) -> usize {
        mode.width()
    }

    // Sized up front and written unit by unit: this runs for every text cell an
    // application reads as SQL_C_WCHAR, where a collected `flat_map` grew its vector
    // byte by byte.
    fn encode(s: &str, mode: WcharMode) -> Vec<u8> {
        let cap = s.len().saturating_mul(mode.width());
        let mut out = Vec::with_capacity(cap);
        // SAFETY: the vector has `cap` bytes of spare capacity; `encode_into` writes
        // `n <= cap` of them, which then become its length.
        unsafe {
            let n = Self::encode_into(s, mode, out.as_mut_ptr(), cap).unwrap_or(0);
            out.set_len(n);
        }
        out
    }

    unsafe fn encode_into(s: &str, mode: WcharMode, out: *mut u8, cap: usize) -> Option<usize> {
        let width = mode.width();
        // UTF-8 never has fewer bytes than the text has UTF-16 units or characters.
        if s.len().checked_mul(width)? > cap {
            return None;
        }
        let mut n = 0;
        // SAFETY: at most `s.len() * width <= cap` bytes are written, by the bound above.
        unsafe {
            match mode {
                WcharMode::Utf16 => {
                    for u in s.encode_utf16() {
                        out.add(n)
                            .cast::<[u8; 2]>()
                            .write_unaligned(u.to_ne_bytes());
                        n += 2;
                    }
                }
                WcharMode::Ucs4 => {
                    for c in s.chars() {
                        out.add(n)
                            .cast::<[u8; 4]>()
                            .write_unaligned((c as u32).to_ne_bytes());
                        n += 4;
                    }
                }
            }
        }
        Some(n)
    }

    unsafe fn read(ptr: *const c_void, len: i32, mode: WcharMode) -> Option<String> {
        if ptr.is_null() {
            return None;
        }
        match mode {
            WcharMode::Utf16 => {
                let p = ptr as *const u16;
                // SAFETY: per the caller's contract (terminated or `len` units).
                let units = unsafe { units_slice(p, len)? };
                Some(String::from_utf16_lossy(units))
            }
            WcharMode::Ucs4 => {
                let p = ptr as *const u32;
                // SAFETY: per the caller's contract (terminated or `len` units).
                let units = unsafe { units_slice(p, len)? };
                Some(
                    units
                        .iter()
                        .map(|&u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect(),
                )
            }
        }
    }

    fn boundary(bytes: &[u8], max: usize, mode: WcharMode) -> usize {
        let unit = mode.width();
        let mut n = (max.min(bytes.len()) / unit) * unit;
        if mode == WcharMode::Utf16 && n >= 2 && n < bytes.len() {
            // Do not end on a high surrogate: its pair would be split.
            let last = bytes
                .get(n - 2..n)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_ne_bytes)
                .unwrap_or(0);
            if (0xD800..0xDC00).contains(&last) {
                n -= 2;
            }
        }
        n
    }
}

/// A slice of `len` units, or up to the terminating zero unit with `SQL_NTS`.
///
/// # Safety
/// `p` is non-null and points to `len` readable units or a zero-terminated array.
unsafe fn units_slice<'a, T: Copy + PartialEq + Default>(p: *const T, len: i32) -> Option<&'a [T]> {
    let n = if len == SQL_NTS {
        let mut n = 0usize;
        // SAFETY: the array is zero-terminated, so every read up to the zero is in bounds.
        while unsafe { *p.add(n) } != T::default() {
            n += 1;
        }
        n
    } else {
        usize::try_from(len).ok()?
    };
    // SAFETY: `n` readable units.
    Some(unsafe { std::slice::from_raw_parts(p, n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_round_trip_in_both_widths() {
        for mode in [WcharMode::Utf16, WcharMode::Ucs4] {
            let s = "顧客 🍣 ok";
            let mut enc = Wide::encode(s, mode);
            enc.extend(std::iter::repeat_n(0u8, mode.width()));
            let back = unsafe { Wide::read(enc.as_ptr() as *const c_void, SQL_NTS, mode) };
            assert_eq!(back.as_deref(), Some(s));
        }
    }

    #[test]
    fn truncation_never_splits_a_character() {
        let s = "a🍣b";
        // UTF-16: 'a' + surrogate pair + 'b' = 4 units; room for 2 units + NUL.
        let mut buf = [0xFFFFu16; 3];
        let w = unsafe { Wide::write(s, buf.as_mut_ptr() as *mut c_void, 3, WcharMode::Utf16) };
        assert_eq!(
            w,
            Written {
                full_units: 4,
                truncated: true
            }
        );
        assert_eq!(buf, [b'a' as u16, 0, 0xFFFF]);
        // UTF-8: 'a' + 4 bytes + 'b'; room for 3 bytes + NUL keeps only 'a'.
        let mut nb = [0xFFu8; 4];
        let w = unsafe { Narrow::write(s, nb.as_mut_ptr() as *mut c_void, 4, WcharMode::Utf16) };
        assert_eq!(
            w,
            Written {
                full_units: 6,
                truncated: true
            }
        );
        assert_eq!(nb[..2], [b'a', 0]);
    }

    #[test]
    fn null_buffer_reports_length_only() {
        let w = unsafe { Wide::write("abc", std::ptr::null_mut(), 0, WcharMode::Ucs4) };
        assert_eq!(
            w,
            Written {
                full_units: 3,
                truncated: false
            }
        );
    }

    #[test]
    fn manager_libraries_are_told_apart() {
        assert!(is_lib(
            "/usr/lib/x86_64-linux-gnu/libiodbc.so.2",
            "libiodbc"
        ));
        assert!(is_lib("/opt/homebrew/lib/libiodbc.2.dylib", "libiodbc"));
        assert!(!is_lib("/usr/lib/libiodbcinst.so.2", "libiodbc"));
        assert!(is_lib("/usr/lib/x86_64-linux-gnu/libodbc.so.2", "libodbc"));
        assert!(!is_lib(
            "/usr/lib/x86_64-linux-gnu/libodbcinst.so.2",
            "libodbc"
        ));
        // A test binary loads no manager at all.
        assert_eq!(driver_manager(), DriverManager::Unknown);
    }

    #[test]
    fn a_libodbc_symlink_to_iodbc_is_iodbc() {
        let dir = std::env::temp_dir().join(format!("kintone-odbc-dm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let real = dir.join("libiodbc.so.2.1.20");
        std::fs::write(&real, b"").unwrap();
        let link = dir.join("libodbc.so.2");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
        assert_eq!(manager_among(vec![path(&link)]), Some(DriverManager::Iodbc));
        assert_eq!(
            manager_among(vec!["/nonexistent/libodbc.so.2".into()]),
            Some(DriverManager::UnixOdbc)
        );
        assert_eq!(manager_among(vec!["/usr/lib/libc.so.6".into()]), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mode_overrides_parse() {
        assert_eq!(WcharMode::parse("UTF-16"), Some(WcharMode::Utf16));
        assert_eq!(WcharMode::parse("ucs4"), Some(WcharMode::Ucs4));
        assert_eq!(WcharMode::parse("latin1"), None);
    }
}
