//! The prefilter's automaton as a transition table.
//!
//! The `aho-corasick` crate builds the automaton of the rules' literals (trie, failure links,
//! the literals each state completes) as a contiguous NFA: compact, but each byte of the text
//! may follow several failure links, each a dependent memory load and a hard-to-predict branch.
//! [`LiteralDfa`] copies that automaton's transitions into a table (a row per state), failure
//! links already followed, so that reading a byte is one table load: 13 % fewer instructions
//! per check and 10–24 % more messages per second on the shipped rules (BENCHMARKS.md, run 10).
//!
//! The table stays small because its alphabet is only the bytes the literals use (39 classes
//! for the shipped rules: letters, some digits, space, apostrophe and a few signs), every other
//! byte sharing one class that always leads back to the start, and because its entries are
//! 16-bit row numbers: 42,661 states × 39 classes × 2 bytes, 3.3 MB, for the shipped rules.
//! Rows are numbered in order of how often a sample of ordinary text (the rules' own examples
//! and alternatives) visits their states, so that in each column the entries of the few
//! hundred states a walk spends most of its steps in sit together at its start, in the fewest
//! cache lines (BENCHMARKS.md, run 12: about 2 % faster than breadth-first numbering).
//!
//! The automaton reads messages in the prefilter form of its literals (see [`PrefilterForm`]:
//! commas and hyphens read as spaces, a run of spaces as one). The table does that itself: a
//! comma and a hyphen are in the space's byte class, and a space read right after a space
//! stays in the same row, so a walk reads the message's bytes as they are (BENCHMARKS.md, run
//! 13). Without a table, each byte goes through [`PrefilterForm`] first.
//!
//! An automaton with more than 65,536 states (rule sets several times the shipped one) or a
//! table over 8 MiB gets no table: the walk reads the NFA, as it did before the
//! table existed. Tables of 32-bit entries for those, whole or for their shallow states only,
//! were measured and made the 100× bench set slower (BENCHMARKS.md, run 10).

use std::collections::HashMap;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, BuildError, MatchKind};

/// Largest table built.
const MAX_TABLE_BYTES: usize = 8 << 20;

/// The literal automaton: the crate's [`NFA`], and its table when it has one.
pub struct LiteralDfa {
    nfa: NFA,
    table: Option<Table>,
}

/// The transitions of every state, one row number per state and byte class, stored column after
/// column: the next rows on one class, for row 0, 1, 2… Reading a byte then costs one addition
/// on the way from one row to the next (the column's offset depends only on the byte), where
/// rows stored one after the other need a multiplication by their length first (BENCHMARKS.md,
/// run 12: 5 to 8 % faster per check). Row 0 is the start.
struct Table {
    /// For each byte: where its class's column starts in `rows` (class × number of rows).
    /// Class 0, every byte no literal uses, leads back to the start from every row.
    column: [u32; 256],
    rows: Vec<u16>,
    /// The rows that complete literals, as a bit set (5 KB for the shipped rules, read on every
    /// byte; `literal_start` says the same but is 32 times larger).
    matches: Vec<u64>,
    /// For each row: where its literals start in `literals` (one more entry at the end).
    literal_start: Vec<u32>,
    /// The literals (pattern ids of the NFA) each row completes, row after row.
    literals: Vec<u32>,
}

/// The form in which the prefilter reads both its literals and the text: commas and hyphens
/// read as spaces, and a run of spaces as one. Phrases let words be separated by a space, a
/// comma (with or without a space) or a hyphen, so a two-word literal has one form instead of
/// four and the automaton is half the size. A literal found in a text is still found in the
/// text's prefilter form.
#[derive(Default)]
pub(super) struct PrefilterForm {
    after_space: bool,
}

impl PrefilterForm {
    /// The byte to read in place of `b`, or `None` to skip it (a space after a space).
    pub(super) fn read(&mut self, b: u8) -> Option<u8> {
        let b = match b {
            b',' | b'-' => b' ',
            b => b,
        };
        let space = b == b' ';
        if space && self.after_space {
            return None;
        }
        self.after_space = space;
        Some(b)
    }
}

