//! Reading a rules folder from disk: `rules/<lang>/<category>.toml`.
//!
//! This is the only place rule files are read; parsing and checking are the engine's
//! ([`crate::engine::rule_file`], [`crate::engine::ruleset`]).

use std::fs;
use std::path::{Path, PathBuf};

use crate::engine::{build_lenient, build_unchecked, Lang, LoadReport, RuleError, RuleSource};

/// Why a rules folder could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum RulesDirError {
    #[error("rules folder {path} cannot be read; check the path (--rules DIR or rules_dir in the config)")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("rules folder {0} contains no .toml rule file; put rules in {0}/fr/<category>.toml or {0}/en/<category>.toml")]
    Empty(PathBuf),
}

/// The rule files of a folder, in a stable order, and the problems of files that could not be
/// read (unknown language folder, not UTF-8, unreadable).
#[derive(Debug, Default)]
pub struct RulesDir {
    pub sources: Vec<RuleSource>,
    pub errors: Vec<RuleError>,
}

/// Reads every `.toml` file under `dir`: in `dir/fr/` and `dir/en/` (the folder gives the
/// language) and directly in `dir` (each rule then sets `lang`).
pub fn read(dir: &Path) -> Result<RulesDir, RulesDirError> {
    let unreadable = |source| RulesDirError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = RulesDir::default();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            let lang = match name.parse::<Lang>() {
                Ok(lang) => lang,
                Err(_) => {
                    out.errors.push(RuleError::new(
                        &path,
                        format!(
                            "unknown language folder {name:?}; rule folders are named fr or en"
                        ),
                    ));
                    continue;
                }
            };
            let mut files: Vec<PathBuf> = match fs::read_dir(&path) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_toml(p))
                    .collect(),
                Err(e) => {
                    out.errors.push(RuleError::new(
                        &path,
                        format!("cannot read this folder: {e}"),
                    ));
                    continue;
                }
            };
            files.sort();
            for file in files {
                out.push(file, Some(lang));
            }
        } else if is_toml(&path) {
            out.push(path, None);
        }
    }
    if out.sources.is_empty() && out.errors.is_empty() {
        return Err(RulesDirError::Empty(dir.to_path_buf()));
    }
    Ok(out)
}

impl RulesDir {
    fn push(&mut self, path: PathBuf, lang: Option<Lang>) {
        match fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => self.sources.push(RuleSource { path, text, lang }),
                Err(e) => self.errors.push(RuleError::new(
                    &path,
                    format!(
                        "not valid UTF-8 (byte {}); save the file as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                )),
            },
            Err(e) => self
                .errors
                .push(RuleError::new(&path, format!("cannot read this file: {e}"))),
        }
    }
}

/// Reads and builds a rules folder, keeping the files without problems: the report's
/// `errors` lists every problem (folder and files), `engine` coaches with the good files.
pub fn load(dir: &Path) -> Result<LoadReport, RulesDirError> {
    let read = read(dir)?;
    let mut report = build_lenient(&read.sources);
    report.errors.splice(0..0, read.errors);
    Ok(report)
}

/// Like [`load`], without running examples or checking alternatives.
pub fn load_unchecked(dir: &Path) -> Result<LoadReport, RulesDirError> {
    let read = read(dir)?;
    let mut report = build_unchecked(&read.sources);
    report.errors.splice(0..0, read.errors);
    Ok(report)
}

fn is_toml(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e == "toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_language_folders_and_reports_bad_entries() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("fr")).unwrap();
        fs::create_dir(dir.path().join("de")).unwrap();
        fs::write(dir.path().join("fr/refusal.toml"), "").unwrap();
        fs::write(dir.path().join("fr/notes.txt"), "").unwrap();
        fs::write(dir.path().join("fr/bad.toml"), [0xff, 0xfe]).unwrap();
        let read = read(dir.path()).unwrap();
        assert_eq!(read.sources.len(), 1);
        assert_eq!(read.sources[0].lang, Some(Lang::Fr));
        let errors: Vec<String> = read.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("unknown language folder \"de\"")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("not valid UTF-8")),
            "{errors:?}"
        );
    }

    #[test]
    fn missing_or_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()), Err(RulesDirError::Empty(_))));
        let missing = dir.path().join("nope");
        let err = read(&missing).unwrap_err().to_string();
        assert!(
            err.contains("cannot be read") && err.contains("--rules"),
            "{err}"
        );
    }
}
