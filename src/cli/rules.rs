//! `tact rules ...`: list, show, validate and test the rules folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;

use super::check::load_engine;
use super::style::Style;
use super::{default_rules, LangArg};
use crate::engine::ruleset::{behaviour_errors, example_results};
use crate::engine::Rule;
use crate::rules_dir;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule.
    List {
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        #[arg(long)]
        category: Option<String>,
        #[arg(long, default_value_os_t = default_rules())]
        rules: PathBuf,
    },
    /// A rule in full.
    Show {
        id: String,
        #[arg(long, default_value_os_t = default_rules())]
        rules: PathBuf,
    },
    /// Validate the folder: every problem with file, line, rule and fix (exit 1 on problems).
    Check {
        #[arg(default_value_os_t = default_rules())]
        dir: PathBuf,
    },
    /// Run every rule's examples and check every alternative; ends with `N passed, N failed`.
    Test {
        #[arg(default_value_os_t = default_rules())]
        dir: PathBuf,
    },
}

pub fn run(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    let style = Style::for_stdout();
    match cmd {
        RulesCommand::List {
            lang,
            category,
            rules,
        } => {
            let engine = load_engine(&rules)?;
            let lang = lang.and_then(LangArg::lang);
            let mut n = 0;
            for r in engine.rules() {
                if lang.is_some_and(|l| l != r.lang)
                    || category.as_ref().is_some_and(|c| *c != r.category)
                {
                    continue;
                }
                n += 1;
                outln!(
                    "{:<34} {} {:<12} {:<8} {:<7} {}",
                    r.id,
                    r.lang,
                    r.category,
                    r.severity.as_str(),
                    r.kind.as_str(),
                    r.phrases
                        .first()
                        .or(r.patterns.first())
                        .map(String::as_str)
                        .unwrap_or("")
                );
            }
            eprintln!("{n} rule(s)");
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show { id, rules } => {
            let engine = load_engine(&rules)?;
            let Some(rule) = engine.rule(&id) else {
                let mut close: Vec<&str> = engine
                    .rules()
                    .iter()
                    .map(|r| r.id.as_str())
                    .filter(|r| r.contains(id.as_str()) || id.contains(*r))
                    .collect();
                close.truncate(5);
                bail!(
                    "no rule with id {id:?}{}; `tact rules list` shows every id",
                    if close.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean {}?)", close.join(", "))
                    }
                );
            };
            outln!("{}", show(rule, &style).trim_end());
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Check { dir } => {
            let report = rules_dir::load(&dir)?;
            for e in &report.errors {
                outln!("{e}");
            }
            if report.errors.is_empty() {
                let rules = report.engine.rules();
                let count = |f: &dyn Fn(&Rule) -> bool| rules.iter().filter(|r| f(r)).count();
                outln!(
                    "{} rules OK in {} ({} French, {} English; {} avoid, {} praise)",
                    rules.len(),
                    dir.display(),
                    count(&|r| r.lang == crate::engine::Lang::Fr),
                    count(&|r| r.lang == crate::engine::Lang::En),
                    count(&|r| r.kind == crate::engine::Kind::Avoid),
                    count(&|r| r.kind == crate::engine::Kind::Praise),
                );
                Ok(ExitCode::SUCCESS)
            } else {
                outln!(
                    "{} problem(s); {} file(s) would be left out by a running bot",
                    report.errors.len(),
                    report.skipped.len()
                );
                Ok(ExitCode::from(1))
            }
        }
        RulesCommand::Test { dir } => {
            let report = rules_dir::load_unchecked(&dir)?;
            for e in &report.errors {
                outln!("{e}");
            }
            let results = example_results(&report.engine);
            let alt_errors = behaviour_errors(&report.engine)
                .into_iter()
                .filter(|e| {
                    e.field
                        .as_deref()
                        .is_some_and(|f| f.starts_with("alternatives"))
                })
                .collect::<Vec<_>>();
            let mut failed = 0;
            for r in results.iter().filter(|r| !r.ok) {
                failed += 1;
                let rule = report.engine.rule(&r.rule).expect("rule");
                let field = format!(
                    "examples.{}[{}]",
                    if r.expect_flag { "flag" } else { "pass" },
                    r.index
                );
                outln!(
                    "FAIL {}:{}: {} {field}: {:?} {}",
                    rule.origin.file.display(),
                    rule.origin.line_of(&field),
                    r.rule,
                    r.text,
                    if r.expect_flag {
                        "should be flagged but is not"
                    } else {
                        "should pass but is flagged"
                    }
                );
            }
            for e in &alt_errors {
                failed += 1;
                outln!("FAIL {e}");
            }
            let total_alts: usize = report
                .engine
                .rules()
                .iter()
                .map(|r| r.alternatives.len())
                .sum();
            let passed = results.len() + total_alts - failed;
            failed += report.errors.len();
            outln!("{passed} passed, {failed} failed");
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn show(r: &Rule, style: &Style) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}:{})",
        style.bold(&r.id),
        r.origin.file.display(),
        r.origin.line
    );
    let _ = writeln!(
        s,
        "  {} · {} · {} · {}",
        r.lang,
        r.category,
        style.severity(r.severity.as_str()),
        r.kind.as_str()
    );
    let _ = writeln!(s, "  why: {}", r.why);
    let list = |s: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            let _ = writeln!(s, "  {title}:");
            for i in items {
                let _ = writeln!(s, "    - {i}");
            }
        }
    };
    list(&mut s, "phrases", &r.phrases);
    list(&mut s, "patterns", &r.patterns);
    list(&mut s, "unless", &r.unless);
    list(
        &mut s,
        if r.swap {
            "alternatives (swap)"
        } else {
            "alternatives"
        },
        &r.alternatives,
    );
    list(&mut s, "flags", &r.examples_flag);
    list(&mut s, "passes", &r.examples_pass);
    s
}
