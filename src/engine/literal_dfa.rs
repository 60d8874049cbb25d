//! The prefilter's automaton as a transition table.
//!
//! The `aho-corasick` crate builds the automaton of the rules' literals (trie, failure links,
//! the literals each state completes) as a contiguous NFA: compact, but each byte of the text
//! may follow several failure links, each a dependent memory load and a hard-to-predict branch.
//! [`LiteralDfa`] copies that automaton's transitions into one table row per state, failure
//! links already followed, so that reading a byte is one table load: 13 % fewer instructions
//! per check and 10–24 % more messages per second on the shipped rules (BENCHMARKS.md, run 10).
//!
//! The table stays small because its alphabet is only the bytes the literals use (39 classes
//! for the shipped rules: letters, some digits, space, apostrophe and a few signs), every other
//! byte sharing one class that always leads back to the start, and because its entries are
//! 16-bit row numbers: 42,661 states × 39 classes × 2 bytes, 3.3 MB, for the shipped rules.
//! Rows are numbered breadth first, so the states a text visits most (the shallow ones) sit
//! together at the start.
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

/// The transitions of every state: row after row, for each byte class, the next row's number.
/// Row 0 is the start.
struct Table {
    /// Class of each byte; class 0 is every byte no literal uses.
    classes: [u8; 256],
    /// Number of classes: the length of a row.
    stride: usize,
    rows: Vec<u16>,
    /// The rows that complete literals, as a bit set (5 KB for the shipped rules, read on every
    /// byte; `literal_start` says the same but is 32 times larger).
    matches: Vec<u64>,
    /// For each row: where its literals start in `literals` (one more entry at the end).
    literal_start: Vec<u32>,
    /// The literals (pattern ids of the NFA) each row completes, row after row.
    literals: Vec<u32>,
}

impl LiteralDfa {
    /// The automaton of `literals` (each reported by its index), with a table if one fits.
    pub fn new<L: AsRef<[u8]>>(literals: &[L]) -> Result<LiteralDfa, BuildError> {
        LiteralDfa::build(literals, MAX_TABLE_BYTES)
    }

    /// The same, with a table only if it fits in 16-bit row numbers and `max_bytes`.
    fn build<L: AsRef<[u8]>>(literals: &[L], max_bytes: usize) -> Result<LiteralDfa, BuildError> {
        let nfa = NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(literals)?;
        let mut alphabet: Vec<u8> = literals.iter().flat_map(|l| l.as_ref()).copied().collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        let table = Table::build(&nfa, &alphabet, max_bytes);
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

    /// Reads `text` (bytes with their positions) from the start state and calls `found` with
    /// the position and the literal (pattern id of the NFA) of every literal that ends there.
    #[inline(always)]
    pub fn walk(
        &self,
        text: impl Iterator<Item = (usize, u8)>,
        mut found: impl FnMut(usize, usize),
    ) {
        if let Some(t) = &self.table {
            let mut row = 0;
            for (i, b) in text {
                row = usize::from(t.rows[row * t.stride + usize::from(t.classes[usize::from(b)])]);
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
    fn build(nfa: &NFA, alphabet: &[u8], max_bytes: usize) -> Option<Table> {
        let mut classes = [0u8; 256];
        // One byte standing for each class; class 0 stands for the bytes no literal uses.
        let mut representative = vec![None];
        for &b in alphabet {
            if classes[usize::from(b)] == 0 {
                classes[usize::from(b)] = u8::try_from(representative.len()).ok()?;
                representative.push(Some(b));
            }
        }
        let stride = representative.len();
        let max_rows = (max_bytes / (stride * 2)).min(1 << 16);
        let start = nfa.start_state(Anchored::No).ok()?;
        // Breadth first from the start: `order[row]` is the NFA state of each row, numbered
        // when the walk first meets it.
        let mut row_of: HashMap<StateID, u16> = HashMap::from([(start, 0)]);
        let mut order = vec![start];
        let mut rows = Vec::new();
        let mut row = 0;
        while let Some(&sid) = order.get(row) {
            for &b in &representative {
                let next = match b {
                    Some(b) => nfa.next_state(Anchored::No, sid, b),
                    // No literal holds such a byte: no state survives it.
                    None => start,
                };
                let next_row = match row_of.get(&next) {
                    Some(&r) => r,
                    None if order.len() < max_rows => {
                        let r = order.len() as u16;
                        row_of.insert(next, r);
                        order.push(next);
                        r
                    }
                    None => return None,
                };
                rows.push(next_row);
            }
            row += 1;
        }
        let mut matches = vec![0u64; order.len().div_ceil(64)];
        let mut literal_start = Vec::with_capacity(order.len() + 1);
        let mut literals = Vec::new();
        for (row, &sid) in order.iter().enumerate() {
            literal_start.push(literals.len() as u32);
            if nfa.is_special(sid) && nfa.is_match(sid) {
                matches[row / 64] |= 1 << (row % 64);
                literals
                    .extend((0..nfa.match_len(sid)).map(|k| nfa.match_pattern(sid, k).as_u32()));
            }
        }
        literal_start.push(literals.len() as u32);
        Some(Table {
            classes,
            stride,
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

    /// Every (end, literal) pair a walk reports.
    fn walk(dfa: &LiteralDfa, text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        dfa.walk(text.iter().copied().enumerate(), |i, lit| {
            out.push((i, lit))
        });
        out.sort_unstable();
        out
    }

    /// The same pairs, by comparing every literal at every position.
    fn naive(literals: &[Vec<u8>], text: &[u8]) -> Vec<(usize, usize)> {
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
        LiteralDfa::build(literals, max_bytes).unwrap()
    }

    #[test]
    fn a_table_finds_what_the_literals_are() {
        let literals = [
            b"mon ressort".to_vec(),
            b"ressort".to_vec(),
            b"on r".to_vec(),
        ];
        let text = b"pas de mon ressort, non \xc3\xa9 mon ressort";
        for max_bytes in [0, 200, MAX_TABLE_BYTES] {
            assert_eq!(build(&literals, max_bytes).table.is_some(), max_bytes > 200);
            assert_eq!(
                walk(&build(&literals, max_bytes), text),
                naive(&literals, text)
            );
        }
    }

    proptest! {
        /// With a table or without (too small a budget), a walk reports exactly the literals
        /// that end at each byte, including over bytes no literal uses.
        #[test]
        fn a_walk_reports_every_literal_where_it_ends(
            literals in proptest::collection::vec("[abc' ]{1,6}", 1..30),
            text in proptest::collection::vec(prop_oneof![
                4 => proptest::sample::select(b"abc' ".to_vec()),
                1 => any::<u8>(),
            ], 0..200),
            max_bytes in prop_oneof![Just(0usize), 0usize..2000, Just(MAX_TABLE_BYTES)],
        ) {
            let literals: Vec<Vec<u8>> = literals.into_iter().map(String::into_bytes).collect();
            let dfa = build(&literals, max_bytes);
            prop_assert_eq!(walk(&dfa, &text), naive(&literals, &text));
        }
    }
}
