//! An ini-file editor for odbc.ini / odbcinst.ini that changes only what it is asked to:
//! comments, blank lines, other sections and key order survive a round trip byte for
//! byte. Sections and keys match case-insensitively, as in both driver managers.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    Section {
        name: String,
        raw: String,
    },
    Pair {
        key: String,
        value: String,
        raw: String,
    },
    /// Comments and blank lines, kept as written.
    Other(String),
}

impl Line {
    fn raw(&self) -> &str {
        match self {
            Line::Section { raw, .. } | Line::Pair { raw, .. } | Line::Other(raw) => raw,
        }
    }

    fn is_blank(&self) -> bool {
        matches!(self, Line::Other(r) if r.trim().is_empty())
    }

    fn section_name(&self) -> Option<&str> {
        match self {
            Line::Section { name, .. } => Some(name),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Ini {
    path: PathBuf,
    lines: Vec<Line>,
    /// Whether the text ended with a line break (kept on save).
    trailing_newline: bool,
}

impl Ini {
    /// Parses `text`; errors name `path` and the line.
    pub fn parse(path: &Path, text: &str) -> Result<Ini, String> {
        let mut lines = Vec::new();
        let mut in_section = false;
        for (i, raw) in text.lines().enumerate() {
            let t = raw.trim();
            let at = || format!("{} line {}", path.display(), i + 1);
            let line = if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
                Line::Other(raw.to_string())
            } else if let Some(rest) = t.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(format!("{}: section header '{t}' has no closing ']'", at()));
                };
                let name = name.trim();
                if name.is_empty() {
                    return Err(format!("{}: empty section name '[]'", at()));
                }
                in_section = true;
                Line::Section {
                    name: name.to_string(),
                    raw: raw.to_string(),
                }
            } else if let Some((k, v)) = t.split_once('=') {
                let key = k.trim();
                if key.is_empty() {
                    return Err(format!("{}: '{t}' has a value but no key", at()));
                }
                if !in_section {
                    return Err(format!("{}: '{key}' is set before any [section]", at()));
                }
                Line::Pair {
                    key: key.to_string(),
                    value: v.trim().to_string(),
                    raw: raw.to_string(),
                }
            } else {
                return Err(format!(
                    "{}: expected '[section]', 'key = value' or a comment, found '{t}'",
                    at()
                ));
            };
            lines.push(line);
        }
        Ok(Ini {
            path: path.to_path_buf(),
            lines,
            trailing_newline: text.is_empty() || text.ends_with('\n'),
        })
    }

    /// Reads `path`; a missing file is an empty ini.
    pub fn load(path: &Path) -> Result<Ini, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ini::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ini::parse(path, ""),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn render(&self) -> String {
        let mut s = self
            .lines
            .iter()
            .map(Line::raw)
            .collect::<Vec<_>>()
            .join("\n");
        if self.trailing_newline && !s.is_empty() {
            s.push('\n');
        }
        s
    }

