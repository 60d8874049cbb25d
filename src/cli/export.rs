//! `tact rules export --guild ID`: the alternatives a guild's admins accepted (from agents'
//! suggestions, with `/tact-admin feedback`) as a TOML file to merge into the rules folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context as _};
use clap::Args;

use crate::config::{Config, DEFAULT_CONFIG_FILE};
use crate::engine::normalize::fold;
use crate::engine::Engine;
use crate::rules_dir;
use crate::storage::Storage;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The guild (server) id whose accepted alternatives are exported.
    #[arg(long)]
    guild: u64,
    /// The configuration file (default ./config.toml): where the database and the rules are.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write to this file instead of the standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(p) => Config::load(p),
        None => Config::load_or_default(DEFAULT_CONFIG_FILE),
    }
    .map_err(|problems| anyhow!("the configuration has problems:\n{problems}\n(run `tact config check` after fixing them)"))?;
    let db = &config.database;
    if db.as_os_str() == ":memory:" || !db.exists() {
        bail!(
            "no database at {}: the accepted alternatives live in the bot's database (`database` in the configuration)",
            db.display()
        );
    }
    let storage =
        Storage::open(db).with_context(|| format!("cannot open the database {}", db.display()))?;
    let overlay = storage.overlay(args.guild)?;
    let engine = match rules_dir::load_unchecked(&config.rules_dir) {
        Ok(report) => Some(report.engine),
        Err(e) => {
            eprintln!("tact: warning: {e}; exporting without the rules' files");
            None
        }
    };
    let text = render(args.guild, &overlay, engine.as_ref(), &config.rules_dir);
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write as _;
            write!(std::io::stdout(), "{text}")?
        }
    }
    let rules = text.matches("[[rule]]").count();
    eprintln!(
        "{} accepted alternative(s); {rules} rule(s) to merge",
        overlay.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The TOML file: a header explaining how to merge, then one `[[rule]]` per rule id with the
/// alternatives that are not in the rules folder yet (each preceded by the rule's file).
pub fn render(
    guild: u64,
    overlay: &[(String, String)],
    engine: Option<&Engine>,
    rules_dir: &Path,
) -> String {
    // Rule ids in the folder's order, then unknown ones in acceptance order.
    let mut ids: Vec<&str> = Vec::new();
    for (id, _) in overlay {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let position = |id: &str| {
        engine
            .and_then(|e| e.rules().iter().position(|r| r.id == id))
            .unwrap_or(usize::MAX)
    };
    ids.sort_by_key(|id| position(id));

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Alternatives accepted by the admins of guild {guild} (/tact-admin feedback),"
    );
    let _ = writeln!(out, "# exported by `tact rules export --guild {guild}`.");
    out.push_str(
        "#
# How to merge them into the rules folder:
#   1. For each [[rule]] below, open the file named above it and find the rule with that id.
#   2. Append the strings of `alternatives` to that rule's `alternatives` list (keep the
#      existing ones; leave out any you do not want).
#   3. Run `tact rules check` and `tact rules test`: every alternative must pass every rule.
#   4. Reload the bot's rules: `/tact-admin reload`, or just save (the bot watches the folder).
# This file only holds ids and alternatives: it is not a rule file, do not copy it into the
# rules folder as is. Alternatives already in the rules folder are left out.
",
    );
    let mut rules = 0;
    for id in ids {
        let rule = engine.and_then(|e| e.rule(id));
        let known: Vec<String> = rule
            .map(|r| r.alternatives.iter().map(|a| fold(a)).collect())
            .unwrap_or_default();
        let mut alternatives: Vec<&str> = Vec::new();
        for (_, alt) in overlay.iter().filter(|(r, _)| r == id) {
            let folded = fold(alt);
            if !known.contains(&folded) && !alternatives.iter().any(|a| fold(a) == folded) {
                alternatives.push(alt);
            }
        }
        if alternatives.is_empty() {
            continue;
        }
        rules += 1;
        out.push('\n');
        match rule {
            Some(r) => {
                let file = r.origin.file.strip_prefix(rules_dir).map_or_else(
                    |_| r.origin.file.clone(),
                    |rel| Path::new("rules").join(rel),
                );
                let _ = writeln!(
                    out,
                    "# {}:{} ({}, {})",
                    file.display(),
                    r.origin.line,
                    r.lang,
                    r.category
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "# not in the rules folder any more: merge by hand or leave out"
                );
            }
        }
        out.push_str("[[rule]]\n");
        let _ = writeln!(out, "id = {}", toml_string(id));
        out.push_str("alternatives = [\n");
        for alt in alternatives {
            let _ = writeln!(out, "    {},", toml_string(alt));
        }
        out.push_str("]\n");
    }
    if rules == 0 {
        out.push_str(
            "\n# Nothing to merge: no accepted alternative is missing from the rules folder.\n",
        );
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{build_strict, Lang, RuleSource};

    const RULE: &str = r#"
[[rule]]
id = "fr-calmez-vous"
category = "dismissive"
severity = "alert"
phrases = ["calmez-vous"]
why = "Personne ne se calme sur ordre."
alternatives = ["Je comprends votre agacement.", "Je vois que la situation est pénible."]
examples.flag = ["Calmez-vous !", "calmez vous svp", "CALMEZ-VOUS"]
examples.pass = ["Je reste calme", "calme plat", "`calmez-vous`"]
"#;

    #[test]
    fn renders_mergeable_toml() {
        let engine = build_strict(&[RuleSource {
            path: "/srv/rules/fr/dismissive.toml".into(),
            text: RULE.into(),
            lang: Some(Lang::Fr),
        }])
        .unwrap();
        let overlay = vec![
            (
                "fr-calmez-vous".to_string(),
                "Je comprends, et je m'en occupe tout de suite.".to_string(),
            ),
            (
                "fr-gone".to_string(),
                "Un \"guillemet\" et une \\ barre".to_string(),
            ),
            (
                "fr-calmez-vous".to_string(),
                "Je comprends votre agacement.".to_string(),
            ),
        ];
        let text = render(42, &overlay, Some(&engine), Path::new("/srv/rules"));
        assert!(text.contains("guild 42"), "{text}");
        assert!(
            text.contains(
                "# rules/fr/dismissive.toml:2 (fr, dismissive)\n[[rule]]\nid = \"fr-calmez-vous\""
            ),
            "{text}"
        );
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        let rules = parsed["rule"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["id"].as_str(), Some("fr-calmez-vous"));
        let alts: Vec<&str> = rules[0]["alternatives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            alts,
            ["Je comprends, et je m'en occupe tout de suite."],
            "already known alternatives are left out"
        );
        assert_eq!(
            rules[1]["alternatives"][0].as_str(),
            Some("Un \"guillemet\" et une \\ barre")
        );
        assert!(text.contains("# not in the rules folder any more"));
    }

    #[test]
    fn nothing_to_merge_says_so() {
        let text = render(1, &[], None, Path::new("rules"));
        assert!(text.contains("Nothing to merge"));
        assert!(toml::from_str::<toml::Value>(&text)
            .unwrap()
            .get("rule")
            .is_none());
    }
}
