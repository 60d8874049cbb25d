//! What to say instead: rotating alternatives and rewriting the message.

use std::ops::Range;

use super::matcher::Hit;

/// Fills a hit's alternatives and, for swap rules, the rewritten message.
///
/// Alternatives rotate: the first suggestion is deterministic for a given message (so a
/// re-check shows the same one) but varies across messages, so agents do not all paste the same
/// line. Swap rules do not rotate: their first alternative is the canonical replacement (a
/// spelling fix, say), and the rewrite uses it.
pub fn fill(hit: &mut Hit, original: &str, normalized: &str) {
    let alts = &hit.rule.alternatives;
    if alts.is_empty() {
        return;
    }
    if hit.rule.swap {
        hit.alternatives = alts.clone();
        hit.rewrite = Some(rewrite(original, hit.start, hit.end, &alts[0]));
        return;
    }
    let seed = fnv1a(normalized.as_bytes()) ^ fnv1a(hit.rule.id.as_bytes());
    let first = (seed % alts.len() as u64) as usize;
    hit.alternatives = alts[first..]
        .iter()
        .chain(&alts[..first])
        .cloned()
        .collect();
}

/// The message with `original[start..end]` replaced by `replacement`, fitted to its place:
/// capitalized at the start of a sentence (or when the replaced words were), lowercased
/// mid-sentence, and without a final period when the sentence goes on.
pub fn rewrite(original: &str, start: usize, end: usize, replacement: &str) -> String {
    let before = &original[..start];
    let after = &original[end..];
    let snippet = &original[start..end];
    let sentence_start = before
        .trim_end()
        .chars()
        .last()
        .is_none_or(|c| matches!(c, '.' | '!' | '?' | '…' | '\n'));
    let snippet_capital = snippet.chars().next().is_some_and(char::is_uppercase);
    let mut rep = if sentence_start || snippet_capital {
        capitalize(replacement)
    } else if keeps_capital(replacement) {
        replacement.to_string()
    } else {
        lowercase_first(replacement)
    };
    let next = after.trim_start().chars().next();
    let sentence_goes_on = next.is_some_and(|c| {
        c.is_lowercase()
            || c.is_ascii_digit()
            || matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | ')')
    });
    if sentence_goes_on {
        while rep.ends_with(['.', '!']) && !rep.ends_with("...") {
            rep.pop();
        }
    }
    let mut out = String::with_capacity(original.len() + rep.len());
    out.push_str(before);
    out.push_str(&rep);
    out.push_str(after);
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "I", "I'm", acronyms and names keep their capital in the middle of a sentence.
fn keeps_capital(s: &str) -> bool {
    let first_word = s.split([' ', ',']).next().unwrap_or("");
    first_word == "I"
        || first_word.starts_with("I'")
        || first_word.starts_with("I’")
        || first_word.chars().nth(1).is_some_and(char::is_uppercase)
}

/// The part of the normalized text where an `unless` exception counts: the hit's sentence
/// and the sentence right after it.
pub fn unless_window(ntext: &str, start: usize, end: usize) -> Range<usize> {
    let is_end = |b: u8| matches!(b, b'.' | b'!' | b'?' | b'\n');
    let bytes = ntext.as_bytes();
    let from = bytes[..start]
        .iter()
        .rposition(|&b| is_end(b))
        .map_or(0, |p| p + 1);
    let sentence_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| is_end(b))
            .map_or(bytes.len(), |p| from + p)
    };
    let mut to = sentence_end(end);
    while to < bytes.len() && is_end(bytes[to]) {
        to += 1;
    }
    let to = sentence_end(to);
    from..to
}

/// FNV-1a: a small stable hash (the same across runs and Rust versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_fits_capitalization_and_punctuation() {
        assert_eq!(
            rewrite("Merci et your welcome !", 9, 21, "you're welcome"),
            "Merci et you're welcome !"
        );
        assert_eq!(
            rewrite("your welcome, bye", 0, 12, "you're welcome"),
            "You're welcome, bye"
        );
        assert_eq!(
            rewrite(
                "Désolé. ce n'est pas mon rayon, voyez ailleurs.",
                10,
                32,
                "Je m'en occupe."
            ),
            "Désolé. Je m'en occupe, voyez ailleurs."
        );
        assert_eq!(
            rewrite(
                "Bon, Je peux pas. Voilà",
                5,
                16,
                "je regarde ce que je peux faire."
            ),
            "Bon, Je regarde ce que je peux faire.. Voilà".replace("..", ".")
        );
        assert_eq!(
            rewrite("ok so I should of known", 8, 17, "should have"),
            "ok so I should have known"
        );
        assert_eq!(
            rewrite("thanks, no way", 8, 14, "I'll check"),
            "thanks, I'll check"
        );
    }

    #[test]
    fn unless_window_is_this_sentence_and_the_next() {
        let t = "bonjour. je ne peux pas. mais je peux proposer ceci. fin";
        let s = t.find("je ne").unwrap();
        let w = unless_window(t, s, s + 14);
        assert_eq!(&t[w], " je ne peux pas. mais je peux proposer ceci");
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
