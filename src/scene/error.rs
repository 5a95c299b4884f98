//! Scene errors, located in their source text: file, line, column and the line with a caret.

use std::ops::Range;

/// A scene error located in its source text.
#[derive(Debug, thiserror::Error)]
#[error("{}{message}{snippet}", self.place())]
pub struct SceneError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line with a caret under the column (empty when there is no text).
    pub snippet: String,
}

impl SceneError {
    /// `file:line:column: `, or `file: ` for an error about the whole file (line 0).
    fn place(&self) -> String {
        if self.line == 0 {
            format!("{}: ", self.file)
        } else {
            format!("{}:{}:{}: ", self.file, self.line, self.column)
        }
    }

    pub(crate) fn at(file: &str, src: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let offset = span.map_or(0, |s| s.start.min(src.len()));
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..offset].chars().count() + 1;
        let text = src[line_start..].lines().next().unwrap_or("");
        let snippet = if src.is_empty() {
            String::new()
        } else {
            format!("\n  | {text}\n  | {}^", " ".repeat(column - 1))
        };
        Self {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            snippet,
        }
    }
}
