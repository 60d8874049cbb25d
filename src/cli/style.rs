//! Terminal styling: ANSI colors on a TTY only (and never with `NO_COLOR` set).

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    pub fn for_stdout() -> Style {
        Style {
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// The flagged span inside a message: bold red on a TTY, `**...**` otherwise.
    pub fn highlight(&self, text: &str) -> String {
        if self.color {
            self.paint("1;31", text)
        } else {
            format!("**{text}**")
        }
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn severity(&self, severity: &str) -> String {
        let code = match severity {
            "alert" => "1;31",
            "warning" => "33",
            _ => "36",
        };
        self.paint(code, severity)
    }
}
