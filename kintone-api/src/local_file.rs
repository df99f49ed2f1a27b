//! Local files the connection reads (certificates, keys, a views file): read whole, but
//! never past a cap, so that a wrong path (`/dev/zero`, a disk image) cannot fill the
//! host's memory.

use std::io::Read;
use std::path::Path;

/// The whole file, or `None` when it holds more than `max` bytes (read no further).
pub fn read_capped(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let mut data = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut data)?;
    Ok((data.len() as u64 <= max).then_some(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_cap_and_no_further() {
        let p = std::env::temp_dir().join(format!("kodbc-capped-{}", std::process::id()));
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_capped(&p, 5).unwrap().as_deref(), Some(&b"12345"[..]));
        assert_eq!(read_capped(&p, 4).unwrap(), None);
        std::fs::remove_file(&p).unwrap();
        assert!(read_capped(&p, 4).is_err());
    }
}