    /// Writes the file atomically (a temporary file renamed over it), keeping the mode of
    /// the file it replaces; new files get `new_mode`. Creates the directory if needed.
    pub fn save(&self, new_mode: u32) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let path = &self.path;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(new_mode);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.render().as_bytes())?;
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
    }

    pub fn sections(&self) -> Vec<&str> {
        self.lines.iter().filter_map(Line::section_name).collect()
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.section_range(section).is_some()
    }

    /// Index of the header and one past the section's last line.
    fn section_range(&self, section: &str) -> Option<(usize, usize)> {
        let start = self.lines.iter().position(|l| {
            l.section_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(section))
        })?;
        let end = self
            .lines
            .iter()
            .skip(start + 1)
            .position(|l| l.section_name().is_some())
            .map_or(self.lines.len(), |p| start + 1 + p);
        Some((start, end))
    }

    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let (s, e) = self.section_range(section)?;
        self.lines.get(s..e)?.iter().find_map(|l| match l {
            Line::Pair { key: k, value, .. } if k.eq_ignore_ascii_case(key) => Some(value.as_str()),
            _ => None,
        })
    }

    /// The section's pairs in file order.
    pub fn pairs(&self, section: &str) -> Vec<(String, String)> {
        let Some((s, e)) = self.section_range(section) else {
            return Vec::new();
        };
        self.lines
            .get(s..e)
            .unwrap_or_default()
            .iter()
            .filter_map(|l| match l {
                Line::Pair { key, value, .. } => Some((key.clone(), value.clone())),
                _ => None,
            })
            .collect()
    }

    /// Sets a key: in place when present, else after the section's last pair; a missing
    /// section is appended to the file.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let line = Line::Pair {
            key: key.to_string(),
            value: value.to_string(),
            raw: format!("{key} = {value}"),
        };
        let Some((s, e)) = self.section_range(section) else {
            if self.lines.last().is_some_and(|l| !l.is_blank()) {
                self.lines.push(Line::Other(String::new()));
            }
            self.lines.push(Line::Section {
                name: section.to_string(),
                raw: format!("[{section}]"),
            });
            self.lines.push(line);
            self.trailing_newline = true;
            return;
        };
        let existing = (s + 1..e).find(|&i| {
            matches!(self.lines.get(i), Some(Line::Pair { key: k, .. }) if k.eq_ignore_ascii_case(key))
        });
        if let Some(i) = existing {
            if let Some(slot) = self.lines.get_mut(i) {
                *slot = line;
            }
            return;
        }
        // After the last pair, so the blank line separating sections stays below.
        let at = (s + 1..e)
            .rev()
            .find(|&i| matches!(self.lines.get(i), Some(Line::Pair { .. })))
            .map_or(s + 1, |i| i + 1);
        self.lines.insert(at, line);
    }

    pub fn remove_key(&mut self, section: &str, key: &str) -> bool {
        let Some((s, e)) = self.section_range(section) else {
            return false;
        };
        let found = (s + 1..e).find(|&i| {
            matches!(self.lines.get(i), Some(Line::Pair { key: k, .. }) if k.eq_ignore_ascii_case(key))
        });
        match found {
            Some(i) => {
                self.lines.remove(i);
                true
            }
            None => false,
        }
    }

    /// Removes a section with everything up to the next header.
    pub fn remove_section(&mut self, section: &str) -> bool {
        let Some((s, e)) = self.section_range(section) else {
            return false;
        };
        self.lines.drain(s..e);
        // The blank line written before an appended section goes with it.
        if s == self.lines.len() {
            while self.lines.last().is_some_and(Line::is_blank) {
                self.lines.pop();
            }
        }
        true
    }

    /// Whether the section exists and has no pairs.
    pub fn section_is_empty(&self, section: &str) -> bool {
        self.has_section(section) && self.pairs(section).is_empty()
    }

    /// Only blank lines (or nothing) left.
    #[cfg(test)]
    pub fn is_blank(&self) -> bool {
        self.lines.iter().all(Line::is_blank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(text: &str) -> Ini {
        Ini::parse(Path::new("/x/odbc.ini"), text).unwrap()
    }

    const SAMPLE: &str = "; system DSNs\n[ODBC Data Sources]\nsales = PostgreSQL\n\n# the sales DB\n[sales]\nDriver=PostgreSQL\n  Database = sales ; not a comment\n\n[other]\nA=1\n";

    #[test]
    fn round_trip_is_byte_identical() {
        assert_eq!(ini(SAMPLE).render(), SAMPLE);
        assert_eq!(ini("[a]\nk=v").render(), "[a]\nk=v");
        assert_eq!(ini("").render(), "");
    }

    #[test]
    fn lookups_ignore_case_and_spaces() {
        let i = ini(SAMPLE);
        assert_eq!(i.get("SALES", "database"), Some("sales ; not a comment"));
        assert_eq!(i.get("sales", "Driver"), Some("PostgreSQL"));
        assert_eq!(i.get("sales", "missing"), None);
        assert_eq!(i.sections(), vec!["ODBC Data Sources", "sales", "other"]);
        assert_eq!(
            i.pairs("sales"),
            vec![
                ("Driver".to_string(), "PostgreSQL".to_string()),
                ("Database".to_string(), "sales ; not a comment".to_string())
            ]
        );
    }

    #[test]
    fn set_replaces_in_place_and_appends_within_the_section() {
        let mut i = ini(SAMPLE);
        i.set("Sales", "driver", "Kintone");
        i.set("sales", "Port", "5432");
        i.set("ODBC Data Sources", "kin", "Kintone");
        assert_eq!(
            i.render(),
            "; system DSNs\n[ODBC Data Sources]\nsales = PostgreSQL\nkin = Kintone\n\n# the sales DB\n[sales]\ndriver = Kintone\n  Database = sales ; not a comment\nPort = 5432\n\n[other]\nA=1\n"
        );
    }

    #[test]
    fn new_section_goes_last_and_removing_it_restores_the_file() {
        let mut i = ini(SAMPLE);
        i.set("Kintone", "Driver", "/opt/k/lib.so");
        i.set("Kintone", "UsageCount", "1");
        assert!(i
            .render()
            .ends_with("A=1\n\n[Kintone]\nDriver = /opt/k/lib.so\nUsageCount = 1\n"));
        assert!(i.remove_section("kintone"));
        assert_eq!(i.render(), SAMPLE);
        assert!(!i.remove_section("kintone"));
    }

    #[test]
    fn empty_file_round_trip() {
        let mut i = ini("");
        i.set("K", "a", "1");
        assert_eq!(i.render(), "[K]\na = 1\n");
        i.remove_section("K");
        assert!(i.is_blank());
        assert_eq!(i.render(), "");
    }

    #[test]
    fn removing_a_middle_section_keeps_the_others() {
        let mut i = ini(SAMPLE);
        assert!(i.remove_section("sales"));
        assert_eq!(
            i.render(),
            "; system DSNs\n[ODBC Data Sources]\nsales = PostgreSQL\n\n# the sales DB\n[other]\nA=1\n"
        );
        assert!(i.remove_key("ODBC Data Sources", "SALES"));
        assert!(i.section_is_empty("ODBC Data Sources"));
        assert!(!i.remove_key("ODBC Data Sources", "sales"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = |t: &str| Ini::parse(Path::new("/etc/odbc.ini"), t).unwrap_err();
        assert_eq!(
            e("[a]\nk=v\njunk\n"),
            "/etc/odbc.ini line 3: expected '[section]', 'key = value' or a comment, found 'junk'"
        );
        assert_eq!(
            e("k=v\n"),
            "/etc/odbc.ini line 1: 'k' is set before any [section]"
        );
        assert_eq!(
            e("\n[abc\n"),
            "/etc/odbc.ini line 2: section header '[abc' has no closing ']'"
        );
        assert_eq!(
            e("[a]\n = v\n"),
            "/etc/odbc.ini line 2: '= v' has a value but no key"
        );
    }

    #[test]
    fn save_is_atomic_and_keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("kintone-ini-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub/odbc.ini");
        let mut i = Ini::load(&path).unwrap();
        i.set("a", "k", "v");
        i.save(0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[a]\nk = v\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut i = Ini::load(&path).unwrap();
        i.set("a", "k", "w");
        i.save(0o600).unwrap();
        assert_eq!(mode(&path), 0o640);
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