/// A literal in its prefilter form.
pub(super) fn prefilter_form(text: &str) -> String {
    let mut form = PrefilterForm::default();
    let bytes: Vec<u8> = text.bytes().filter_map(|b| form.read(b)).collect();
    // Only ASCII bytes were replaced or dropped: still UTF-8.
    String::from_utf8_lossy(&bytes).into_owned()
}

impl LiteralDfa {
    /// The automaton of `literals` (each reported by its index; each in its prefilter form),
    /// with a table if one fits. `sample` is ordinary text as the walks will read it: the
    /// table's rows are laid out from the states it visits most to those it visits least.
    pub fn new<L: AsRef<[u8]>>(
        literals: &[L],
        sample: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> Result<LiteralDfa, BuildError> {
        LiteralDfa::build(literals, sample, MAX_TABLE_BYTES)
    }

    /// The same, with a table only if it fits in 16-bit row numbers and `max_bytes`.
    fn build<L: AsRef<[u8]>>(
        literals: &[L],
        sample: impl IntoIterator<Item = impl AsRef<[u8]>>,
        max_bytes: usize,
    ) -> Result<LiteralDfa, BuildError> {
        let nfa = NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(literals)?;
        let mut alphabet: Vec<u8> = literals.iter().flat_map(|l| l.as_ref()).copied().collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        let table = Table::build(&nfa, &alphabet, sample, max_bytes);
        Ok(LiteralDfa { nfa, table })
    }

    /// Heap bytes held (the NFA included).
    pub fn memory_usage(&self) -> usize {
        self.nfa.memory_usage()
            + self.table.as_ref().map_or(0, |t| {
                t.rows.len() * 2
                    + t.matches.len() * 8
                    + (t.literal_start.len() + t.literals.len()) * 4
            })
    }

    /// Reads `text`'s prefilter form from the start state and calls `found` with the position
    /// in `text` and the literal (pattern id of the NFA) of every literal that ends there: the
    /// position of the literal's last byte, or, for a literal that ends with a space, of any of
    /// the run of spaces, commas and hyphens that space stands for.
    #[inline(always)]
    pub fn walk(&self, text: &[u8], mut found: impl FnMut(usize, usize)) {
        if let Some(t) = &self.table {
            let mut row = 0;
            for (i, &b) in text.iter().enumerate() {
                row = usize::from(t.rows[t.column[usize::from(b)] as usize + row]);
                if t.matches[row / 64] & (1 << (row % 64)) != 0 {
                    let lits = &t.literals
                        [t.literal_start[row] as usize..t.literal_start[row + 1] as usize];
                    for &lit in lits {
                        found(i, lit as usize);
                    }
                }
            }
            return;
        }
        let nfa = &self.nfa;
        let mut sid = nfa
            .start_state(Anchored::No)
            .expect("the automaton supports unanchored searches");
        let mut form = PrefilterForm::default();
        let text = text
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| form.read(b).map(|b| (i, b)));
        for (i, b) in text {
            sid = nfa.next_state(Anchored::No, sid, b);
            if nfa.is_special(sid) && nfa.is_match(sid) {
                for k in 0..nfa.match_len(sid) {
                    found(i, nfa.match_pattern(sid, k).as_usize());
                }
            }
        }
    }
}

