//! The phrase syntax: how a rule phrase written "the way people talk" becomes a regex over the
//! normalized text (see [`super::normalize`]), and which literal words any match must contain
//! (for the prefilter in [`super::matcher`]).
//!
//! Syntax: words; `[optional words|other]`; `(alternative|other words)`; `*` a gap of 0 to 3
//! words, `*N` up to N (at most 8); `word*` any word starting with `word`. Inside a word an
//! apostrophe is optional (`can't` = `cant`) and a hyphen may be a space or nothing.
//! French phrases also get elision, an optional "ne" and chat contractions (c'est, y'a, chu).

use std::fmt::Write as _;

use super::normalize::fold;
use super::rule::Lang;

/// What is wrong with a phrase, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PhraseError(pub String);

/// Largest gap `*N` a phrase may ask for.
pub const MAX_GAP: u8 = 8;
/// Shortest literal worth giving to the prefilter (phrase words and raw-pattern literals).
pub const MIN_LITERAL: usize = 3;

/// Between two words: a space, a comma, or a hyphen.
const SEP: &str = "(?:, ?| |-)";
/// Every text [`SEP`] matches.
const SEP_FORMS: [&str; 4] = [" ", ",", ", ", "-"];
/// A word in the normalized text, for gaps.
const GAP_WORD: &str = "[^ \\n]+";

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Word {
        text: String,
        prefix: bool,
    },
    /// A French word that elides: `full` ("je") and its elided form without apostrophe ("j").
    Elide {
        full: &'static str,
        short: &'static str,
    },
    Alt(Vec<Vec<Node>>),
    Opt(Vec<Vec<Node>>),
    Gap(u8),
    /// A French contraction: its regex when more words follow (it then includes the separator
    /// after it) and at the end of the phrase.
    Contraction {
        glued: &'static str,
        end: &'static str,
    },
}

/// A compiled phrase.
#[derive(Debug, Clone)]
pub struct CompiledPhrase {
    /// Regex source over normalized text, without the surrounding word boundaries.
    pub regex: String,
    /// Every match contains at least one literal of each group.
    pub literal_groups: Vec<Vec<Literal>>,
}

/// A piece of text every match of a phrase contains (for the prefilter).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Literal {
    pub text: String,
    /// The literal ends a word of the phrase: in a match, no word character (ASCII letter,
    /// digit, `_`) follows it. ("you" from `you` is not found inside "your".)
    pub word_end: bool,
}

impl Literal {
    pub fn anywhere(text: impl Into<String>) -> Literal {
        Literal {
            text: text.into(),
            word_end: false,
        }
    }
}

/// Compiles one phrase of a rule in language `lang`.
pub fn compile(phrase: &str, lang: Lang) -> Result<CompiledPhrase, PhraseError> {
    let folded = fold(phrase);
    let folded = folded.trim();
    if folded.is_empty() {
        return Err(PhraseError(
            "the phrase is empty; write the words to match".into(),
        ));
    }
    let mut parser = Parser {
        chars: folded.chars().collect(),
        pos: 0,
        lang,
    };
    let alts = parser.alternatives(None)?;
    let mut alts: Vec<Vec<Node>> = alts.into_iter().map(|seq| contract(seq, lang)).collect();
    for seq in &alts {
        check_gaps(seq)?;
    }
    let regex = format!("(?:{})", compile_alts(&alts, Mode::End));
    let literal_groups = if alts.len() == 1 {
        let seq = alts.pop().expect("one");
        let groups = seq_groups(&seq, true);
        if groups.is_empty() {
            two_letter_word_group(&seq)
        } else {
            groups
        }
    } else {
        alt_groups(&alts, true)
    };
    Ok(CompiledPhrase {
        regex: format!("(?-u:\\b){regex}(?-u:\\b)"),
        literal_groups,
    })
}

impl Node {
    fn groups(&self) -> Vec<Vec<Literal>> {
        match self {
            Node::Word { text, prefix } => {
                let segments: Vec<&str> = text.split(['\'', '-']).collect();
                let (i, best) = segments
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, s)| s.len())
                    .map(|(i, s)| (i, *s))
                    .unwrap_or_default();
                if best.len() >= MIN_LITERAL {
                    // A word is always followed by a separator or the phrase's final boundary.
                    let word_end = !prefix && i + 1 == segments.len();
                    vec![vec![Literal {
                        text: best.to_string(),
                        word_end,
                    }]]
                } else {
                    vec![]
                }
            }
            Node::Alt(alts) => alt_groups(alts, false),
            Node::Elide { .. } | Node::Opt(_) | Node::Gap(_) | Node::Contraction { .. } => vec![],
        }
    }
}

