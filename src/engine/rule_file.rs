//! Where a rule file is parsed: TOML text in, checked [`Rule`]s and every problem out.
//!
//! This is pure: the caller reads the file (see `crate::rules_dir`) and passes its text. The
//! parser keeps going after a problem, so one run reports everything wrong in the file.

use std::collections::BTreeMap;
use std::path::Path;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::error::{line_of, RuleError};
use super::phrase;
use super::rule::{Kind, Lang, Origin, Rule, Severity, AVOID_CATEGORIES, PRAISE_CATEGORIES};

const FIELDS: &[&str] = &[
    "id",
    "category",
    "lang",
    "severity",
    "kind",
    "phrases",
    "patterns",
    "unless",
    "why",
    "alternatives",
    "swap",
    "examples",
];
const MIN_EXAMPLES: usize = 3;
const MIN_ALTERNATIVES: usize = 2;
/// Compiled size limit for one raw pattern.
pub const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// The parsed rules of one file and the problems found in it.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rules: Vec<Rule>,
    pub errors: Vec<RuleError>,
}

/// Parses the text of the rule file `path`. `lang` comes from the folder (`rules/<lang>/`),
/// and the file name (`<category>.toml`) gives the default category.
pub fn parse(path: &Path, text: &str, lang: Option<Lang>) -> ParsedFile {
    let mut out = ParsedFile::default();
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            let msg = e.message().trim().replace('\n', " ");
            out.errors.push(
                RuleError::new(path, format!("TOML syntax error: {msg}; fix the syntax (strings in double quotes, one `[[rule]]` header per rule)"))
                    .line(line),
            );
            return out;
        }
    };
    let default_category = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| AVOID_CATEGORIES.contains(s) || PRAISE_CATEGORIES.contains(s));
    let file = FileCtx { path, text };
    for (key, item) in doc.as_table().iter() {
        if key != "rule" {
            out.errors.push(
                RuleError::new(path, format!("unexpected top-level key `{key}`; every rule starts with a `[[rule]]` header"))
                    .line(file.line(item.span())),
            );
        }
    }
    let Some(rules) = doc.get("rule") else {
        return out;
    };
    let Some(rules) = rules.as_array_of_tables() else {
        out.errors.push(
            RuleError::new(
                path,
                "`rule` must be written as `[[rule]]` tables (double brackets)",
            )
            .line(file.line(rules.span())),
        );
        return out;
    };
    for table in rules.iter() {
        let mut errors = Vec::new();
        if let Some(rule) = file.rule(table, lang, default_category, &mut errors) {
            out.rules.push(rule);
        }
        out.errors.extend(errors);
    }
    out
}

struct FileCtx<'a> {
    path: &'a Path,
    text: &'a str,
}

/// Collects one rule's problems, each tagged with the rule id once it is known.
struct RuleCtx<'a, 'b> {
    file: &'a FileCtx<'a>,
    id: Option<String>,
    header_line: usize,
    errors: &'b mut Vec<RuleError>,
    lines: BTreeMap<String, usize>,
}

