//! `tact check`: coach messages from files or stdin, like a linter.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::style::Style;
use super::{default_rules, LangArg};
use crate::engine::{CheckOptions, Engine, Hit, Kind, DEFAULT_MAX_CHARS};
use crate::rules_dir;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files with one message per line (default: stdin).
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Language of the messages; `auto` guesses per message and uses every rule when unsure.
    #[arg(long, value_enum, default_value_t = LangArg::Auto)]
    lang: LangArg,
    /// The rules folder.
    #[arg(long, default_value_os_t = default_rules())]
    rules: PathBuf,
    /// Only the first N characters of a message are matched.
    #[arg(long, default_value_t = DEFAULT_MAX_CHARS)]
    max_chars: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    line: usize,
    text: &'a str,
    hits: Vec<JsonHit<'a>>,
}

#[derive(Serialize)]
struct JsonHit<'a> {
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    kind: &'a str,
    start: usize,
    end: usize,
    #[serde(rename = "match")]
    snippet: &'a str,
    why: &'a str,
    alternatives: &'a [String],
    rewrite: Option<&'a str>,
}

impl<'a> From<&'a Hit> for JsonHit<'a> {
    fn from(h: &'a Hit) -> Self {
        JsonHit {
            rule: &h.rule.id,
            category: &h.rule.category,
            severity: h.rule.severity.as_str(),
            kind: h.rule.kind.as_str(),
            start: h.start,
            end: h.end,
            snippet: &h.snippet,
            why: &h.rule.why,
            alternatives: &h.alternatives,
            rewrite: h.rewrite.as_deref(),
        }
    }
}

/// Loads the rules folder strictly: any problem is an error listing every problem.
pub fn load_engine(dir: &std::path::Path) -> anyhow::Result<Engine> {
    let report = rules_dir::load(dir)?;
    if !report.errors.is_empty() {
        let list: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        bail!(
            "{} problem(s) in the rules folder {}:\n{}\n(run `tact rules check {}` after fixing them)",
            list.len(),
            dir.display(),
            list.join("\n"),
            dir.display()
        );
    }
    Ok(report.engine)
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let engine = load_engine(&args.rules)?;
    let opts = CheckOptions {
        lang: args.lang.choice(),
        max_chars: args.max_chars,
        disabled: None,
    };
    let style = Style::for_stdout();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut summary = Summary::default();
    let show_file = args.files.len() > 1;
    let inputs: Vec<(Option<PathBuf>, Box<dyn Read>)> = if args.files.is_empty() {
        vec![(None, Box::new(std::io::stdin()))]
    } else {
        let mut v: Vec<(Option<PathBuf>, Box<dyn Read>)> = Vec::new();
        for f in &args.files {
            let file =
                std::fs::File::open(f).with_context(|| format!("cannot open {}", f.display()))?;
            v.push((Some(f.clone()), Box::new(file)));
        }
        v
    };
    for (path, input) in inputs {
        let name = path.as_ref().map(|p| p.display().to_string());
        let mut reader = BufReader::new(input);
        let mut buf = Vec::new();
        let mut line_no = 0;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .with_context(|| format!("cannot read {}", name.as_deref().unwrap_or("stdin")))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let text = String::from_utf8_lossy(&buf);
            let text = text.trim_end_matches(['\n', '\r']);
            let hits = engine.check(text, &opts);
            summary.add(&hits);
            match args.format {
                Format::Json => {
                    let line = JsonLine {
                        file: name.clone().filter(|_| show_file),
                        line: line_no,
                        text,
                        hits: hits.iter().map(JsonHit::from).collect(),
                    };
                    serde_json::to_writer(&mut out, &line)?;
                    writeln!(out)?;
                }
                Format::Human => {
                    let place = match (&name, show_file) {
                        (Some(n), true) => format!("{n}:{line_no}"),
                        _ => line_no.to_string(),
                    };
                    human(&mut out, &style, &place, text, &hits)?;
                }
            }
        }
    }
    if let Format::Human = args.format {
        writeln!(
            out,
            "{} message(s) checked: {} to coach ({} hit(s)), {} good practice(s) noticed",
            summary.lines, summary.flagged_lines, summary.avoid, summary.praise
        )?;
    }
    out.flush()?;
    Ok(if summary.avoid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
struct Summary {
    lines: usize,
    flagged_lines: usize,
    avoid: usize,
    praise: usize,
}

impl Summary {
    fn add(&mut self, hits: &[Hit]) {
        self.lines += 1;
        let avoid = hits.iter().filter(|h| h.is_avoid()).count();
        self.avoid += avoid;
        self.praise += hits.len() - avoid;
        self.flagged_lines += usize::from(avoid > 0);
    }
}

fn human(
    out: &mut impl Write,
    style: &Style,
    place: &str,
    text: &str,
    hits: &[Hit],
) -> std::io::Result<()> {
    if hits.is_empty() {
        return Ok(());
    }
    // The message with every hit highlighted.
    let mut shown = String::new();
    let mut at = 0;
    for h in hits {
        if h.start < at {
            continue;
        }
        shown.push_str(&text[at..h.start]);
        shown.push_str(&style.highlight(&text[h.start..h.end]));
        at = h.end;
    }
    shown.push_str(&text[at..]);
    writeln!(out, "{} {shown}", style.bold(&format!("{place}:")))?;
    for h in hits {
        let r = &h.rule;
        match r.kind {
            Kind::Avoid => writeln!(
                out,
                "  {} {} {} «{}»",
                style.severity(r.severity.as_str()),
                r.category,
                style.dim(&format!("[{}]", r.id)),
                h.snippet
            )?,
            Kind::Praise => writeln!(
                out,
                "  {} {} {} «{}»",
                style.good("good"),
                r.category,
                style.dim(&format!("[{}]", r.id)),
                h.snippet
            )?,
        }
        writeln!(out, "    why: {}", r.why)?;
        for alt in &h.alternatives {
            writeln!(out, "    instead: {alt}")?;
        }
        if let Some(rw) = &h.rewrite {
            writeln!(out, "    rewrite: {rw}")?;
        }
    }
    writeln!(out)
}
