//! The log file: mode 0600, rotated by size (`MaxLogFileSize`) into `name.1`,
//! `name.2` ... with at most `MaxLogFileCount` files in all.
//!
//! Connections of one process that name the same file share one [`LogFile`]: two
//! writers rotating one file on their own would rename it under each other.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use tracing_subscriber::fmt::MakeWriter;

use crate::sync::lock;

pub struct LogFile {
    path: PathBuf,
    max_size: u64,
    max_count: Option<u32>,
    state: Mutex<State>,
}

struct State {
    file: File,
    size: u64,
    /// A regular file: rotated. `/dev/null` or a FIFO is written as it is.
    rotates: bool,
}

/// The files open in this process, by path.
static OPEN: Mutex<Vec<(PathBuf, Weak<LogFile>)>> = Mutex::new(Vec::new());

/// Opens (or creates) `path` for appending, readable by its owner only: at high
/// verbosity it holds queries and Kintone's answers, which are the customer's data.
fn open_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // An older log made with wider permissions is narrowed too (best effort: a file
    // such as /dev/null is not ours to change).
    if let Ok(m) = file.metadata() {
        if m.is_file() && m.permissions().mode() & 0o077 != 0 {
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(file)
}

impl LogFile {
    pub fn open(
        path: &Path,
        max_size: u64,
        max_count: Option<u32>,
    ) -> std::io::Result<Arc<LogFile>> {
        let file = open_file(path)?;
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut open = lock(&OPEN);
        open.retain(|(_, w)| w.strong_count() > 0);
        if let Some(shared) = open
            .iter()
            .find(|(p, _)| *p == key)
            .and_then(|(_, w)| w.upgrade())
        {
            return Ok(shared);
        }
        let meta = file.metadata()?;
        let log = Arc::new(LogFile {
            path: path.to_path_buf(),
            max_size,
            max_count,
            state: Mutex::new(State {
                size: meta.len(),
                rotates: meta.is_file(),
                file,
            }),
        });
        open.push((key, Arc::downgrade(&log)));
        Ok(log)
    }

    fn numbered(&self, n: u32) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{n}"));
        PathBuf::from(p)
    }

    /// `name` becomes `name.1`, `name.1` becomes `name.2` ...; the oldest beyond the
    /// count is removed; a new `name` is opened.
    fn rotate(&self, st: &mut State) -> std::io::Result<()> {
        let last = match self.max_count {
            // The file being written is one of the `n`.
            Some(n) => n.saturating_sub(1).max(1),
            None => {
                let mut n = 1;
                while self.numbered(n).exists() {
                    n += 1;
                }
                n
            }
        };
        let _ = std::fs::remove_file(self.numbered(last));
        for i in (1..last).rev() {
            let from = self.numbered(i);
            if from.exists() {
                std::fs::rename(&from, self.numbered(i + 1))?;
            }
        }
        std::fs::rename(&self.path, self.numbered(1))?;
        st.file = open_file(&self.path)?;
        st.size = 0;
        Ok(())
    }

    fn write_line(&self, buf: &[u8]) {
        let mut st = lock(&self.state);
        if st.rotates && st.size > 0 && st.size + buf.len() as u64 > self.max_size {
            // A file that cannot be rotated is written on: losing lines would be worse.
            let _ = self.rotate(&mut st);
        }
        if st.file.write_all(buf).is_ok() {
            st.size += buf.len() as u64;
        }
    }
}

/// The writer of one event: the formatter hands it the whole line at once.
pub struct LineWriter(Arc<LogFile>);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // A log that cannot be written must not fail the application's call.
        self.0.write_line(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The subscriber's side of a [`LogFile`].
pub struct Shared(pub Arc<LogFile>);

impl<'a> MakeWriter<'a> for Shared {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_the_count_and_the_size() {
        let dir = std::env::temp_dir().join(format!("kodbc-rot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.log");
        let f = LogFile::open(&path, 1000, Some(3)).unwrap();
        let mut line = vec![b'x'; 99];
        line.push(b'\n');
        for _ in 0..100 {
            f.write_line(&line);
        }
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["k.log", "k.log.1", "k.log.2"]);
        for n in &names {
            let len = std::fs::metadata(dir.join(n)).unwrap().len();
            assert!(len <= 1000, "{n}: {len}");
        }
        // A second open of the same file shares the writer (and its rotation).
        assert!(Arc::ptr_eq(&f, &LogFile::open(&path, 5, None).unwrap()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
