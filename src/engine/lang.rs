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

/// The language of a normalized message, when the evidence is clear.
pub fn detect(normalized: &str) -> Option<Lang> {
    let (mut fr, mut en) = (0u32, 0u32);
    for word in normalized.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        if word.is_empty() {
            continue;
        }
        fr += u32::from(FR.contains(&word));
        en += u32::from(EN.contains(&word));
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
}
