//! The normalized view of a message that rules are matched against.
//!
//! Folding: case; Unicode compatibility forms (NFKD); accents (combining marks dropped, so
//! "déjà" and "deja" are the same); œ/æ/ß; every apostrophe-like character to `'`; every
//! quotation mark to `"`; dashes to `-`; every run of white space (including the no-break and
//! narrow no-break spaces of French typography) to one space. Discord formatting markers
//! (`*`, `_`, `~`, `|`) are dropped so phrases match through bold, italics, spoilers.
//! Masked markup (see [`super::markup`]) and line breaks become a `\n`, a hard boundary that
//! no phrase crosses.
//!
//! Every byte of the normalized text remembers the original character it came from, so a
//! match in the normalized text maps back to an exact span of the original message. That
//! memory is kept as pieces, not per byte: most of a message is copied byte for byte (only
//! lowercased), and one piece stands for such a run whatever its length.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::markup::masked_ranges;

/// A message prepared for matching.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// Where the bytes of `text` come from, in order; each piece covers the bytes of `text` from
    /// its `at` up to the next piece's (the first piece is at 0 when `text` is not empty).
    pieces: Vec<Piece>,
}

/// Bytes of the normalized text that come from the original in one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// The first byte of the normalized text it covers.
    at: u32,
    /// The original bytes. A copied piece's bytes each come from one original byte, in order,
    /// from `start` on (`end` is not used); the bytes of any other piece all come from the
    /// character (or, for a boundary, the empty range) `start..end`.
    start: u32,
    end: u32,
    copied: bool,
}

impl Normalized {
    /// Normalizes at most `max_chars` characters of `original` (the rest is ignored).
    pub fn new(original: &str, max_chars: usize) -> Normalized {
        let mut out = Normalized::default();
        out.reset(original, max_chars);
        out
    }

