//! Problems found in a rules folder, each precise enough to fix without guessing.

use std::fmt;
use std::path::PathBuf;

/// One problem in one rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    pub rule: Option<String>,
    /// The field, e.g. `severity` or `examples.flag[2]`.
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl RuleError {
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> RuleError {
        RuleError {
            file: file.into(),
            line: None,
            rule: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn rule(mut self, rule: Option<&str>) -> Self {
        self.rule = rule.map(str::to_string);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found while loading a rules folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_rule_field() {
        let e = RuleError::new(
            "rules/fr/refusal.toml",
            "unknown severity \"high\"; use one of info, warning, alert",
        )
        .line(Some(12))
        .rule(Some("fr-x"))
        .field("severity");
        assert_eq!(
            e.to_string(),
            "rules/fr/refusal.toml:12: rule fr-x: severity: unknown severity \"high\"; use one of info, warning, alert"
        );
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