impl FileCtx<'_> {
    fn line(&self, span: Option<std::ops::Range<usize>>) -> Option<usize> {
        span.map(|s| line_of(self.text, s.start))
    }

    fn rule(
        &self,
        table: &toml_edit::Table,
        folder_lang: Option<Lang>,
        default_category: Option<&str>,
        errors: &mut Vec<RuleError>,
    ) -> Option<Rule> {
        let header_line = self.line(table.span()).unwrap_or(1);
        let mut cx = RuleCtx {
            file: self,
            id: None,
            header_line,
            errors,
            lines: BTreeMap::new(),
        };
        let id = cx.string(table, "id", true);
        cx.id = id.clone();
        for (key, item) in table.iter() {
            if !FIELDS.contains(&key) {
                let hint = closest(key, FIELDS)
                    .map(|k| format!("did you mean `{k}`?"))
                    .unwrap_or_else(|| format!("known fields: {}", FIELDS.join(", ")));
                cx.error(item, key, format!("unknown field `{key}`; {hint}"));
            }
        }

        if let Some(id) = &id {
            if !is_kebab(id) {
                cx.error_at(table.get("id"), "id", format!("id {id:?} is not kebab-case; use lowercase letters, digits and single dashes, e.g. \"fr-pas-mon-ressort\""));
            }
        }

        let lang = match cx.string(table, "lang", false) {
            Some(s) => match s.parse::<Lang>() {
                Ok(l) => Some(l),
                Err(e) => {
                    cx.error_at(table.get("lang"), "lang", e);
                    None
                }
            },
            None => {
                if folder_lang.is_none() {
                    cx.error_at(None, "lang", "no language: put the file in rules/fr/ or rules/en/, or set lang = \"fr\" or \"en\"");
                }
                folder_lang
            }
        };
        let kind = match cx.string(table, "kind", false) {
            Some(s) => s
                .parse::<Kind>()
                .map_err(|e| cx.error_at(table.get("kind"), "kind", e))
                .ok(),
            None => Some(Kind::Avoid),
        };
        let severity = cx.string(table, "severity", true).and_then(|s| {
            s.parse::<Severity>()
                .map_err(|e| cx.error_at(table.get("severity"), "severity", e))
                .ok()
        });

        let category = cx
            .string(table, "category", false)
            .or_else(|| default_category.map(str::to_string));
        let category = match (category, kind) {
            (None, _) => {
                cx.error_at(None, "category", format!("missing category; set category to one of {} (or {} for praise rules), or name the file after the category", AVOID_CATEGORIES.join(", "), PRAISE_CATEGORIES.join(", ")));
                None
            }
            (Some(c), Some(Kind::Avoid)) if !AVOID_CATEGORIES.contains(&c.as_str()) => {
                cx.error_at(
                    table.get("category"),
                    "category",
                    format!(
                        "category {c:?} is not an avoid category; use one of {}",
                        AVOID_CATEGORIES.join(", ")
                    ),
                );
                None
            }
            (Some(c), Some(Kind::Praise)) if !PRAISE_CATEGORIES.contains(&c.as_str()) => {
                cx.error_at(
                    table.get("category"),
                    "category",
                    format!(
                        "category {c:?} is not a praise category; use one of {}",
                        PRAISE_CATEGORIES.join(", ")
                    ),
                );
                None
            }
            (c, _) => c,
        };

        let phrases = cx.strings(table, "phrases");
        let patterns = cx.strings(table, "patterns");
        let unless = cx.strings(table, "unless");
        if phrases.is_empty()
            && patterns.is_empty()
            && table.get("phrases").is_none()
            && table.get("patterns").is_none()
        {
            cx.error_at(
                None,
                "phrases",
                "the rule matches nothing; add `phrases = [\"...\"]` (or raw `patterns`)",
            );
        }
        if let Some(lang) = lang {
            for (field, list) in [("phrases", &phrases), ("unless", &unless)] {
                for (i, p) in list.iter().enumerate() {
                    if let Err(e) = phrase::compile(p, lang) {
                        let f = format!("{field}[{i}]");
                        let line = cx.lines.get(&f).copied();
                        cx.push(line, f, format!("{p:?}: {e}"));
                    }
                }
            }
        }
        for (i, p) in patterns.iter().enumerate() {
            let f = format!("patterns[{i}]");
            let line = cx.lines.get(&f).copied();
            if let Some(problem) = pattern_problem(p) {
                cx.push(line, f, problem);
            }
        }

        let why = cx.string(table, "why", true);
        if why.as_deref().is_some_and(|w| w.trim().is_empty()) {
            cx.error_at(table.get("why"), "why", "`why` is empty; say in one or two sentences which service principle the phrase breaks");
        }
        let alternatives = cx.strings(table, "alternatives");
        if kind == Some(Kind::Avoid) && alternatives.len() < MIN_ALTERNATIVES {
            cx.error_at(table.get("alternatives"), "alternatives", format!("an avoid rule needs at least {MIN_ALTERNATIVES} alternatives (found {}); add ready-to-send replacements", alternatives.len()));
        }
        for (i, a) in alternatives.iter().enumerate() {
            if a.trim().is_empty() {
                let f = format!("alternatives[{i}]");
                let line = cx.lines.get(&f).copied();
                cx.push(
                    line,
                    f,
                    "empty alternative; write the replacement text or remove it",
                );
            }
        }
        let swap = match table.get("swap") {
            None => false,
            Some(item) => match item.as_bool() {
                Some(b) => b,
                None => {
                    cx.error(item, "swap", "swap must be true or false");
                    false
                }
            },
        };
        if swap && alternatives.is_empty() {
            cx.error_at(
                table.get("swap"),
                "swap",
                "swap = true needs alternatives to swap in",
            );
        }

        let (flag, pass) = match table.get("examples") {
            None => {
                cx.error_at(None, "examples", format!("missing examples; add examples.flag and examples.pass with at least {MIN_EXAMPLES} messages each"));
                (vec![], vec![])
            }
            Some(item) => match item.as_table_like() {
                None => {
                    cx.error(item, "examples", "examples must be a table: write `examples.flag = [...]` and `examples.pass = [...]`");
                    (vec![], vec![])
                }
                Some(ex) => {
                    for (key, sub) in ex.iter() {
                        if key != "flag" && key != "pass" {
                            cx.error(sub, &format!("examples.{key}"), format!("unknown field `examples.{key}`; use examples.flag and examples.pass"));
                        }
                    }
                    let flag = cx.strings_in(ex, "flag", "examples.flag");
                    let pass = cx.strings_in(ex, "pass", "examples.pass");
                    for (name, list) in [("examples.flag", &flag), ("examples.pass", &pass)] {
                        if list.len() < MIN_EXAMPLES {
                            let line = cx.lines.get(name).copied();
                            cx.push(line, name, format!("needs at least {MIN_EXAMPLES} messages (found {}); add realistic examples", list.len()));
                        }
                    }
                    (flag, pass)
                }
            },
        };

        let rule = Rule {
            id: id?,
            category: category?,
            lang: lang?,
            severity: severity?,
            kind: kind?,
            phrases,
            patterns,
            unless,
            why: why?,
            alternatives,
            swap,
            examples_flag: flag,
            examples_pass: pass,
            origin: Origin {
                file: self.path.to_path_buf(),
                line: header_line,
                fields: std::mem::take(&mut cx.lines),
            },
        };
        cx.errors.is_empty().then_some(rule)
    }
}

