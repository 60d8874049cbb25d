//! The prefilter's automaton as a transition table.
//!
//! The `aho-corasick` crate builds the automaton of the rules' literals (trie, failure links,
//! the literals each state completes) as a contiguous NFA: compact, but each byte of the text
//! may follow several failure links, each a dependent memory load and a hard-to-predict branch.
//! [`LiteralDfa`] copies that automaton's transitions into one table row per state, failure
//! links already followed, so that reading a byte is one table load: the walk takes about half
//! the time, and a check about 15 % less on the shipped rules (BENCHMARKS.md, run 10).
//!
//! The table stays small because its alphabet is only the bytes the literals use (39 classes
//! for the shipped rules: letters, some digits, space, apostrophe and a few signs), every other
//! byte sharing one class that always leads back to the start. Rows are numbered breadth
//! first, so the states a text visits most (the shallow ones) sit together at the start.
//!
//! Size: when every state fits in 16-bit row numbers, entries are `u16` (the shipped rules:
//! 42,661 states × 39 classes × 2 bytes, 3.3 MB). Otherwise entries are `u32` and rows are given
//! breadth first up to [`MAX_TABLE_BYTES`]; the states past that (deeper ones, in rule sets
//! ten times larger and more) are read from the NFA, as before the table existed.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::Anchored;
use rustc_hash::FxHasher;

/// Most memory the rows of a `u32` table may take. A larger automaton has its first states
/// (breadth first: the shallow ones, where a walk spends most of its bytes) in the table and
/// the others read from the NFA.
pub const MAX_TABLE_BYTES: usize = 8 << 20;

/// Flag of a state value: the state completes at least one literal.
const MATCH: u32 = 1 << 31;
/// Flag of a state value: the state has no row; the value holds its NFA state id.
const DEEP: u32 = 1 << 30;
const VALUE: u32 = DEEP - 1;

type RowOf = HashMap<StateID, u32, BuildHasherDefault<FxHasher>>;

/// The automaton of an [`NFA`] in table form. A state is a `u32`: its row's offset in `table`,
/// or, for a state beyond the table, [`DEEP`] and its NFA state id; with [`MATCH`] set when it
/// completes literals.
pub struct LiteralDfa {
    nfa: NFA,
    /// Class of each byte; class 0 is every byte no literal uses.
    classes: [u8; 256],
    /// Number of classes: the length of a row.
    stride: usize,
    /// Row after row, the next state for each class.
    table: Vec<u32>,
    /// For each row: where its literals start in `literals` (one more entry at the end).
    literal_start: Vec<u32>,
    /// The literals (pattern ids of the NFA) each row completes, row after row.
    literals: Vec<u32>,
    /// The row of each NFA state that has one (to come back to the table from a deep state).
    row_of: RowOf,
    /// The start state.
    start: u32,
    /// When every state has a row and there are at most 65,536 rows (the shipped rules): the
    /// table with each entry the next row's number, half the size.
    narrow: Option<Narrow>,
}

/// A table whose entries are row numbers (`u16`), with the rows that complete literals in a
/// bit set.
struct Narrow {
    table: Vec<u16>,
    matches: Vec<u64>,
}

/// The value of NFA state `sid`: its row's offset if it has one, else [`DEEP`] and its id; with
/// [`MATCH`] if it completes literals.
fn value(nfa: &NFA, row_of: &RowOf, stride: usize, sid: StateID) -> u32 {
    let flag = if nfa.is_special(sid) && nfa.is_match(sid) {
        MATCH
    } else {
        0
    };
    match row_of.get(&sid) {
        Some(&row) => (row as usize * stride) as u32 | flag,
        None => DEEP | sid.as_u32() | flag,
    }
}