/// A sequence's literal groups. A required word followed by another word gives two-word
/// literals, "mon ressort" (with each separator [`SEP`] allows: "mon, ressort", "mon-ressort"
/// ...; with the elided forms of French words: "j'vous", "jvous"; with each way to type a word's
/// apostrophe or hyphen: "can't a", "cant a", "can t a"; and, when optional words
/// stand between them, with each of those too: "là [avoir] si" gives "la avoir", "la si",
/// "l'si"...). A pair is much rarer in messages than either word alone, so far fewer rules
/// reach their regex. Words that are part of no pair give one-word literals. (The prefilter
/// reads commas and hyphens as spaces, so there the separator forms of a pair are one literal;
/// they are all listed here so that every literal is plain text of every match.)
///
/// `ends_phrase`: the sequence is the whole phrase (or one of its top-level alternatives), so
/// its last required element is compiled as the phrase's end, where French's "ne" is required.
fn seq_groups(seq: &[Node], ends_phrase: bool) -> Vec<Vec<Literal>> {
    let phrase_end = if ends_phrase { phrase_end(seq) } else { None };
    let skippable = |k: usize| seq[k].skippable() && Some(k) != phrase_end;
    let mut groups = Vec::new();
    let mut paired = vec![false; seq.len()];
    for i in 0..seq.len() {
        if skippable(i) {
            continue;
        }
        let Some(left) = seq[i].left_forms() else {
            continue;
        };
        // What may come right after: optional words, up to the next required element.
        let mut next: Vec<(String, bool)> = Vec::new();
        let mut end = None;
        for (j, node) in seq.iter().enumerate().skip(i + 1) {
            let Some(forms) = node.right_forms() else {
                break;
            };
            next.extend(forms);
            if !skippable(j) {
                end = Some(j);
                break;
            }
        }
        let Some(j) = end else { continue };
        if left.len() * next.len() > MAX_PAIR_LITERALS {
            continue;
        }
        let mut group: Vec<Literal> = left
            .iter()
            .flat_map(|a| {
                next.iter().map(move |(b, word_end)| Literal {
                    text: format!("{a}{b}"),
                    word_end: *word_end,
                })
            })
            .collect();
        group.sort();
        group.dedup();
        groups.push(group);
        paired[i] = true;
        if j == i + 1 {
            paired[j] = true;
        }
    }
    for (node, paired) in seq.iter().zip(paired) {
        if !paired {
            groups.extend(node.groups());
        }
    }
    groups
}

/// The groups of `(a|b c|...)`: one literal group per alternative, their union; usable only if
/// every alternative has one.
fn alt_groups(alts: &[Vec<Node>], ends_phrase: bool) -> Vec<Vec<Literal>> {
    let mut union = Vec::new();
    for seq in alts {
        match best_group(seq_groups(seq, ends_phrase)) {
            Some(g) => union.extend(g),
            None => return vec![],
        }
    }
    union.sort();
    union.dedup();
    vec![union]
}