impl RuleCtx<'_, '_> {
    fn push(&mut self, line: Option<usize>, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(
            RuleError::new(self.file.path, message)
                .line(line.or(Some(self.header_line)))
                .rule(self.id.as_deref())
                .field(field),
        );
    }

    fn error(&mut self, item: &Item, field: &str, message: impl Into<String>) {
        let line = self.file.line(item.span());
        self.push(line, field, message);
    }

    fn error_at(&mut self, item: Option<&Item>, field: &str, message: impl Into<String>) {
        let line = item.and_then(|i| self.file.line(i.span()));
        self.push(line, field, message);
    }

    fn string(&mut self, table: &toml_edit::Table, key: &str, required: bool) -> Option<String> {
        match table.get(key) {
            None => {
                if required {
                    self.push(None, key, format!("missing `{key}`; add `{key} = \"...\"`"));
                }
                None
            }
            Some(item) => {
                if let Some(line) = self.file.line(item.span()) {
                    self.lines.insert(key.to_string(), line);
                }
                match item.as_str() {
                    Some(s) => Some(s.to_string()),
                    None => {
                        self.error(
                            item,
                            key,
                            format!("`{key}` must be a string in double quotes"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn strings(&mut self, table: &toml_edit::Table, key: &str) -> Vec<String> {
        self.strings_in(table, key, key)
    }

    /// A list of strings; records the line of each element as `name[i]`.
    fn strings_in(&mut self, table: &dyn TableLike, key: &str, name: &str) -> Vec<String> {
        let Some(item) = table.get(key) else {
            return vec![];
        };
        let line = self.file.line(item.span());
        if let Some(line) = line {
            self.lines.insert(name.to_string(), line);
        }
        let Some(array) = item.as_array() else {
            self.push(
                line,
                name,
                format!("`{name}` must be a list of strings: `{key} = [\"...\", \"...\"]`"),
            );
            return vec![];
        };
        let mut out = Vec::with_capacity(array.len());
        for (i, value) in array.iter().enumerate() {
            let el_line = self.file.line(value.span()).or(line);
            let el = format!("{name}[{i}]");
            if let Some(l) = el_line {
                self.lines.insert(el.clone(), l);
            }
            match value {
                Value::String(s) => out.push(s.value().to_string()),
                _ => self.push(el_line, el, "must be a string in double quotes"),
            }
        }
        out
    }
}

/// Why a raw pattern cannot work, if it cannot.
pub fn pattern_problem(pattern: &str) -> Option<String> {
    if let Some(c) = pattern.chars().find(|c| {
        c.is_uppercase()
            || (!c.is_ascii()
                && c.is_alphabetic()
                && crate::engine::normalize::fold(&c.to_string()) != c.to_string())
    }) {
        // Escapes such as \W, \S, \D, \B, \P{..} are uppercase on purpose.
        let escaped_class = pattern
            .match_indices(c)
            .all(|(i, _)| i > 0 && pattern.as_bytes()[i - 1] == b'\\');
        if !escaped_class {
            return Some(format!(
                "{pattern:?} contains {c:?}, but patterns run on normalized text (lowercase, no accents); write it in lowercase without accents"
            ));
        }
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .err()
        .map(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "{pattern:?} compiles to more than {limit} bytes; split it into several smaller patterns or phrases"
            ),
            e => format!("{pattern:?} is not a valid regex: {}", e.to_string().replace('\n', " ")),
        })
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The known name closest to `word` (edit distance at most 2).
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[rule]]
id = "fr-test"
severity = "alert"
phrases = ["pas mon rayon"]
why = "Prendre le dossier en main."
alternatives = ["Je m'en occupe.", "Je transmets et je suis le dossier."]
examples.flag = ["c'est pas mon rayon", "pas mon rayon", "vraiment pas mon rayon"]
examples.pass = ["je m'en occupe", "mon rayon de soleil", "ok"]
"#;

    fn parse_fr(text: &str) -> ParsedFile {
        parse(Path::new("rules/fr/ownership.toml"), text, Some(Lang::Fr))
    }

    #[test]
    fn parses_a_good_rule_with_defaults_from_the_path() {
        let parsed = parse_fr(GOOD);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let rule = &parsed.rules[0];
        assert_eq!(rule.category, "ownership");
        assert_eq!(rule.lang, Lang::Fr);
        assert_eq!(rule.kind, Kind::Avoid);
        assert_eq!(rule.origin.line, 2);
        assert_eq!(rule.origin.fields["examples.pass[1]"], 9);
    }

    #[test]
    fn reports_every_problem_with_lines() {
        let bad = r#"
[[rule]]
id = "Bad_Id"
severity = "high"
kind = "avoid"
phrases = ["pas (mon rayon"]
patterns = ["Ça", "(unclosed"]
why = ""
alternatives = ["seule"]
exemples = 3
examples.flag = ["x"]
"#;
        let parsed = parse_fr(bad);
        assert!(parsed.rules.is_empty());
        let text: Vec<String> = parsed.errors.iter().map(|e| e.to_string()).collect();
        let all = text.join("\n");
        for needle in [
            ":3: rule Bad_Id: id: id \"Bad_Id\" is not kebab-case",
            ":4: rule Bad_Id: severity: unknown severity \"high\"",
            ":6: rule Bad_Id: phrases[0]:",
            "never closed",
            ":7: rule Bad_Id: patterns[0]:",
            "lowercase",
            "patterns[1]: \"(unclosed\" is not a valid regex",
            ":8: rule Bad_Id: why:",
            "at least 2 alternatives",
            ":10: rule Bad_Id: exemples: unknown field `exemples`; did you mean `examples`?",
            "examples.flag: needs at least 3",
            "examples.pass: needs at least 3",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
    }

    #[test]
    fn syntax_error_has_a_line() {
        let parsed = parse_fr("[[rule]]\nid = \"x\"\nwhy = \"unterminated\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, Some(3));
        assert!(parsed.errors[0].message.starts_with("TOML syntax error"));
    }

    #[test]
    fn category_must_fit_the_kind() {
        let text = GOOD.replace(
            "severity = \"alert\"",
            "severity = \"info\"\nkind = \"praise\"",
        );
        let parsed = parse_fr(&text);
        assert!(
            parsed.errors[0].message.contains("not a praise category"),
            "{:?}",
            parsed.errors
        );
        let parsed = parse(Path::new("rules/fr/misc.toml"), GOOD, Some(Lang::Fr));
        assert!(parsed.errors[0].message.contains("missing category"));
    }

    #[test]
    fn pattern_checks() {
        assert!(pattern_problem("\\bn'importe quoi\\b").is_none());
        assert!(pattern_problem("\\W+\\S").is_none());
        assert!(pattern_problem("é").is_some());
        assert!(pattern_problem("a{1000}{1000}")
            .unwrap()
            .contains("split it"));
    }

    #[test]
    fn closest_field() {
        assert_eq!(closest("phrase", FIELDS), Some("phrases"));
        assert_eq!(closest("zzzzzz", FIELDS), None);
    }
}
