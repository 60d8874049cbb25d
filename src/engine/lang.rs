//! A cheap guess of a message's language, from its most common words.

use super::rule::Lang;

const FR: &[&str] = &[
    "je", "tu", "il", "nous", "vous", "le", "la", "les", "des", "un", "une", "du", "est", "pas",
    "ne", "que", "qui", "pour", "avec", "dans", "sur", "ce", "ca", "c'est", "mais", "votre", "vos",
    "mon", "ma", "mes", "merci", "bonjour", "oui", "non", "et", "ou", "au", "aux", "j'ai", "on",
    "peux", "peut", "suis", "sont", "tres", "bien", "aussi", "fait", "faire", "y'a",
];
const EN: &[&str] = &[
    "i", "you", "he", "she", "we", "they", "the", "a", "an", "is", "are", "not", "to", "of", "for",
    "with", "in", "on", "that", "this", "it", "and", "or", "but", "your", "my", "thanks", "thank",
    "hello", "hi", "yes", "no", "can", "can't", "don't", "will", "have", "has", "be", "please",
    "i'm", "it's", "that's", "what", "there", "was", "do", "just",
];

/// A word of at most 8 bytes packed into an integer, so the lists are searched without
/// comparing strings; longer words are in neither list.
fn pack(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    Some(u64::from_le_bytes(buf))
}

/// Both lists in one small open-addressing hash table: packed word -> (French, English).
struct Table {
    slots: Vec<(u64, bool, bool)>,
}

const SLOTS: usize = 256;

fn slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

impl Table {
    fn new() -> Table {
        let mut slots = vec![(0u64, false, false); SLOTS];
        for (list, is_fr) in [(FR, true), (EN, false)] {
            for key in list.iter().filter_map(|w| pack(w)) {
                let mut i = slot(key);
                while slots[i].0 != 0 && slots[i].0 != key {
                    i = (i + 1) % SLOTS;
                }
                slots[i].0 = key;
                if is_fr {
                    slots[i].1 = true;
                } else {
                    slots[i].2 = true;
                }
            }
        }
        Table { slots }
    }

    fn get(&self, key: u64) -> (bool, bool) {
        let mut i = slot(key);
        loop {
            let (k, fr, en) = self.slots[i];
            if k == key {
                return (fr, en);
            }
            if k == 0 {
                return (false, false);
            }
            i = (i + 1) % SLOTS;
        }
    }
}

static TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(Table::new);

/// What a byte is to the word scan of [`detect`]: part of an ASCII word (a letter, digit or
/// apostrophe), part of a non-ASCII character, or a separator.
const ASCII_WORD: u8 = 1;
const NOT_ASCII: u8 = 2;
const BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        t[b] = if byte.is_ascii_alphanumeric() || byte == b'\'' {
            ASCII_WORD
        } else if !byte.is_ascii() {
            NOT_ASCII
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The language of a normalized message, when the evidence is clear.
pub fn detect(normalized: &str) -> Option<Lang> {
    let table = &*TABLE;
    let (mut fr, mut en) = (0u32, 0u32);
    let mut count = |word: &str| {
        if let Some(key) = pack(word).filter(|&k| k != 0) {
            let (is_fr, is_en) = table.get(key);
            fr += u32::from(is_fr);
            en += u32::from(is_en);
        }
    };
    // Words are runs of letters, digits and apostrophes. Bytes first (the text is mostly
    // ASCII once folded); a run with other characters is split by characters.
    let bytes = normalized.as_bytes();
    let (mut start, mut ascii) = (0, true);
    for i in 0..=bytes.len() {
        match bytes.get(i).map(|&b| BYTE[usize::from(b)]) {
            Some(ASCII_WORD) => continue,
            Some(NOT_ASCII) => {
                ascii = false;
                continue;
            }
            _ => {}
        }
        if i > start {
            let run = &normalized[start..i];
            if ascii {
                count(run);
            } else {
                run.split(|c: char| !(c.is_alphanumeric() || c == '\''))
                    .for_each(&mut count);
            }
        }
        (start, ascii) = (i + 1, true);
    }
    // "on", "ne"/"no" and friends exist in both: demand a clear lead.
    if fr >= en + 2 || (fr >= 1 && en == 0) {
        Some(Lang::Fr)
    } else if en >= fr + 2 || (en >= 1 && fr == 0) {
        Some(Lang::En)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_clear_cases_only() {
        assert_eq!(
            detect("bonjour, ce n'est pas de mon ressort"),
            Some(Lang::Fr)
        );
        assert_eq!(detect("c pas mon rayon"), Some(Lang::Fr));
        assert_eq!(detect("sorry, that's not my department"), Some(Lang::En));
        assert_eq!(detect("ok"), None);
        assert_eq!(detect("on it"), None);
    }

    #[test]
    fn every_listed_word_is_searchable() {
        let table = &*TABLE;
        let fr = table.slots.iter().filter(|e| e.1).count();
        let en = table.slots.iter().filter(|e| e.2).count();
        assert_eq!(fr, FR.len(), "a French word is longer than 8 bytes");
        assert_eq!(en, EN.len(), "an English word is longer than 8 bytes");
        assert_eq!(
            detect("ceci n'est pas anticonstitutionnellement"),
            Some(Lang::Fr)
        );
    }
}