/// For a phrase that gives no literal (its required words are too short to pair or stand
/// alone), a two-letter word it requires, as a literal that must end a word of the text: "ai" in
/// `(date lien|ne) ai`. Found in many messages, but not in all, so the rule is not tried on
/// every message. Only as a last resort, since such a short literal is found so often.
fn two_letter_word_group(seq: &[Node]) -> Vec<Vec<Literal>> {
    seq.iter()
        .find_map(|node| match node {
            // Every required word is followed by a separator or the phrase's final boundary.
            Node::Word {
                text,
                prefix: false,
            } if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Some(vec![vec![Literal {
                    text: text.clone(),
                    word_end: true,
                }]])
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// Most two-word literals one pair of elements may give.
const MAX_PAIR_LITERALS: usize = 96;

/// Every text [`word_regex`] matches for `word`: its apostrophes and hyphens typed in each
/// way [`typed_forms`] lists. `None` for an empty word or one with more than
/// [`MAX_WORD_FORMS`] forms.
fn word_forms(word: &str) -> Option<Vec<String>> {
    if word.is_empty() {
        return None;
    }
    let mut forms = vec![String::new()];
    for c in word.chars() {
        let Some(options) = typed_forms(word, c) else {
            forms.iter_mut().for_each(|f| f.push(c));
            continue;
        };
        if forms.len() * options.len() > MAX_WORD_FORMS {
            return None;
        }
        forms = forms
            .iter()
            .flat_map(|f| options.iter().map(move |o| format!("{f}{o}")))
            .collect();
    }
    Some(forms)
}

/// Most forms [`word_forms`] gives for one word (two apostrophes or hyphens).
const MAX_WORD_FORMS: usize = 16;

impl Node {
    /// An element a match may leave out: optional words, and French's optional "ne".
    fn skippable(&self) -> bool {
        matches!(self, Node::Opt(_) | Node::Elide { full: "ne", .. })
    }

    /// Every text a whole word (not a `*` prefix) can be in a match (see [`word_forms`]).
    /// Groups are handled by [`Node::left_forms`] and [`Node::right_forms`] alternative by
    /// alternative.
    fn whole_word_forms(&self) -> Option<Vec<String>> {
        match self {
            Node::Word {
                text,
                prefix: false,
            } => word_forms(text),
            _ => None,
        }
    }

    /// Every text a match of this element can be, with the separator after it, when the next
    /// element follows: "mon " / "mon," / "mon, " / "mon-"; "je " ... / "j'" / "j' " / "j " / "j".
    /// For `(a|b c)`, the forms of each alternative's last word ("a ", "c "...).
    fn left_forms(&self) -> Option<Vec<String>> {
        match self {
            Node::Elide { full, short } => {
                let mut forms: Vec<String> =
                    SEP_FORMS.iter().map(|s| format!("{full}{s}")).collect();
                forms.extend(["'", "' ", " ", ""].iter().map(|g| format!("{short}{g}")));
                Some(forms)
            }
            Node::Alt(alts) => {
                let mut forms = Vec::new();
                for seq in alts {
                    match seq.last()? {
                        last @ (Node::Word { prefix: false, .. } | Node::Elide { .. })
                            if !last.skippable() =>
                        {
                            forms.extend(last.left_forms()?);
                        }
                        _ => return None,
                    }
                }
                Some(forms)
            }
            _ => {
                let words = self.whole_word_forms()?;
                Some(
                    words
                        .iter()
                        .flat_map(|w| SEP_FORMS.iter().map(move |s| format!("{w}{s}")))
                        .collect(),
                )
            }
        }
    }

    /// Texts a match of this element starts with, and whether each is the whole element (so no
    /// word character follows it in a match). For `(a b|c)` and `[a b|c]`, the forms of each
    /// alternative's first word.
    fn right_forms(&self) -> Option<Vec<(String, bool)>> {
        match self {
            Node::Word { text, prefix: true } => {
                Some(word_forms(text)?.into_iter().map(|w| (w, false)).collect())
            }
            Node::Elide { full, short } => {
                Some(vec![(full.to_string(), true), (short.to_string(), false)])
            }
            Node::Alt(alts) | Node::Opt(alts) => {
                let mut forms = Vec::new();
                for seq in alts {
                    match seq.first()? {
                        first @ (Node::Word { .. } | Node::Elide { .. }) if !first.skippable() => {
                            forms.extend(first.right_forms()?);
                        }
                        _ => return None,
                    }
                }
                Some(forms)
            }
            _ => Some(
                self.whole_word_forms()?
                    .into_iter()
                    .map(|w| (w, true))
                    .collect(),
            ),
        }
    }
}

/// The most selective group: fewest, longest literals.
fn best_group(groups: Vec<Vec<Literal>>) -> Option<Vec<Literal>> {
    groups.into_iter().max_by_key(|g| {
        let shortest = g.iter().map(|l| l.text.len()).min().unwrap_or(0);
        (shortest, usize::MAX - g.len())
    })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    lang: Lang,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Parses `seq | seq | ...` until `close` (or the end when `close` is None).
    fn alternatives(&mut self, close: Option<char>) -> Result<Vec<Vec<Node>>, PhraseError> {
        let mut alts = vec![];
        loop {
            let seq = self.sequence()?;
            if seq.is_empty() {
                return Err(PhraseError(
                    "an alternative is empty (look for `||`, `(|` or `[]`); remove the extra `|` or write the missing words".into(),
                ));
            }
            alts.push(seq);
            match self.peek() {
                Some('|') => self.pos += 1,
                Some(c) if Some(c) == close => {
                    self.pos += 1;
                    return Ok(alts);
                }
                None if close.is_none() => return Ok(alts),
                None => {
                    return Err(PhraseError(format!(
                        "`{}` is never closed; add the missing `{}`",
                        if close == Some(')') { '(' } else { '[' },
                        close.unwrap_or(')')
                    )))
                }
                Some(c) => {
                    return Err(PhraseError(format!(
                        "unexpected `{c}`; brackets must pair as `[...]` and `(...)`"
                    )))
                }
            }
        }
    }

    fn sequence(&mut self) -> Result<Vec<Node>, PhraseError> {
        let mut seq = vec![];
        loop {
            match self.peek() {
                None | Some('|') | Some(')') | Some(']') => return Ok(seq),
                Some(' ') => self.pos += 1,
                Some('(') => {
                    self.pos += 1;
                    seq.push(Node::Alt(self.alternatives(Some(')'))?));
                }
                Some('[') => {
                    self.pos += 1;
                    seq.push(Node::Opt(self.alternatives(Some(']'))?));
                }
                Some('*') => {
                    self.pos += 1;
                    let mut digits = String::new();
                    while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                        digits.push(d);
                        self.pos += 1;
                    }
                    let n = if digits.is_empty() {
                        3
                    } else {
                        digits.parse().unwrap_or(u8::MAX)
                    };
                    if n == 0 || n > MAX_GAP {
                        return Err(PhraseError(format!(
                            "gap `*{digits}` is out of range; use `*` (up to 3 words) or `*1` to `*{MAX_GAP}`"
                        )));
                    }
                    seq.push(Node::Gap(n));
                }
                Some(_) => self.word(&mut seq)?,
            }
        }
    }

    fn word(&mut self, seq: &mut Vec<Node>) -> Result<(), PhraseError> {
        let mut text = String::new();
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '|' | '(' | ')' | '[' | ']' | '*') {
                break;
            }
            text.push(c);
            self.pos += 1;
        }
        let prefix = self.peek() == Some('*')
            && !self
                .chars
                .get(self.pos + 1)
                .is_some_and(char::is_ascii_digit);
        if prefix {
            self.pos += 1;
        }
        // Punctuation around words does not take part in matching.
        let text = text
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
            .trim_matches(['-'])
            .to_string();
        if text.is_empty() {
            return Ok(());
        }
        if self.lang == Lang::Fr {
            // Split leading elisions: "qu'il" -> Elide(que) + "il"; "n'est" -> Elide(ne) + "est".
            let mut rest = text.as_str();
            while let Some((head, tail)) = rest.split_once('\'') {
                match elided(head) {
                    Some(node) if !tail.is_empty() || !prefix => {
                        seq.push(node);
                        rest = tail;
                    }
                    _ => break,
                }
            }
            if rest.is_empty() {
                return Ok(());
            }
            if !prefix {
                if let Some(node) = elidable(rest) {
                    seq.push(node);
                    return Ok(());
                }
            }
            seq.push(Node::Word {
                text: rest.to_string(),
                prefix,
            });
        } else {
            seq.push(Node::Word { text, prefix });
        }
        Ok(())
    }
}