impl Table {
    fn build(
        nfa: &NFA,
        alphabet: &[u8],
        sample: impl IntoIterator<Item = impl AsRef<[u8]>>,
        max_bytes: usize,
    ) -> Option<Table> {
        let mut classes = [0u8; 256];
        // One byte standing for each class; class 0 stands for the bytes no literal uses.
        let mut representative = vec![None];
        for &b in alphabet {
            debug_assert!(!matches!(b, b',' | b'-'), "literals are in prefilter form");
            if classes[usize::from(b)] == 0 {
                classes[usize::from(b)] = u8::try_from(representative.len()).ok()?;
                representative.push(Some(b));
            }
        }
        // Commas and hyphens read as spaces.
        let space_class = classes[usize::from(b' ')];
        classes[usize::from(b',')] = space_class;
        classes[usize::from(b'-')] = space_class;
        let space = usize::from(space_class);
        let stride = representative.len();
        let max_rows = (max_bytes / (stride * 2)).min(1 << 16);
        let start = nfa.start_state(Anchored::No).ok()?;
        // Every state, breadth first from the start (`order`), and its transitions to the
        // others by their place in that order.
        let mut order = vec![start];
        let mut known: HashMap<StateID, u16> = HashMap::from([(start, 0)]);
        // (16 bits: at most `max_rows` ≤ 65,536 states.)
        let mut next_in_order: Vec<u16> = Vec::new();
        let mut at = 0;
        while let Some(&sid) = order.get(at) {
            for &b in &representative {
                let next = match b {
                    Some(b) => nfa.next_state(Anchored::No, sid, b),
                    // No literal holds such a byte: no state survives it.
                    None => start,
                };
                let n = match known.get(&next) {
                    Some(&n) => n,
                    None if order.len() < max_rows => {
                        let n = order.len() as u16;
                        known.insert(next, n);
                        order.push(next);
                        n
                    }
                    None => return None,
                };
                next_in_order.push(n);
            }
            at += 1;
        }
        // A space right after a space is skipped. Every state a space leads to, but the
        // start, stands for text read up to a space: a second space leaves the walk there. A
        // space that leads to the start shows that no literal starts with a space (or that
        // prefix would be the state), so from the start a second space leads there again.
        if space != 0 {
            let after_space: Vec<usize> = (0..order.len())
                .map(|s| usize::from(next_in_order[s * stride + space]))
                .filter(|&t| t != 0)
                .collect();
            for t in after_space {
                next_in_order[t * stride + space] = t as u16;
            }
        }
        // How often the sample visits each state. A walk spends most of its steps in a few
        // hundred states and the rest in thousands: numbering the rows in that order puts the
        // entries it reads most together at the start of each column. The start stays row 0;
        // the others follow by visits, then breadth first.
        let mut visits = vec![0u64; order.len()];
        for text in sample {
            let mut state = 0;
            for &b in text.as_ref() {
                state = usize::from(
                    next_in_order[state * stride + usize::from(classes[usize::from(b)])],
                );
                visits[state] += 1;
            }
        }
        visits[0] = u64::MAX;
        let mut by_visits: Vec<usize> = (0..order.len()).collect();
        by_visits.sort_by_key(|&i| (std::cmp::Reverse(visits[i]), i));
        let mut row_of = vec![0u16; order.len()];
        for (row, &i) in by_visits.iter().enumerate() {
            row_of[i] = row as u16;
        }
        // Column after column: the transitions on one class, row after row.
        let rows: Vec<u16> = (0..stride)
            .flat_map(|class| by_visits.iter().map(move |&i| (i, class)))
            .map(|(i, class)| row_of[usize::from(next_in_order[i * stride + class])])
            .collect();
        // At most 8 MiB of entries: the offsets fit in 32 bits.
        let column = classes.map(|c| u32::from(c) * order.len() as u32);
        let mut matches = vec![0u64; order.len().div_ceil(64)];
        let mut literal_start = Vec::with_capacity(order.len() + 1);
        let mut literals = Vec::new();
        for (row, &i) in by_visits.iter().enumerate() {
            let sid = order[i];
            literal_start.push(literals.len() as u32);
            if nfa.is_special(sid) && nfa.is_match(sid) {
                matches[row / 64] |= 1 << (row % 64);
                literals
                    .extend((0..nfa.match_len(sid)).map(|k| nfa.match_pattern(sid, k).as_u32()));
            }
        }
        literal_start.push(literals.len() as u32);
        Some(Table {
            column,
            rows,
            matches,
            literal_start,
            literals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `text`'s prefilter form, and for each byte of `text` the position in it of the byte
    /// read last (itself, or the space it was skipped after).
    fn read(text: &[u8]) -> (Vec<u8>, Vec<usize>) {
        let mut form = PrefilterForm::default();
        let (mut out, mut at) = (Vec::new(), Vec::new());
        for &b in text {
            if let Some(b) = form.read(b) {
                out.push(b);
            }
            at.push(out.len().saturating_sub(1));
        }
        (out, at)
    }

    /// Every (end, literal) pair a walk reports, the end as a position in the prefilter form.
    fn walk(dfa: &LiteralDfa, text: &[u8]) -> Vec<(usize, usize)> {
        let at = read(text).1;
        let mut out = Vec::new();
        dfa.walk(text, |i, lit| out.push((at[i], lit)));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The same pairs, by comparing every literal at every position of the prefilter form.
    fn naive(literals: &[Vec<u8>], text: &[u8]) -> Vec<(usize, usize)> {
        let text = read(text).0;
        let mut out = Vec::new();
        for (lit, l) in literals.iter().enumerate() {
            for end in l.len()..=text.len() {
                if &text[end - l.len()..end] == l.as_slice() {
                    out.push((end - 1, lit));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn build(literals: &[Vec<u8>], max_bytes: usize) -> LiteralDfa {
        LiteralDfa::build(literals, [&b"on ressort"[..], b"abc' cab"], max_bytes).unwrap()
    }

    #[test]
    fn rows_come_in_order_of_visits_in_the_sample() {
        let literals = [b"ab".to_vec(), b"xy".to_vec(), b"xz".to_vec()];
        let dfa = LiteralDfa::build(&literals, [&b"xyxz xy"[..], b"x"], MAX_TABLE_BYTES).unwrap();
        let t = dfa.table.as_ref().unwrap();
        let next = |row: usize, b: u8| usize::from(t.rows[t.column[usize::from(b)] as usize + row]);
        // "x" is visited four times, "xy" twice, "xz" once, "a" and "ab" never.
        let x = next(0, b'x');
        assert_eq!((x, next(x, b'y'), next(x, b'z')), (1, 2, 3));
        assert!(next(0, b'a') > 3);
        // The start stays row 0, visited or not.
        assert_eq!(next(0, b' '), 0);
    }

    #[test]
    fn a_table_finds_what_the_literals_are() {
        let literals = [
            b"mon ressort".to_vec(),
            b"ressort".to_vec(),
            b"on r".to_vec(),
        ];
        let text = b"pas de mon ressort, non \xc3\xa9 mon - ressort,mon,  ressort";
        for max_bytes in [0, 200, MAX_TABLE_BYTES] {
            assert_eq!(build(&literals, max_bytes).table.is_some(), max_bytes > 200);
            assert_eq!(
                walk(&build(&literals, max_bytes), text),
                naive(&literals, text)
            );
        }
    }

    #[test]
    fn separators_have_one_prefilter_form() {
        for text in [
            "mon ressort",
            "mon,ressort",
            "mon, ressort",
            "mon-ressort",
            "mon , ressort",
        ] {
            assert_eq!(prefilter_form(text), "mon ressort", "{text}");
        }
        assert_eq!(prefilter_form("d'ici-là, ok"), "d'ici là ok");
    }

    proptest::proptest! {
        #[test]
        fn a_literal_of_a_text_stays_a_literal_of_its_prefilter_form(
            text in "[a-c ,'é-]{0,24}", from in 0usize..25, len in 0usize..25,
        ) {
            // Any piece of a text (as the literals of its matches are)...
            let chars: Vec<char> = text.chars().collect();
            let from = from.min(chars.len());
            let piece: String = chars[from..(from + len).min(chars.len())].iter().collect();
            // ...is found in the text's prefilter form, read the way the automaton reads it.
            let read = prefilter_form(&text);
            proptest::prop_assert!(read.contains(&prefilter_form(&piece)), "{read:?} {piece:?}");
        }
    }

    proptest! {
        /// With a table or without (too small a budget), a walk reports exactly the literals
        /// that end at each byte of the text's prefilter form, including over bytes no literal
        /// uses.
        #[test]
        fn a_walk_reports_every_literal_where_it_ends(
            literals in proptest::collection::vec("[abc' ,-]{1,6}", 1..30),
            text in proptest::collection::vec(prop_oneof![
                6 => proptest::sample::select(b"abc' ,-".to_vec()),
                1 => any::<u8>(),
            ], 0..200),
            max_bytes in prop_oneof![Just(0usize), 0usize..2000, Just(MAX_TABLE_BYTES)],
        ) {
            let literals: Vec<Vec<u8>> =
                literals.iter().map(|l| prefilter_form(l).into_bytes()).collect();
            let dfa = build(&literals, max_bytes);
            prop_assert_eq!(walk(&dfa, &text), naive(&literals, &text));
        }
    }
}