    /// Like [`Normalized::new`], in place: the memory already held is reused (a check keeps
    /// one `Normalized` from message to message).
    pub fn reset(&mut self, original: &str, max_chars: usize) {
        // Markup is read on the whole message (a code block cut by the limit is still code),
        // then only the first `max_chars` characters are normalized.
        let masks = masked_ranges(original);
        let original = truncate_chars(original, max_chars);
        let out = self;
        out.text.clear();
        out.pieces.clear();
        out.text.reserve(original.len() + 8);
        let bytes = original.as_bytes();
        let mut masks = masks.into_iter().peekable();
        let mut i = 0;
        while i < bytes.len() {
            if let Some(mask) = masks.next_if(|m| m.start <= i) {
                out.boundary(mask.start);
                // Masks end on character boundaries.
                i = i.max(mask.end);
                continue;
            }
            let b = bytes[i];
            if RUN[b as usize] == PLAIN {
                // The common case: a run of words copied at once, lowercased. Single spaces
                // after a plain byte are kept as they are; the run stops before anything else
                // and before the next masked range. (The test has no branch: spaces and
                // letters alternate too irregularly for the processor to predict them.)
                let limit = masks
                    .peek()
                    .map_or(bytes.len(), |m| m.start.min(bytes.len()));
                let mut end = i + 1;
                let mut prev = PLAIN;
                // Eight bytes at a time while they are all plain bytes or spaces, with no
                // space after a space (spaces found with the bit trick for zero bytes).
                while let Some(chunk) = bytes.get(end..(end + 8).min(limit)) {
                    let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
                        break;
                    };
                    let kept = chunk
                        .iter()
                        .fold(true, |ok, &b| ok & (RUN[usize::from(b)] != 0));
                    let x = u64::from_le_bytes(chunk) ^ u64::from_le_bytes([b' '; 8]);
                    const LOW: u64 = u64::from_le_bytes([0x7F; 8]);
                    let spaces = !(((x & LOW) + LOW) | x | LOW);
                    let space_before = (spaces << 8) | u64::from(prev == 0) << 7;
                    if !kept || spaces & space_before != 0 {
                        break;
                    }
                    prev = u8::from(chunk[7] != b' ');
                    end += 8;
                }
                while end < limit {
                    let class = RUN[bytes[end] as usize];
                    if (class | (class >> 1 & prev)) & PLAIN == 0 {
                        break;
                    }
                    prev = class & PLAIN;
                    end += 1;
                }
                out.copy_from(i);
                let from = out.text.len();
                out.text.push_str(&original[i..end]);
                out.text[from..].make_ascii_lowercase();
                i = end;
                continue;
            }
            if b.is_ascii() {
                match b {
                    b'\n' | b'\r' => out.boundary(i),
                    _ => {
                        if let Some(f) = fold_ascii(char::from(b)) {
                            out.push_ascii(f as u8, i);
                        }
                    }
                }
                i += 1;
                continue;
            }
            if b == 0xC3 {
                // Latin-1 letters (U+00C0 to U+00FF), the accents of French: a table.
                let folded = LATIN1[usize::from(bytes[i + 1] & 0x3F)];
                if folded != 0 {
                    out.char_piece(i as u32, i as u32 + 2);
                    out.text.push(char::from(folded));
                    i += 2;
                    continue;
                }
            }
            let c = original[i..]
                .chars()
                .next()
                .expect("i is a character boundary");
            let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
            fold_char(c, |f| out.push_folded(f, start, end));
            i += c.len_utf8();
        }
    }

    /// The normalized text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalized text back to the original message.
    ///
    /// `start < end <= text().len()` must hold (as for any regex match).
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.origin(start).0 as usize;
        let last = self.origin(end - 1).1 as usize;
        (first, last.max(first))
    }

    /// The original byte range of the character byte `k` of the text came from.
    fn origin(&self, k: usize) -> (u32, u32) {
        let k = k as u32;
        let piece = &self.pieces[self.pieces.partition_point(|p| p.at <= k) - 1];
        if piece.copied {
            let from = piece.start + (k - piece.at);
            (from, from + 1)
        } else {
            (piece.start, piece.end)
        }
    }

    /// Bytes pushed next are copied from the original, starting at its byte `start`.
    fn copy_from(&mut self, start: usize) {
        let (at, start) = (self.text.len() as u32, start as u32);
        if let Some(last) = self.pieces.last() {
            if last.copied && last.start + (at - last.at) == start {
                return; // the copy goes on
            }
        }
        self.pieces.push(Piece {
            at,
            start,
            end: 0,
            copied: true,
        });
    }

    /// Bytes pushed next come from the original range `start..end` as a whole.
    fn char_piece(&mut self, start: u32, end: u32) {
        if let Some(last) = self.pieces.last() {
            if !last.copied && (last.start, last.end) == (start, end) {
                return; // a second byte of the same character's folding
            }
        }
        self.pieces.push(Piece {
            at: self.text.len() as u32,
            start,
            end,
            copied: false,
        });
    }

    /// Pushes an ASCII byte (already folded) that came from the original byte `at`.
    fn push_ascii(&mut self, b: u8, at: usize) {
        if b == b' ' && matches!(self.text.as_bytes().last(), None | Some(b' ' | b'\n')) {
            return;
        }
        self.copy_from(at);
        self.text.push(b as char);
    }

    fn push_folded(&mut self, c: char, start: u32, end: u32) {
        if c == ' ' && matches!(self.text.as_bytes().last(), None | Some(b' ' | b'\n')) {
            return;
        }
        self.char_piece(start, end);
        self.text.push(c);
    }

    /// A hard boundary for masked markup or a line break. It stands for nothing said, so its
    /// origin is empty, right after the last character kept: a match touching it never spans
    /// the masked text (nor a dropped space before it).
    fn boundary(&mut self, start: usize) {
        if self.text.ends_with(' ') {
            self.text.pop();
            if self
                .pieces
                .last()
                .is_some_and(|p| p.at as usize == self.text.len())
            {
                self.pieces.pop();
            }
        }
        if !self.text.ends_with('\n') {
            let at = if self.text.is_empty() {
                start as u32
            } else {
                self.origin(self.text.len() - 1).1
            };
            self.char_piece(at, at);
            self.text.push('\n');
        }
    }
}

/// [`RUN`] class of the ASCII bytes copied as they are (lowercased): everything but white space,
/// line breaks and the formatting markers `*`, `_`, `~`, `|`, `` ` ``.
const PLAIN: u8 = 1;
/// [`RUN`] class of the space, copied as it is after a plain byte.
const SPACE: u8 = 2;
/// The class of each byte for the fast path of [`Normalized::new`]: [`PLAIN`], [`SPACE`] or 0.
const RUN: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b' ' => SPACE,
            b'\t' | b'\n' | b'\r' | 0x0C | b'*' | b'_' | b'~' | b'|' | b'`' => 0,
            _ => PLAIN,
        };
        b += 1;
    }
    t
};

/// The folding of U+00C0 to U+00FF (UTF-8 `C3 80` to `C3 BF`, by the low 6 bits of the second
/// byte) when it is one ASCII letter; 0 for the others (Æ, ß, ×, ...), which take the general
/// path. A test checks it against [`fold_char`].
const LATIN1: [u8; 64] =
    *b"aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";

