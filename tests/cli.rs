//! The `tact` command line, run as a real process: exit codes, human and JSON output, and the
//! `rules` subcommands on the shipped rules folder.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The README's own example: a French line every rule set must flag.
const FLAGGED_FR: &str = "Ce n'est pas de mon ressort, voyez avec la compta.";
/// A line with nothing to coach and nothing to praise.
const CLEAN_FR: &str = "Le colis est parti ce matin de notre entrepôt.";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tact args...` from the crate root, with `stdin` as standard input.
fn tact(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tact"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tact binary runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("tact finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", describe(o));
}

/// `tact check --format json` on `input`: one parsed object per output line.
fn check_json(extra: &[&str], input: &str) -> (Output, Vec<Value>) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let out = tact(&args, input);
    let objects = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| {
                panic!(
                    "not one JSON object per line ({e}): {l:?}\n{}",
                    describe(&out)
                )
            })
        })
        .collect();
    (out, objects)
}

/// Rule id -> language, from `tact rules list`.
fn rule_langs() -> HashMap<String, String> {
    let out = tact(&["rules", "list"], "");
    assert_exit(&out, 0);
    stdout(&out)
        .lines()
        .map(|l| {
            let mut cols = l.split_whitespace();
            let id = cols.next().expect("an id").to_string();
            let lang = cols.next().expect("a language").to_string();
            (id, lang)
        })
        .collect()
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn usize_field(v: &Value, key: &str) -> usize {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}")) as usize
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn check_human_flags_a_french_line_with_alternatives() {
    let input = format!("{FLAGGED_FR}\n{CLEAN_FR}\n");
    let (_, json) = check_json(&[], &input);
    let snippets: Vec<&str> = json[0]["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter(|h| h["kind"] == "avoid")
        .map(|h| str_field(h, "match"))
        .collect();
    assert!(
        !snippets.is_empty(),
        "{FLAGGED_FR:?} is not flagged: {}",
        json[0]
    );

    let out = tact(&["check"], &input);
    assert_exit(&out, 1);
    let text = stdout(&out);
    for snippet in &snippets {
        assert!(
            text.contains(snippet),
            "human output lacks the snippet {snippet:?}:\n{text}"
        );
    }
    assert!(
        text.contains("instead:"),
        "human output lacks alternatives:\n{text}"
    );
    assert!(text.contains("2 message(s) checked: 1 to coach"), "{text}");
    assert!(
        !text.contains(CLEAN_FR),
        "the clean line is reported:\n{text}"
    );
}

#[test]
fn check_json_is_one_object_per_line_with_documented_keys() {
    let lines = [
        FLAGGED_FR,
        CLEAN_FR,
        "",
        "Désolé, c’est pas mon rayon\u{202F}!",
        "Sorry, that's not my department.",
    ];
    let input = lines.join("\n") + "\n";
    let (out, objects) = check_json(&[], &input);
    assert_exit(&out, 1);
    assert_eq!(objects.len(), lines.len(), "{}", describe(&out));
    let line_keys: BTreeSet<&str> = ["line", "text", "hits"].into();
    let hit_keys: BTreeSet<&str> = [
        "rule",
        "category",
        "severity",
        "kind",
        "start",
        "end",
        "match",
        "why",
        "alternatives",
        "rewrite",
    ]
    .into();
    for (i, (obj, line)) in objects.iter().zip(lines).enumerate() {
        assert_eq!(keys(obj), line_keys, "{obj}");
        assert_eq!(usize_field(obj, "line"), i + 1, "{obj}");
        let text = str_field(obj, "text");
        assert_eq!(text, line);
        for hit in obj["hits"].as_array().expect("hits is a list") {
            assert_eq!(keys(hit), hit_keys, "{hit}");
            let (start, end) = (usize_field(hit, "start"), usize_field(hit, "end"));
            assert!(start < end && end <= text.len(), "{hit}");
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{hit}"
            );
            assert_eq!(&text[start..end], str_field(hit, "match"), "{hit}");
            assert!(
                ["info", "warning", "alert"].contains(&str_field(hit, "severity")),
                "{hit}"
            );
            let kind = str_field(hit, "kind");
            assert!(["avoid", "praise"].contains(&kind), "{hit}");
            for key in ["rule", "category", "why"] {
                assert!(!str_field(hit, key).is_empty(), "{hit}");
            }
            let alternatives = hit["alternatives"]
                .as_array()
                .expect("alternatives is a list");
            assert!(alternatives.iter().all(Value::is_string), "{hit}");
            if kind == "avoid" {
                assert!(alternatives.len() >= 2, "{hit}");
            }
            assert!(
                hit["rewrite"].is_null() || hit["rewrite"].is_string(),
                "{hit}"
            );
        }
    }
    let avoid = |i: usize| {
        objects[i]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "avoid")
    };
    assert!(avoid(0), "{}", objects[0]);
    assert!(avoid(3), "{}", objects[3]);
    assert!(avoid(4), "{}", objects[4]);
}

#[test]
fn check_clean_input_exits_0() {
    let out = tact(&["check", "--format", "json"], &format!("{CLEAN_FR}\n"));
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"hits\":[]"), "{text}");

    let out = tact(&["check"], &format!("{CLEAN_FR}\n"));
    assert_exit(&out, 0);
}

#[test]
fn check_reads_files_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("macros.txt");
    std::fs::write(&file, format!("{CLEAN_FR}\n{FLAGGED_FR}\n")).expect("write");
    let (out, objects) = check_json(&[file.to_str().expect("UTF-8 path")], "");
    assert_exit(&out, 1);
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[1]["line"], 2);
    assert!(!objects[1]["hits"].as_array().unwrap().is_empty());
}

#[test]
fn missing_rules_folder_exits_2_naming_the_path() {
    let out = tact(
        &["check", "--rules", "/nonexistent"],
        &format!("{FLAGGED_FR}\n"),
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("/nonexistent"), "{}", describe(&out));
}

#[test]
fn rules_check_accepts_the_shipped_folder() {
    let out = tact(&["rules", "check"], "");
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("rules OK"), "{}", describe(&out));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// The first rule file of a rules folder, in folder order.
fn first_rule_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = ["fr", "en"]
        .iter()
        .filter_map(|lang| std::fs::read_dir(dir.join(lang)).ok())
        .flatten()
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.into_iter().next().expect("a rule file")
}

#[test]
fn rules_check_names_the_broken_file_and_line() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("rules");
    copy_dir(&root().join("rules"), &dir);
    let file = first_rule_file(&dir);
    let text = std::fs::read_to_string(&file).expect("read");
    let line_no = text
        .lines()
        .position(|l| l.trim_start().starts_with("severity"))
        .expect("a severity line")
        + 1;
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line_no {
                "severity = \"urgent\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&file, broken.join("\n") + "\n").expect("write");

    let out = tact(&["rules", "check", dir.to_str().expect("UTF-8 path")], "");
    assert_exit(&out, 1);
    let text = stdout(&out);
    let place = format!("{}:{line_no}:", file.display());
    let line = text
        .lines()
        .find(|l| l.starts_with(&place))
        .unwrap_or_else(|| panic!("no problem reported at {place}\n{}", describe(&out)));
    assert!(
        line.contains("severity") && line.contains("urgent"),
        "{line}"
    );

    // `check` refuses to coach with a broken folder: exit 2, every problem listed.
    let out = tact(
        &["check", "--rules", dir.to_str().unwrap()],
        &format!("{FLAGGED_FR}\n"),
    );
    assert_exit(&out, 2);
    assert!(stderr(&out).contains(&place), "{}", describe(&out));
}

#[test]
fn rules_test_passes_every_example() {
    let out = tact(&["rules", "test"], "");
    let text = stdout(&out);
    let last = text.lines().last().unwrap_or_default();
    let summary = regex::Regex::new(r"^\d+ passed, 0 failed$").expect("regex");
    assert!(
        summary.is_match(last),
        "last line {last:?}\n{}",
        describe(&out)
    );
    assert_exit(&out, 0);
}

#[test]
fn rules_list_and_show() {
    let out = tact(
        &["rules", "list", "--lang", "fr", "--category", "refusal"],
        "",
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        !rows.is_empty(),
        "no French refusal rule\n{}",
        describe(&out)
    );
    for row in &rows {
        assert_eq!(row.get(1..3), Some(&["fr", "refusal"][..]), "{text}");
    }
    assert!(
        stderr(&out).contains(&format!("{} rule(s)", rows.len())),
        "{}",
        describe(&out)
    );

    let id = rows[0][0];
    let out = tact(&["rules", "show", id], "");
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(id), "{text}");
    for needle in [
        "fr · refusal",
        "why:",
        "phrases:",
        "alternatives",
        "flags:",
        "passes:",
    ] {
        assert!(
            text.contains(needle),
            "`rules show {id}` lacks {needle:?}:\n{text}"
        );
    }

    let out = tact(&["rules", "show", "no-such-rule"], "");
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("no-such-rule"), "{}", describe(&out));
}

#[test]
fn check_lang_en_ignores_french_rules() {
    let langs = rule_langs();
    let lines = [FLAGGED_FR, "Désolé, c’est pas mon rayon, calmez-vous."];
    let (out, objects) = check_json(&["--lang", "en"], &(lines.join("\n") + "\n"));
    assert_eq!(objects.len(), lines.len(), "{}", describe(&out));
    for obj in &objects {
        for hit in obj["hits"].as_array().expect("hits") {
            let rule = str_field(hit, "rule");
            assert_eq!(
                langs.get(rule).map(String::as_str),
                Some("en"),
                "French rule {rule} with --lang en: {hit}"
            );
        }
    }
    // ... while `--lang fr` does flag the line.
    let (_, objects) = check_json(&["--lang", "fr"], &format!("{FLAGGED_FR}\n"));
    assert!(
        !objects[0]["hits"].as_array().expect("hits").is_empty(),
        "{}",
        objects[0]
    );
}
