//! The bot's own words, in French and English. Rules bring their own language; these strings
//! frame them and follow the guild's (or, for commands, the user's) language.

use crate::config::Lang;

/// A UI string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    CardTitle,
    Instead,
    Rewritten,
    PrivateFooter,
    Fixed,
    FixedFooter,
    JumpToMessage,
    CoachChannelIntro,
    DmRefused,
    Helpful,
    NotRelevant,
    SuggestBetter,
}

/// The string for `text` in `lang`.
pub fn t(lang: Lang, text: Text) -> &'static str {
    use Text::*;
    match (lang, text) {
        (Lang::Fr, CardTitle) => "💡 Une piste pour votre message",
        (Lang::En, CardTitle) => "💡 A suggestion for your message",
        (Lang::Fr, Instead) => "À la place",
        (Lang::En, Instead) => "Instead",
        (Lang::Fr, Rewritten) => "Votre message reformulé",
        (Lang::En, Rewritten) => "Your message, reworded",
        (Lang::Fr, PrivateFooter) => "Vous seul·e voyez cette note",
        (Lang::En, PrivateFooter) => "Only you can see this note",
        (Lang::Fr, Fixed) => "✅ Corrigé, merci !",
        (Lang::En, Fixed) => "✅ Fixed, thank you!",
        (Lang::Fr, FixedFooter) => "Message modifié : la tournure a disparu",
        (Lang::En, FixedFooter) => "Message edited: the phrase is gone",
        (Lang::Fr, JumpToMessage) => "Voir le message",
        (Lang::En, JumpToMessage) => "Go to the message",
        (Lang::Fr, CoachChannelIntro) => "Note de coaching pour",
        (Lang::En, CoachChannelIntro) => "Coaching note for",
        (Lang::Fr, DmRefused) => "(messages privés fermés : note déposée ici)",
        (Lang::En, DmRefused) => "(direct messages closed: note posted here)",
        (Lang::Fr, Helpful) => "Utile",
        (Lang::En, Helpful) => "Helpful",
        (Lang::Fr, NotRelevant) => "Pas pertinent ici",
        (Lang::En, NotRelevant) => "Not relevant here",
        (Lang::Fr, SuggestBetter) => "Proposer mieux",
        (Lang::En, SuggestBetter) => "Suggest a better alternative",
    }
}

/// A category's name for people.
pub fn category(lang: Lang, category: &str) -> &str {
    match (lang, category) {
        (Lang::Fr, "ownership") => "prise en charge",
        (Lang::Fr, "refusal") => "refus sec",
        (Lang::Fr, "blame") => "reproche",
        (Lang::Fr, "policy") => "règlement",
        (Lang::Fr, "overpromise") => "promesse risquée",
        (Lang::Fr, "dismissive") => "ressenti minimisé",
        (Lang::Fr, "impatience") => "impatience",
        (Lang::Fr, "alarm") => "inquiétude",
        (Lang::Fr, "spelling") => "orthographe",
        (Lang::En, "ownership") => "ownership",
        (Lang::En, "refusal") => "flat refusal",
        (Lang::En, "blame") => "blame",
        (Lang::En, "policy") => "hiding behind policy",
        (Lang::En, "overpromise") => "risky promise",
        (Lang::En, "dismissive") => "dismissive",
        (Lang::En, "impatience") => "impatience",
        (Lang::En, "alarm") => "alarming",
        (Lang::En, "spelling") => "spelling",
        (_, other) => other,
    }
}