/// The longest prefix of `text` with at most `max_chars` characters.
pub fn truncate_chars(text: &str, max_chars: usize) -> &str {
    if text.len() <= max_chars {
        return text; // never more characters than bytes
    }
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn fold_ascii(c: char) -> Option<char> {
    match c {
        '*' | '_' | '~' | '|' => None,
        '`' => Some('\''),
        c if c.is_ascii_whitespace() => Some(' '),
        c => Some(c.to_ascii_lowercase()),
    }
}

/// Folds one non-ASCII character, calling `emit` for each resulting character.
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    match c {
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' | '\u{02B9}'
        | '\u{FF07}' => emit('\''),
        '\u{00AB}' | '\u{00BB}' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}'
        | '\u{2039}' | '\u{203A}' => emit('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => emit('-'),
        'œ' | 'Œ' => {
            emit('o');
            emit('e')
        }
        'æ' | 'Æ' => {
            emit('a');
            emit('e')
        }
        'ß' => {
            emit('s');
            emit('s')
        }
        c if c.is_whitespace() => emit(' '),
        // Invisible: zero-width spaces and joiners, word joiner, BOM, soft hyphen.
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {}
        c => decompose_compatible(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            if d.is_ascii() {
                if let Some(f) = fold_ascii(d) {
                    emit(f)
                }
            } else if d.is_whitespace() {
                emit(' ')
            } else {
                for l in d.to_lowercase() {
                    emit(l)
                }
            }
        }),
    }
}