const ELISIONS: &[(&str, &str)] = &[
    ("je", "j"),
    ("me", "m"),
    ("te", "t"),
    ("se", "s"),
    ("ne", "n"),
    ("de", "d"),
    ("le", "l"),
    ("la", "l"),
    ("que", "qu"),
    ("ce", "c"),
];

/// "j" (from "j'") -> Elide(je).
fn elided(head: &str) -> Option<Node> {
    ELISIONS
        .iter()
        .find(|(_, short)| *short == head)
        .map(|&(full, short)| Node::Elide { full, short })
}

/// "je" -> Elide(je).
fn elidable(word: &str) -> Option<Node> {
    ELISIONS
        .iter()
        .find(|(full, _)| *full == word)
        .map(|&(full, short)| Node::Elide { full, short })
}

fn is_elide(node: &Node, full: &str) -> bool {
    matches!(node, Node::Elide { full: f, .. } if *f == full)
}

fn is_word(node: &Node, text: &str) -> bool {
    matches!(node, Node::Word { text: t, prefix: false } if t == text)
}

/// "c'est" and "ce n'est": ce n'est, c'est, c est, cest, c', c, cé, s'est.
const CEST: Node = Node::Contraction {
    glued: "(?:ce n(?:' ?| |e )?est |c(?:' ?| )?est |s' ?est |c' ?|c |ce |se )",
    end: "(?:ce n(?:' ?| |e )?est|c(?:' ?| )?est|s' ?est)",
};
/// "il y a" and "il n'y a": y'a, ya, y a.
const YA: Node = Node::Contraction {
    glued: "(?:il (?:n(?:' ?| |e )?)?y(?:' ?| )?a |y(?:' ?| )?a )",
    end: "(?:il (?:n(?:' ?| |e )?)?y(?:' ?| )?a|y(?:' ?| )?a)",
};
/// "je suis" and "je ne suis": j'suis, jsuis, chu, chus.
const JESUIS: Node = Node::Contraction {
    glued: "(?:j(?:e |' ?| )?(?:n(?:' ?| |e )?)?suis |chus? |shu )",
    end: "(?:j(?:e |' ?| )?(?:n(?:' ?| |e )?)?suis|chus?|shu)",
};

/// Rewrites French contractions in a sequence (recursively in groups).
fn contract(seq: Vec<Node>, lang: Lang) -> Vec<Node> {
    if lang != Lang::Fr {
        return seq;
    }
    let mut out: Vec<Node> = Vec::with_capacity(seq.len());
    let mut i = 0;
    while i < seq.len() {
        let at = |k: usize| seq.get(i + k);
        let ne_at = |k: usize| at(k).is_some_and(|n| is_elide(n, "ne"));
        // ce (ne) est
        if at(0).is_some_and(|n| is_elide(n, "ce")) {
            let skip = usize::from(ne_at(1));
            if at(1 + skip).is_some_and(|n| is_word(n, "est")) {
                out.push(CEST);
                i += 2 + skip;
                continue;
            }
        }
        // il (ne) y a
        if at(0).is_some_and(|n| is_word(n, "il")) {
            let skip = usize::from(ne_at(1));
            if at(1 + skip).is_some_and(|n| is_word(n, "y"))
                && at(2 + skip).is_some_and(|n| is_word(n, "a"))
            {
                out.push(YA);
                i += 3 + skip;
                continue;
            }
        }
        // je (ne) suis
        if at(0).is_some_and(|n| is_elide(n, "je")) {
            let skip = usize::from(ne_at(1));
            if at(1 + skip).is_some_and(|n| is_word(n, "suis")) {
                out.push(JESUIS);
                i += 2 + skip;
                continue;
            }
        }
        out.push(match seq[i].clone() {
            Node::Alt(alts) => Node::Alt(alts.into_iter().map(|s| contract(s, lang)).collect()),
            Node::Opt(alts) => Node::Opt(alts.into_iter().map(|s| contract(s, lang)).collect()),
            other => other,
        });
        i += 1;
    }
    out
}