impl LiteralDfa {
    /// The table of `nfa`, whose literals use only the bytes of `alphabet`, in at most
    /// `max_bytes` of rows.
    pub fn build(nfa: NFA, alphabet: &[u8], max_bytes: usize) -> LiteralDfa {
        let mut classes = [0u8; 256];
        // One byte standing for each class; class 0 stands for the bytes no literal uses.
        let mut representative = vec![None];
        for &b in alphabet {
            if classes[b as usize] == 0 && representative.len() <= usize::from(u8::MAX) {
                classes[b as usize] = representative.len() as u8;
                representative.push(Some(b));
            }
        }
        // More than 255 distinct bytes (not possible in the prefilter form, which is ASCII for
        // the most part): the bytes left over share class 0, so no table.
        let no_table =
            alphabet.len() >= usize::from(u8::MAX) || nfa.memory_usage() / 4 >= VALUE as usize;
        let stride = representative.len();
        let max_rows = if no_table {
            0
        } else {
            max_bytes / (stride * 4)
        };
        let start = nfa
            .start_state(Anchored::No)
            .expect("the automaton supports unanchored searches");
        // Breadth first from the start: `order[row]` is the NFA state of each row.
        let mut row_of = RowOf::default();
        let mut order = Vec::new();
        if max_rows > 0 {
            row_of.insert(start, 0);
            order.push(start);
        }
        // A state's row is given when the walk first meets it, while rows are left, so each
        // entry is final when written.
        let mut table = Vec::new();
        let mut row = 0;
        while let Some(&sid) = order.get(row) {
            for &b in &representative {
                let next = match b {
                    Some(b) => nfa.next_state(Anchored::No, sid, b),
                    // No literal holds such a byte: no state survives it.
                    None => start,
                };
                if !row_of.contains_key(&next) && order.len() < max_rows {
                    row_of.insert(next, order.len() as u32);
                    order.push(next);
                }
                table.push(value(&nfa, &row_of, stride, next));
            }
            row += 1;
        }
        let mut literal_start = Vec::with_capacity(order.len() + 1);
        let mut literals = Vec::new();
        for &sid in &order {
            literal_start.push(literals.len() as u32);
            if nfa.is_special(sid) && nfa.is_match(sid) {
                literals
                    .extend((0..nfa.match_len(sid)).map(|k| nfa.match_pattern(sid, k).as_u32()));
            }
        }
        literal_start.push(literals.len() as u32);
        let start = value(&nfa, &row_of, stride, start);
        let mut narrow = None;
        if max_rows > 0 && order.len() <= 1 << 16 && table.iter().all(|&v| v & DEEP == 0) {
            // Every state has a row, and a row number fits in 16 bits.
            let mut matches = vec![0u64; order.len().div_ceil(64)];
            for row in 0..order.len() {
                if literal_start[row] < literal_start[row + 1] {
                    matches[row / 64] |= 1 << (row % 64);
                }
            }
            let rows = table
                .iter()
                .map(|&v| ((v & VALUE) as usize / stride) as u16)
                .collect();
            narrow = Some(Narrow {
                table: rows,
                matches,
            });
            // Only the narrow table is read, and no state needs its way back to a row.
            table = Vec::new();
            row_of = RowOf::default();
        }
        LiteralDfa {
            nfa,
            classes,
            stride,
            table,
            literal_start,
            literals,
            row_of,
            start,
            narrow,
        }
    }

    /// The value of NFA state `sid`.
    fn value(&self, sid: StateID) -> u32 {
        value(&self.nfa, &self.row_of, self.stride, sid)
    }

    /// Heap bytes held (the NFA included).
    pub fn memory_usage(&self) -> usize {
        (self.table.len() + self.literal_start.len() + self.literals.len()) * 4
            + self
                .narrow
                .as_ref()
                .map_or(0, |n| n.table.len() * 2 + n.matches.len() * 8)
            + self.row_of.capacity() * 16
            + self.nfa.memory_usage()
    }

    /// Reads `text` (bytes with their positions) from the start state and calls `found` with
    /// the position and the literal (pattern id of the NFA) of every literal that ends there.
    #[inline(always)]
    pub fn walk(
        &self,
        text: impl Iterator<Item = (usize, u8)>,
        mut found: impl FnMut(usize, usize),
    ) {
        if let Some(narrow) = &self.narrow {
            let mut row = 0;
            for (i, b) in text {
                row = usize::from(
                    narrow.table[row * self.stride + usize::from(self.classes[usize::from(b)])],
                );
                if narrow.matches[row / 64] & (1 << (row % 64)) != 0 {
                    for &lit in self.literals_of_row(row) {
                        found(i, lit as usize);
                    }
                }
            }
            return;
        }
        let mut state = self.start;
        for (i, b) in text {
            state = if state & DEEP == 0 {
                self.next_row(state, b)
            } else {
                self.next_deep(state, b)
            };
            if state & MATCH != 0 {
                self.for_each_literal(state, |lit| found(i, lit));
            }
        }
    }

    /// The state after reading `byte` in `state`, which has a row (`u32` table).
    #[inline(always)]
    fn next_row(&self, state: u32, byte: u8) -> u32 {
        let row = (state & VALUE) as usize;
        self.table[row + usize::from(self.classes[usize::from(byte)])]
    }

    /// The state after reading `byte` in `state`, which has no row: read from the NFA.
    #[inline(never)]
    fn next_deep(&self, state: u32, byte: u8) -> u32 {
        let sid = StateID::new((state & VALUE) as usize).expect("a state id of the NFA");
        self.value(self.nfa.next_state(Anchored::No, sid, byte))
    }

    /// The literals (pattern ids of the NFA) that the state of `row` completes.
    #[inline(always)]
    fn literals_of_row(&self, row: usize) -> &[u32] {
        &self.literals[self.literal_start[row] as usize..self.literal_start[row + 1] as usize]
    }

    /// Calls `f` with each literal (pattern id of the NFA) that `state` completes.
    #[inline(always)]
    fn for_each_literal(&self, state: u32, mut f: impl FnMut(usize)) {
        if state & DEEP == 0 {
            for &lit in self.literals_of_row((state & VALUE) as usize / self.stride) {
                f(lit as usize);
            }
        } else {
            let sid = StateID::new((state & VALUE) as usize).expect("a state id of the NFA");
            for k in 0..self.nfa.match_len(sid) {
                f(self.nfa.match_pattern(sid, k).as_usize());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::MatchKind;
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
        let nfa = NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(literals)
            .unwrap();
        let mut alphabet: Vec<u8> = literals.iter().flatten().copied().collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        LiteralDfa::build(nfa, &alphabet, max_bytes)
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
            assert_eq!(
                walk(&build(&literals, max_bytes), text),
                naive(&literals, text)
            );
        }
    }

    proptest! {
        /// Whatever share of the states has a row (none, some, all), a walk reports exactly
        /// the literals that end at each byte, including over bytes no literal uses.
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
