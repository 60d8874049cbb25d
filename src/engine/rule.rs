//! What a rule is, once its file has been read and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language Tact coaches in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = String;
    /// `fr` or `en`, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown language {s:?}; use one of fr, en"))
    }
}

/// How much a hit matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Alert,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Alert => "alert",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "alert" => Ok(Severity::Alert),
            other => Err(format!(
                "unknown severity {other:?}; use one of info, warning, alert"
            )),
        }
    }
}

/// Whether a rule coaches away from a phrase or recognizes good practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Avoid,
    Praise,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Avoid => "avoid",
            Kind::Praise => "praise",
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "avoid" => Ok(Kind::Avoid),
            "praise" => Ok(Kind::Praise),
            other => Err(format!("unknown kind {other:?}; use avoid or praise")),
        }
    }
}

/// Categories of phrases to coach away from.
pub const AVOID_CATEGORIES: &[&str] = &[
    "ownership",
    "refusal",
    "blame",
    "policy",
    "overpromise",
    "dismissive",
    "impatience",
    "alarm",
    "spelling",
];

/// Categories of good practice to recognize.
pub const PRAISE_CATEGORIES: &[&str] = &[
    "solution",
    "follow-up",
    "empathy",
    "personal-touch",
    "closing",
];

/// Where a rule came from, for error messages and `rules show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// Line of the rule's `[[rule]]` header.
    pub line: usize,
    /// Line of each field and list element, keyed like `examples.flag[2]`.
    pub fields: BTreeMap<String, usize>,
}

impl Origin {
    /// Line of `field` (e.g. `alternatives[1]`), or of the rule header.
    pub fn line_of(&self, field: &str) -> usize {
        self.fields.get(field).copied().unwrap_or(self.line)
    }
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub category: String,
    pub lang: Lang,
    pub severity: Severity,
    pub kind: Kind,
    pub phrases: Vec<String>,
    pub patterns: Vec<String>,
    pub unless: Vec<String>,
    pub why: String,
    pub alternatives: Vec<String>,
    pub swap: bool,
    pub examples_flag: Vec<String>,
    pub examples_pass: Vec<String>,
    pub origin: Origin,
}