/// Folds a short piece of text (a rule phrase, a lookup query) the same way as messages, but
/// without markup handling and without dropping `*` and `|` (the phrase syntax uses them).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut push = |c: char| {
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            return;
        }
        out.push(c)
    };
    for c in text.chars() {
        match c {
            '*' | '|' | '_' | '~' => push(c),
            c if c.is_ascii() => {
                if let Some(f) = fold_ascii(c) {
                    push(f)
                }
            }
            c => fold_char(c, &mut push),
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::new(s, 4000).text().to_string()
    }

    #[test]
    fn folds_case_accents_apostrophes_spaces() {
        assert_eq!(norm("Ce N’est  PAS déjà"), "ce n'est pas deja");
        assert_eq!(norm("Vraiment\u{202F}?\u{00A0}!"), "vraiment ? !");
        assert_eq!(norm("« Cœur » — ŒUVRE"), "\" coeur \" - oeuvre");
        assert_eq!(norm("ｆｕｌｌ ﬁn"), "full fin");
        assert_eq!(norm("c`est"), "c'est");
    }

    #[test]
    fn formatting_is_matched_through() {
        assert_eq!(
            norm("ce n'est **pas** de mon ||ressort||"),
            "ce n'est pas de mon ressort"
        );
        assert_eq!(norm("__souligné__ ~~barré~~ *it*"), "souligne barre it");
    }

    #[test]
    fn masked_markup_and_newlines_are_boundaries() {
        assert_eq!(norm("a `code` b"), "a\nb");
        assert_eq!(norm("<@123> bonjour"), "\nbonjour");
        assert_eq!(norm("ligne 1\n\nligne 2"), "ligne 1\nligne 2");
        assert_eq!(norm("> cité\nà moi"), "\na moi");
    }

    #[test]
    fn spans_map_back_to_the_original() {
        let original = "Désolé, ce n’est **pas** déjà là";
        let n = Normalized::new(original, 4000);
        let text = n.text();
        let start = text.find("ce n'est").unwrap();
        let end = text.find("deja").unwrap() + "deja".len();
        let (s, e) = n.original_span(start, end);
        assert_eq!(&original[s..e], "ce n’est **pas** déjà");
    }

    #[test]
    fn the_latin1_table_folds_like_the_general_path() {
        for c in '\u{C0}'..='\u{FF}' {
            let mut general = String::new();
            fold_char(c, |f| general.push(f));
            let mut utf8 = [0u8; 2];
            c.encode_utf8(&mut utf8);
            assert_eq!(utf8[0], 0xC3);
            match LATIN1[usize::from(utf8[1] & 0x3F)] {
                0 => assert!(
                    general.len() != 1 || !general.is_ascii(),
                    "{c} folds to {general:?}: put it in the table"
                ),
                f => assert_eq!(general, char::from(f).to_string(), "{c}"),
            }
        }
        assert_eq!(norm("À ÉTÉ, Noël où ça ÿ"), "a ete, noel ou ca y");
    }

    #[test]
    fn the_ascii_fast_path_keeps_folding_and_offsets() {
        let original = "Ok  ALORS\t*non*_x_ ~~y~~ `z` a|b\r\nFin ";
        let n = Normalized::new(original, 4000);
        assert_eq!(n.text(), "ok alors nonx y\nab\nfin ");
        for (i, b) in n.text().bytes().enumerate() {
            let (s, e) = n.original_span(i, i + 1);
            if b != b'\n' {
                assert_eq!(
                    original[s..e].to_ascii_lowercase().trim(),
                    (b as char).to_string().trim()
                );
            }
        }
    }

    /// The normalization without its fast paths: every byte or character on its own.
    fn reference(original: &str) -> Normalized {
        let masks = masked_ranges(original);
        let mut out = Normalized::default();
        let mut masks = masks.into_iter().peekable();
        let mut i = 0;
        while i < original.len() {
            if let Some(mask) = masks.next_if(|m| m.start <= i) {
                out.boundary(mask.start);
                i = i.max(mask.end);
                continue;
            }
            let c = original[i..].chars().next().unwrap();
            let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
            match c {
                '\n' | '\r' => out.boundary(i),
                c if c.is_ascii() => {
                    if let Some(f) = fold_ascii(c) {
                        out.push_ascii(f as u8, i)
                    }
                }
                c => fold_char(c, |f| out.push_folded(f, start, end)),
            }
            i += c.len_utf8();
        }
        out
    }

    #[test]
    fn eight_byte_steps_stop_where_a_run_ends() {
        // A second space, a tab, an accent, a marker, a line break, at every place of a long
        // run, on either side of an eight-byte step.
        for odd in [" ", "\t", "é", "*", "\n", "`x`", "ABC"] {
            for at in 0..=30 {
                let mut text = "Abcdefgh ijklmnop qrstuvwx yz 0123".to_string();
                text.insert_str(at, odd);
                let (fast, slow) = (Normalized::new(&text, 4000), reference(&text));
                assert_eq!(fast.text(), slow.text(), "{text:?}");
                assert_eq!(fast.pieces, slow.pieces, "{text:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_reference(
            original in "([a-zA-Z0-9'.,!?]{1,6}|[ \t\n\r]{1,3}|[*_~|`>]|<@1>|[éÉàçÆßœ’\u{A0}]|Ça|x\u{301})*"
        ) {
            let fast = Normalized::new(&original, 4000);
            let slow = reference(&original);
            proptest::prop_assert_eq!(fast.text(), slow.text());
            proptest::prop_assert_eq!(&fast.pieces, &slow.pieces);
        }

        #[test]
        fn every_byte_comes_from_one_character_that_folds_to_it(
            original in "([a-zA-Z0-9'.,!?]{1,6}|[ \t\n\r]{1,3}|[*_~|`>]|<@1>|[éÉàçÆßœ’\u{A0}]|ﬁ|x\u{301})*"
        ) {
            let n = Normalized::new(&original, 4000);
            for (k, b) in n.text().bytes().enumerate() {
                let (s, e) = n.origin(k);
                let (s, e) = (s as usize, e as usize);
                if b == b'\n' {
                    proptest::prop_assert_eq!(s, e, "a boundary stands for no text");
                    continue;
                }
                let from = &original[s..e];
                let mut chars = from.chars();
                let c = chars.next().expect("a byte comes from some character");
                proptest::prop_assert!(chars.next().is_none(), "{:?} is one character", from);
                let mut folded = String::new();
                match fold_ascii(c) {
                    Some(f) if c.is_ascii() => folded.push(f),
                    _ => fold_char(c, |f| folded.push(f)),
                }
                proptest::prop_assert!(
                    folded.as_bytes().contains(&b),
                    "byte {} ({:?}) comes from {:?}, which folds to {:?}", k, b as char, from, folded
                );
            }
        }
    }

    #[test]
    fn invisible_characters_are_dropped() {
        assert_eq!(norm("calm\u{200B} d\u{AD}own\u{FEFF}"), "calm down");
    }

    #[test]
    fn spans_never_reach_into_masked_text() {
        let original = "ok `code` x";
        let n = Normalized::new(original, 4000);
        assert_eq!(n.text(), "ok\nx");
        assert_eq!(
            n.original_span(0, 3),
            (0, 2),
            "the boundary adds nothing to a span, nor the dropped space"
        );
        let long = format!("a `{}`", "z".repeat(100));
        let n = Normalized::new(&long, 3);
        assert_eq!(n.original_span(0, n.text().len()), (0, 1));
    }

    #[test]
    fn code_cut_by_the_limit_is_still_code() {
        assert_eq!(
            Normalized::new("ok `calm down xxxxxxxx`", 12).text(),
            "ok\n"
        );
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate_chars("éàü", 2), "éà");
        assert_eq!(norm(&"a".repeat(10)).len(), 10);
        assert_eq!(Normalized::new(&"é".repeat(10), 3).text(), "eee");
    }

    #[test]
    fn fold_keeps_phrase_syntax() {
        assert_eq!(
            fold("Ce N’est [vraiment] pas (mon|de mon) rembours*  "),
            "ce n'est [vraiment] pas (mon|de mon) rembours*"
        );
    }
}