fn check_gaps(seq: &[Node]) -> Result<(), PhraseError> {
    if seq.iter().all(|n| matches!(n, Node::Opt(_) | Node::Gap(_))) {
        return Err(PhraseError(
            "every word of the phrase is optional, so it would match anything; make at least one word required".into(),
        ));
    }
    if matches!(seq.first(), Some(Node::Gap(_))) || matches!(seq.last(), Some(Node::Gap(_))) {
        return Err(PhraseError(
            "a gap `*` cannot start or end a phrase; put it between two words".into(),
        ));
    }
    for node in seq {
        if let Node::Alt(alts) | Node::Opt(alts) = node {
            for alt in alts {
                if alt.iter().any(|n| matches!(n, Node::Gap(_))) {
                    return Err(PhraseError(
                        "a gap `*` inside `(...)` or `[...]` is not supported; put it between two words of the phrase".into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// How a sequence is compiled: followed by more words (its last element then consumes the
/// separator after it), or ending the phrase (no trailing separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Glued,
    End,
}

/// Compiles a sequence. Every element followed by another consumes the separator after it
/// ("glued"): words and gaps end with a separator, elisions and contractions with their own
/// glue ("j'ai", "jai"), groups compile each alternative glued. So an optional element that is
/// absent leaves exactly one separator between its neighbours, whatever its alternatives are.
/// At the end of the phrase, trailing optional elements carry the separator before them.
fn compile_seq(seq: &[Node], mode: Mode) -> String {
    let last_required = match mode {
        Mode::End => phrase_end(seq),
        Mode::Glued => None,
    };
    let mut out = String::new();
    for (idx, node) in seq.iter().enumerate() {
        let node_mode = match (mode, last_required) {
            (Mode::End, Some(k)) if idx >= k => Mode::End,
            (Mode::End, None) if idx + 1 == seq.len() => Mode::End,
            _ => Mode::Glued,
        };
        let trailing_optional = matches!((mode, last_required), (Mode::End, Some(k)) if idx > k);
        match node {
            Node::Word { text, prefix } => {
                out.push_str(&word_regex(text));
                if *prefix {
                    out.push_str("(?-u:\\w)*");
                }
                if node_mode == Mode::Glued {
                    out.push_str(SEP);
                }
            }
            Node::Gap(n) => {
                let _ = write!(out, "(?:{GAP_WORD}{SEP}){{0,{n}}}");
            }
            Node::Elide { full, short } => {
                let optional = if *full == "ne" { "?" } else { "" };
                match node_mode {
                    Mode::Glued => {
                        let _ = write!(out, "(?:{full}{SEP}|{short}(?:' ?| )?){optional}");
                    }
                    Mode::End => {
                        let _ = write!(out, "(?:{full}|{short}')");
                    }
                }
            }
            Node::Contraction { glued, end } => {
                out.push_str(if node_mode == Mode::Glued { glued } else { end });
            }
            Node::Alt(alts) => {
                let _ = write!(out, "(?:{})", compile_alts(alts, node_mode));
            }
            Node::Opt(alts) if trailing_optional => {
                let _ = write!(out, "(?:{SEP}(?:{}))?", compile_alts(alts, Mode::End));
            }
            Node::Opt(alts) => {
                let _ = write!(out, "(?:{})?", compile_alts(alts, node_mode));
            }
        }
    }
    out
}

/// In a sequence that ends the phrase, the element compiled as its end: the last required one
/// (optional ones may follow it).
fn phrase_end(seq: &[Node]) -> Option<usize> {
    seq.iter().rposition(|n| !matches!(n, Node::Opt(_)))
}

fn compile_alts(alts: &[Vec<Node>], mode: Mode) -> String {
    let parts: Vec<String> = alts.iter().map(|s| compile_seq(s, mode)).collect();
    parts.join("|")
}

/// English contractions that are another word without their apostrophe ("we're" / "were"):
/// for these the apostrophe (or a space) is required.
const APOSTROPHE_REQUIRED: &[&str] = &[
    "we're", "we'll", "i'll", "it's", "he'll", "she'll", "we'd", "i'd", "she'd", "he'd", "who're",
    "we've", "let's", "can't've",
];

/// How `word` may be typed where it has `c`, in the order its regex prefers them, when `c` is
/// an apostrophe (optional, or a space; not optional in [`APOSTROPHE_REQUIRED`] words) or a
/// hyphen (kept, a space, or nothing); `None` for any other character, typed as it is.
fn typed_forms(word: &str, c: char) -> Option<&'static [&'static str]> {
    match c {
        '\'' if APOSTROPHE_REQUIRED.contains(&word) => Some(&["' ", "'", " "]),
        '\'' => Some(&["' ", "'", " ", ""]),
        '-' => Some(&["-", " ", ""]),
        _ => None,
    }
}

/// A literal word, with its apostrophes and hyphens in every form [`typed_forms`] lists.
fn word_regex(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        match typed_forms(word, c) {
            Some(forms) => {
                let forms: Vec<String> = forms.iter().map(|f| regex_syntax::escape(f)).collect();
                let _ = write!(out, "(?:{})", forms.join("|"));
            }
            None => out.push_str(&regex_syntax::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn matcher(phrase: &str, lang: Lang) -> Regex {
        Regex::new(&compile(phrase, lang).unwrap().regex).unwrap()
    }

    fn fr(phrase: &str, text: &str) -> bool {
        let text = crate::engine::normalize::Normalized::new(text, 4000);
        matcher(phrase, Lang::Fr).is_match(text.text())
    }

    #[test]
    fn ce_n_est_family() {
        for text in [
            "ce n'est pas de mon ressort",
            "c'est pas de mon ressort",
            "cest pas mon ressort",
            "c est pas mon rayon",
            "c'pas mon rayon",
            "c pas mon rayon",
            "ce nest pas mon ressort",
            "ce n'est vraiment pas de mon ressort",
        ] {
            assert!(
                fr("ce n'est [vraiment] pas (de mon|mon) (ressort|rayon)", text),
                "{text}"
            );
        }
        assert!(!fr(
            "ce n'est pas (de mon|mon) ressort",
            "le ressort de la porte"
        ));
        assert!(!fr("pas de mon ressort", "pas de mon ressortissant"));
    }

    #[test]
    fn elision_and_dropped_ne() {
        assert!(fr("je ne peux pas", "jpeux pas"));
        assert!(fr("je ne peux pas", "j'peux pas"));
        assert!(fr("je ne peux pas", "je peux pas"));
        assert!(fr("je ne peux pas", "je ne peux pas"));
        assert!(fr("on ne peut pas faire ça", "on peut pas faire ca"));
        assert!(fr("on ne peut pas faire ça", "on n'peut pas faire ça"));
        assert!(fr("j'ai déjà dit", "jai deja dit"));
        assert!(fr("j'ai déjà dit", "j ai déjà dit"));
        assert!(fr("qu'est-ce que vous voulez", "qu est ce que vous voulez"));
        assert!(fr("qu'est-ce que vous voulez", "quest-ce que vous voulez"));
    }

    #[test]
    fn contractions() {
        assert!(fr("il n'y a rien à faire", "y'a rien a faire"));
        assert!(fr("il n'y a rien à faire", "ya rien a faire"));
        assert!(fr("il n'y a rien à faire", "il y a rien à faire"));
        assert!(fr("je ne suis pas capable", "chu pas capable"));
        assert!(fr("je ne suis pas capable", "j'suis pas capable"));
        assert!(fr("je ne suis pas capable", "je ne suis pas capable"));
    }

    #[test]
    fn optional_alternatives_gaps_prefixes() {
        assert!(fr(
            "je ne peux pas * rembours*",
            "je ne peux pas vous rembourser"
        ));
        assert!(fr("je ne peux pas * rembours*", "je peux pas rembourser"));
        assert!(!fr(
            "je ne peux pas *1 rembours*",
            "je peux pas du tout vous rembourser"
        ));
        assert!(fr("calmez-vous", "calmez vous"));
        assert!(fr("calmez-vous", "calmezvous"));
        assert!(fr("[mais] (calmez|calme)-vous", "calme-vous"));
        let en = matcher("(can't|cannot) help [you]", Lang::En);
        assert!(en.is_match("i cant help you"));
        assert!(en.is_match("i can t help"));
        assert!(en.is_match("i cannot help"));
        let were = matcher("we're not able", Lang::En);
        assert!(were.is_match("we're not able") && were.is_match("we re not able"));
        assert!(!were.is_match("we were not able"));
    }

    #[test]
    fn groups_mixing_elided_and_plain_words() {
        assert!(fr("(me|nous) concerne pas", "ça me concerne pas"));
        assert!(fr("(me|nous) concerne pas", "ça m'concerne pas"));
        assert!(fr("(me|nous) concerne pas", "ça nous concerne pas"));
        assert!(fr("(ce n'est|ça n'est) pas utile", "ce n'est pas utile"));
        assert!(fr("(ce n'est|ça n'est) pas utile", "c'est pas utile"));
        assert!(fr("(ce n'est|ça n'est) pas utile", "ça n'est pas utile"));
        assert!(fr("pas [de] notre faute", "c'est pas de notre faute"));
        assert!(fr("pas [de] notre faute", "pas notre faute"));
        assert!(fr("pas [de] notre faute", "pas d'notre faute"));
        assert!(fr("(je|on) n'y peux rien", "j'y peux rien"));
        assert!(fr("(je|on) n'y peux rien", "on n'y peux rien"));
    }

    #[test]
    fn phrase_end_takes_no_trailing_space() {
        let re = matcher("malgré que", Lang::Fr);
        let text = crate::engine::normalize::Normalized::new("Malgré que la commande", 4000);
        assert_eq!(re.find(text.text()).unwrap().as_str(), "malgre que");
        let text = crate::engine::normalize::Normalized::new("malgré qu'il pleuve", 4000);
        assert_eq!(re.find(text.text()).unwrap().as_str(), "malgre qu'");
        assert!(fr("malgré que", "pff malgré que"));
        assert!(fr(
            "c'est pas mon rayon [vraiment] [hein]",
            "c pas mon rayon"
        ));
        assert_eq!(
            matcher("pas mon rayon [vraiment]", Lang::Fr)
                .find("pas mon rayon vraiment!")
                .unwrap()
                .as_str(),
            "pas mon rayon vraiment"
        );
        assert!(fr("voilà c'est", "voilà c'est"));
        assert!(compile("[pas] [mon]", Lang::Fr).is_err());
    }

    #[test]
    fn literal_groups_for_the_prefilter() {
        let c = compile(
            "ce n'est [vraiment] pas (de mon|mon) (ressort|rayon)",
            Lang::Fr,
        )
        .unwrap();
        let end = |t: &str| Literal {
            text: t.to_string(),
            word_end: true,
        };
        // "(de mon|mon)" ends with "mon" either way: "mon ressort" and "mon rayon" are pairs.
        assert!(c
            .literal_groups
            .iter()
            .any(|g| g.contains(&end("mon ressort"))
                && g.contains(&end("mon rayon"))
                && g.iter().all(|l| l.text.starts_with("mon"))));
        // "pas" pairs with the first word of "(de mon|mon)".
        assert!(c
            .literal_groups
            .iter()
            .any(|g| g.contains(&end("pas de")) && g.contains(&end("pas mon"))));
        let c = compile("can't", Lang::En).unwrap();
        assert_eq!(c.literal_groups, vec![vec![Literal::anywhere("can")]]);
        let c = compile("rembours* you", Lang::En).unwrap();
        assert_eq!(
            c.literal_groups,
            vec![vec![Literal::anywhere("rembours")], vec![end("you")]]
        );
        // Adjacent plain words give two-word literals, with every separator a phrase allows.
        let c = compile("sa va", Lang::Fr).unwrap();
        let texts: Vec<&str> = c.literal_groups[0]
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(c.literal_groups.len(), 1);
        assert_eq!(texts, ["sa va", "sa, va", "sa,va", "sa-va"]);
        let c = compile("(a|bc) de", Lang::En).unwrap();
        assert_eq!(c.literal_groups.len(), 1);
        assert_eq!(c.literal_groups[0].len(), 8);
        assert!(c.literal_groups[0].contains(&end("bc de")));
        let c = compile("your rembours*", Lang::En).unwrap();
        assert!(c.literal_groups[0].contains(&Literal::anywhere("your rembours")));
        // Alternatives of several words pair by their last word on the left, their first word
        // on the right; a group with an optional first word does not pair on the right.
        let c = compile("(le ca|a) et (bon jour|ok)", Lang::En).unwrap();
        let all: Vec<&str> = c
            .literal_groups
            .iter()
            .flatten()
            .map(|l| l.text.as_str())
            .collect();
        assert!(
            all.contains(&"ca et") && all.contains(&"a et") && all.contains(&"et bon"),
            "{all:?}"
        );
        let c = compile("(le ca|a) ([ne] pas|ok)", Lang::Fr).unwrap();
        assert!(
            c.literal_groups
                .iter()
                .flatten()
                .all(|l| !l.text.contains("ca n")),
            "{c:?}"
        );
        // A prefix word cannot start a pair: its match goes on past its text.
        let c = compile("rembours* you", Lang::En).unwrap();
        assert_eq!(c.literal_groups.len(), 2);
    }

    #[test]
    fn a_phrase_of_short_words_keeps_a_two_letter_literal() {
        let ends = |text: &str| Literal {
            text: text.to_string(),
            word_end: true,
        };
        let c = compile("(date lien|ne) ai", Lang::Fr).unwrap();
        assert_eq!(c.literal_groups, vec![vec![ends("ai")]]);
        // Only when nothing longer is required: "ok merci" pairs as usual.
        let c = compile("ok merci", Lang::Fr).unwrap();
        assert_eq!(c.literal_groups.len(), 1);
        assert!(c.literal_groups[0].contains(&ends("ok merci")));
        // A one-letter word, or a word that may be elided, gives nothing.
        assert!(compile("[ok] a", Lang::Fr)
            .unwrap()
            .literal_groups
            .is_empty());
        assert!(compile("[ok] le", Lang::Fr)
            .unwrap()
            .literal_groups
            .is_empty());
    }

    #[test]
    fn apostrophes_hyphens_and_a_final_ne_still_pair() {
        let texts = |phrase: &str, lang: Lang| -> Vec<Vec<String>> {
            compile(phrase, lang)
                .unwrap()
                .literal_groups
                .into_iter()
                .map(|g| g.into_iter().map(|l| l.text).collect())
                .collect()
        };
        // A word with an apostrophe pairs in each way agents type it ("can't", "cant",
        // "can t"); before, "can't a" had only "can" and was tried on most English messages.
        let groups = texts("can't a", Lang::En);
        assert_eq!(groups.len(), 1, "{groups:?}");
        for form in [
            "can't a", "cant a", "can t a", "can' t a", "cant, a", "can't-a",
        ] {
            assert!(groups[0].iter().any(|t| t == form), "{form}: {groups:?}");
        }
        // Words whose apostrophe is required have no form without it.
        let groups = texts("we're sorry", Lang::En);
        assert!(groups[0].iter().any(|t| t == "we re sorry"), "{groups:?}");
        assert!(groups[0].iter().all(|t| t != "were sorry"), "{groups:?}");
        // Hyphens: "peut-être", "peut être", "peutêtre"; on the right of a pair too.
        let groups = texts("c'est peut-etre fini", Lang::Fr);
        let all: Vec<&String> = groups.iter().flatten().collect();
        for form in ["peut-etre fini", "peut etre fini", "peutetre fini"] {
            assert!(all.iter().any(|t| *t == form), "{form}: {all:?}");
        }
        // An optional word with an apostrophe lets its neighbours pair through it.
        let groups = texts("be [wasn't] so", Lang::En);
        assert!(groups[0].iter().any(|t| t == "be so"), "{groups:?}");
        assert!(groups[0].iter().any(|t| t == "be wasnt"), "{groups:?}");
        // "ne" may be left out inside a phrase, but not when it ends it: "est ne" pairs.
        let groups = texts("[pouvons] est ne", Lang::Fr);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert!(groups[0].iter().any(|t| t == "est ne"), "{groups:?}");
        assert!(groups[0].iter().any(|t| t == "est n"), "{groups:?}");
        // ...while inside a phrase it is skipped: "est pas" pairs, "est ne" alone would not do.
        let groups = texts("est ne pas", Lang::Fr);
        assert!(
            groups
                .iter()
                .any(|g| g.iter().any(|t| t == "est pas") && g.iter().any(|t| t == "est ne")),
            "{groups:?}"
        );
    }

    #[test]
    fn two_word_literals_are_in_every_match() {
        for (phrase, text) in [
            ("sa va", "sa, va bien"),
            ("sa va", "sa-va"),
            ("(a|bc) de", "bc,de"),
            ("your rembours*", "your remboursement"),
        ] {
            let c = compile(phrase, Lang::Fr).unwrap();
            let norm = crate::engine::normalize::Normalized::new(text, 4000);
            assert!(
                Regex::new(&c.regex).unwrap().is_match(norm.text()),
                "{phrase}: {text}"
            );
            for group in &c.literal_groups {
                assert!(
                    group.iter().any(|l| norm.text().contains(&l.text)),
                    "{phrase}: no literal of {group:?} in {text:?}"
                );
            }
        }
    }

    const WORDS: [&str; 14] = [
        "a",
        "et",
        "le",
        "je",
        "de",
        "ne",
        "pas",
        "mon",
        "vous",
        "ok",
        "bon",
        "jour",
        "don't",
        "peut-etre",
    ];

    /// One phrase element from `(kind, words, pick)`, and the text a match takes for it.
    fn element(kind: u8, w: &[usize; 3], pick: bool) -> (String, String) {
        let [a, b, c] = w.map(|i| WORDS[i % WORDS.len()]);
        match kind % 5 {
            0 => (a.to_string(), a.to_string()),
            1 => (format!("({a}|{b})"), if pick { a } else { b }.to_string()),
            2 => (
                format!("({a} {b}|{c})"),
                if pick {
                    format!("{a} {b}")
                } else {
                    c.to_string()
                },
            ),
            3 => (
                format!("[{a}|{b} {c}]"),
                if pick {
                    format!("{b} {c}")
                } else {
                    String::new()
                },
            ),
            _ => (
                format!("({a}|{b} {c})"),
                if pick {
                    a.to_string()
                } else {
                    format!("{b} {c}")
                },
            ),
        }
    }

    proptest::proptest! {
        #[test]
        fn every_match_contains_a_literal_of_each_group(
            elements in proptest::collection::vec(
                (0u8..5, proptest::array::uniform3(0usize..14), proptest::bool::ANY, 0usize..3, proptest::bool::ANY, 0usize..4),
                2..5,
            ),
            lang in proptest::bool::ANY,
        ) {
            let lang = if lang { Lang::Fr } else { Lang::En };
            let mut phrase = Vec::new();
            let mut text = String::new();
            for (kind, words, pick, sep, drop_ne, variant) in &elements {
                let (syntax, mut words) = element(*kind, words, *pick);
                // Apostrophes and hyphens as agents type them: "don t", "dont", "peut etre"...
                words = words
                    .replace('\'', ["'", "' ", " ", ""][*variant])
                    .replace('-', ["-", " ", "", "-"][*variant]);
                // French lets "ne" be left out: a text may do so.
                if *drop_ne && lang == Lang::Fr {
                    words = words.split(' ').filter(|w| *w != "ne").collect::<Vec<_>>().join(" ");
                }
                phrase.push(syntax);
                if !words.is_empty() {
                    if !text.is_empty() {
                        text.push_str([" ", ", ", "-"][*sep]);
                    }
                    text.push_str(&words);
                }
            }
            let phrase = phrase.join(" ");
            let Ok(c) = compile(&phrase, lang) else {
                return Ok(()); // every word optional: refused
            };
            let norm = crate::engine::normalize::Normalized::new(&text, 4000);
            let ntext = norm.text();
            proptest::prop_assume!(Regex::new(&c.regex).unwrap().is_match(ntext));
            for group in &c.literal_groups {
                let found = group.iter().any(|l| {
                    ntext.match_indices(&l.text).any(|(i, m)| {
                        !l.word_end
                            || !ntext[i + m.len()..]
                                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    })
                });
                proptest::prop_assert!(found, "{phrase:?} matches {ntext:?}, without any of {group:?}");
            }
        }
    }

    #[test]
    fn syntax_errors_say_how_to_fix() {
        for (phrase, needle) in [
            ("pas (mon|de mon ressort", "never closed"),
            ("pas mon] ressort", "unexpected"),
            ("* pas", "cannot start"),
            ("pas *9 mon", "out of range"),
            ("pas (|mon)", "empty"),
            ("   ", "empty"),
            ("pas (mon * rayon)", "inside"),
        ] {
            let err = compile(phrase, Lang::Fr).unwrap_err();
            assert!(err.0.contains(needle), "{phrase}: {err}");
        }
    }
}
