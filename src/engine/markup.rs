//! Discord markup: which parts of a message are not the agent speaking to the customer.
//!
//! Code blocks, inline code, block quotes, URLs, mentions, custom emoji and timestamps are
//! *masked*: the matcher never sees them. Formatting that wraps words the customer reads
//! (bold, italics, underline, strikethrough, spoilers) is not masked; the normalizer drops the
//! marker characters so phrases match through it.
//!
//! The scan is a single left-to-right pass over the bytes: every search for a closing
//! delimiter that fails disables further searches for that delimiter, so the whole scan is
//! linear in the message length.

use std::ops::Range;

/// Byte ranges of `text` that must not be matched, sorted and non-overlapping.
pub fn masked_ranges(text: &str) -> Vec<Range<usize>> {
    let mut starts = Starts::new(text.as_bytes());
    masked_ranges_with(text, |_, from| starts.next(from))
}

/// [`masked_ranges`], finding the next byte that may start markup with `next_start`.
fn masked_ranges_with(
    text: &str,
    mut next_start: impl FnMut(&[u8], usize) -> Option<usize>,
) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    let mut fence_closable = true;
    let mut tick_closable = true;
    while i < bytes.len() {
        // Most bytes start nothing: skip to the next one that may.
        match next_start(bytes, i) {
            Some(p) => i = p,
            None => break,
        }
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        match bytes[i] {
            b'>' if at_line_start => {
                if bytes[i..].starts_with(b">>> ") {
                    out.push(i..bytes.len());
                    break;
                }
                if bytes[i..].starts_with(b"> ") {
                    let end = line_end(bytes, i);
                    out.push(i..end);
                    i = end;
                    continue;
                }
                i += 1;
            }
            b'`' if bytes[i..].starts_with(b"```") && fence_closable => {
                match find(bytes, i + 3, b"```") {
                    Some(close) => {
                        out.push(i..close + 3);
                        i = close + 3;
                    }
                    None => {
                        fence_closable = false;
                        i += 3;
                    }
                }
            }
            b'`' if tick_closable && !is_apostrophe_tick(bytes, i) => {
                // `code` or ``code``: the closing run has the same length as the opening one.
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                match find_code_close(bytes, i + run, run) {
                    Some(close) => {
                        out.push(i..close + run);
                        i = close + run;
                    }
                    None => {
                        tick_closable = false;
                        i += run;
                    }
                }
            }
            b'<' => match angle_token_end(bytes, i) {
                Some(end) => {
                    out.push(i..end);
                    i = end;
                }
                None => i += 1,
            },
            // A URL is seen from its first punctuation: the `:` of `http://` or `https://`,
            // the `.` of `www.` (letters are too common to stop at each `h` and `w`).
            b':' | b'.' => match url_before(bytes, i, out.last().map_or(0, |m| m.end)) {
                Some(start) => {
                    let end = bytes[i..]
                        .iter()
                        .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'<')
                        .map_or(bytes.len(), |p| i + p);
                    out.push(start..end);
                    i = end;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    out
}

/// Where the next byte that may start masked markup is: `<`, `>` and `` ` `` for mentions,
/// quotes and code, `:` and `.` for URLs. Two vectorized searches (`memchr` looks for at most
/// three bytes at once), each remembering what it found until the scan passes it.
struct Starts<'a> {
    bytes: &'a [u8],
    /// The next `<`, `>` or `` ` ``, and the next `:` or `.`, at or after the last position
    /// asked (`bytes.len()` when there is none left).
    angle_tick: usize,
    url: usize,
}

impl<'a> Starts<'a> {
    fn new(bytes: &'a [u8]) -> Starts<'a> {
        Starts {
            bytes,
            angle_tick: next_angle_tick(bytes, 0),
            url: next_url_punctuation(bytes, 0),
        }
    }

    fn next(&mut self, from: usize) -> Option<usize> {
        if self.angle_tick < from {
            self.angle_tick = next_angle_tick(self.bytes, from);
        }
        if self.url < from {
            self.url = next_url_punctuation(self.bytes, from);
        }
        Some(self.angle_tick.min(self.url)).filter(|&p| p < self.bytes.len())
    }
}

/// The first `<`, `>` or `` ` `` at or after `from` (`bytes.len()` if none).
fn next_angle_tick(bytes: &[u8], from: usize) -> usize {
    memchr::memchr3(b'<', b'>', b'`', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

/// The first `:` or `.` at or after `from` (`bytes.len()` if none).
fn next_url_punctuation(bytes: &[u8], from: usize) -> usize {
    memchr::memchr2(b':', b'.', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// A backtick typed as an apostrophe, as in "c`est": between two letters, it opens no code.
fn is_apostrophe_tick(bytes: &[u8], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| bytes[j]);
    let after = bytes.get(i + 1).copied();
    matches!((before, after), (Some(b), Some(a)) if is_letter_byte(b) && is_letter_byte(a))
}

fn is_letter_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80
}

/// The next run of exactly `run` backticks that is not an apostrophe.
fn find_code_close(bytes: &[u8], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'`' {
            let len = bytes[j..].iter().take_while(|&&b| b == b'`').count();
            if len == run && (run > 1 || !is_apostrophe_tick(bytes, j)) {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

fn word_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || !bytes[i - 1].is_ascii_alphanumeric()
}

/// The start of the URL whose `://` or `www.` has its `:` or `.` at `i`: a word start, at or
/// after `from`, where `http://`, `https://` or `www.` begins (in any case).
fn url_before(bytes: &[u8], i: usize, from: usize) -> Option<usize> {
    let begins_at = |back: usize| {
        let start = i.checked_sub(back).filter(|&s| s >= from)?;
        (word_start(bytes, start) && url_start(&bytes[start..])).then_some(start)
    };
    match bytes[i] {
        b':' => begins_at(5).or_else(|| begins_at(4)),
        _ => begins_at(3),
    }
}

fn url_start(rest: &[u8]) -> bool {
    let starts = |prefix: &[u8]| {
        rest.get(..prefix.len())
            .is_some_and(|r| r.eq_ignore_ascii_case(prefix))
    };
    starts(b"https://") || starts(b"http://") || starts(b"www.")
}

/// `<@123>`, `<@!123>`, `<@&123>`, `<#123>`, `<:name:123>`, `<a:name:123>`, `<t:123:R>`,
/// `</command name:123>` and `<https://...>`: the end of the token, if `bytes[i..]` starts one.
fn angle_token_end(bytes: &[u8], i: usize) -> Option<usize> {
    const MAX: usize = 200;
    let window = &bytes[i + 1..bytes.len().min(i + 1 + MAX)];
    let close = window.iter().position(|&b| b == b'>')?;
    let inner = &window[..close];
    let end = i + 1 + close + 1;
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let ok = if let Some(rest) = inner.strip_prefix(b"@&") {
        digits(rest)
    } else if let Some(rest) = inner.strip_prefix(b"@!") {
        digits(rest)
    } else if let Some(rest) = inner.strip_prefix(b"@") {
        digits(rest)
    } else if let Some(rest) = inner.strip_prefix(b"#") {
        digits(rest)
    } else if let Some(rest) = inner.strip_prefix(b"t:") {
        let num = rest.split(|&b| b == b':').next().unwrap_or_default();
        digits(num.strip_prefix(b"-").unwrap_or(num))
    } else if inner.starts_with(b"/") {
        inner
            .rsplit(|&b| b == b':')
            .next()
            .is_some_and(|id| digits(id) && inner.contains(&b':'))
    } else if inner.starts_with(b":") || inner.starts_with(b"a:") {
        let parts: Vec<&[u8]> = inner.split(|&b| b == b':').collect();
        parts.len() == 3 && digits(parts[2]) && !parts[1].is_empty()
    } else {
        url_start(inner) && !inner.iter().any(u8::is_ascii_whitespace)
    };
    ok.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> Vec<&str> {
        masked_ranges(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn code_blocks_and_inline_code() {
        assert_eq!(masked("a ```x\ny``` b"), vec!["```x\ny```"]);
        assert_eq!(masked("dire `non` ici"), vec!["`non`"]);
        assert_eq!(masked("dire ``a ` b`` ici"), vec!["``a ` b``"]);
        // unclosed: nothing masked
        assert!(masked("a ``` b").is_empty());
        assert!(masked("a ` b").is_empty());
    }

    #[test]
    fn backtick_between_letters_is_an_apostrophe() {
        assert!(masked("c`est pas mon rayon, j`peux pas").is_empty());
    }

    #[test]
    fn quotes_only_at_line_start() {
        assert_eq!(masked("> cité\nmoi"), vec!["> cité"]);
        assert_eq!(masked("x\n>>> tout\nle reste"), vec![">>> tout\nle reste"]);
        assert!(masked("a > b").is_empty());
    }

    #[test]
    fn urls_mentions_emoji_timestamps() {
        assert_eq!(
            masked("voir https://ex.com/a?b=c puis"),
            vec!["https://ex.com/a?b=c"]
        );
        assert_eq!(
            masked("<@123> <@!4> <@&5> <#6>"),
            vec!["<@123>", "<@!4>", "<@&5>", "<#6>"]
        );
        assert_eq!(masked("<:ok:12> <a:no:34>"), vec!["<:ok:12>", "<a:no:34>"]);
        assert_eq!(
            masked("<t:1700000000:R> </tact check:99>"),
            vec!["<t:1700000000:R>", "</tact check:99>"]
        );
        assert!(masked("a < b > c").is_empty());
        assert!(masked("xhttp://").is_empty());
        assert_eq!(
            masked("HTTPS://A.B, www.c.d et WWW.E\nhttp://f"),
            vec!["HTTPS://A.B,", "www.c.d", "WWW.E", "http://f"]
        );
        assert_eq!(masked("<@1>www.x y"), vec!["<@1>", "www.x"]);
        assert!(masked("wwww.x hhttp://y https:/z ww.w").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn the_vectorized_skip_finds_every_start(
            text in "([a-zA-Z0-9 \n:/.<>`@!#&é]|https://|www\\.|<@1>|```|> ){0,24}"
        ) {
            let byte_by_byte = masked_ranges_with(&text, |bytes, from| {
                bytes[from..].iter().position(|b| b"<>`:.".contains(b)).map(|p| from + p)
            });
            proptest::prop_assert_eq!(masked_ranges(&text), byte_by_byte);
        }
    }
}
