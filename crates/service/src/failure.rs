//! Turning Lua errors into [`ScriptFailure`]s: the message without Lua's `file:line:` prefix,
//! and the script location from that prefix or, failing that, from the traceback.

use callctl_scc::{FailureKind, ScriptFailure, ScriptLocation};

/// Lua's text when an allocation fails, for errors that a script caught and raised again.
const OUT_OF_MEMORY: &str = "not enough memory";

pub(crate) fn failure(
    kind: FailureKind,
    message: impl Into<String>,
    location: Option<ScriptLocation>,
) -> ScriptFailure {
    ScriptFailure {
        kind,
        message: message.into(),
        location,
    }
}

/// The location of a stack frame, when it runs code from a script file (chunk names starting
/// with `@`; the runtime's own chunk and C functions are not locations a script author can use).
pub(crate) fn frame_location(frame: &mlua::debug::Debug) -> Option<ScriptLocation> {
    let source = frame.source();
    let file = source.source.as_deref()?.strip_prefix('@')?.to_string();
    let line = u32::try_from(frame.current_line()?).ok()?;
    Some(ScriptLocation { file, line })
}

/// Splits `file:line: rest` at the first `:<digits>:` (file names may contain colons that are
/// not followed by digits, Lua's `[C]: in ...` has none).
fn split_location(text: &str) -> Option<(&str, u32, &str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find(':') {
        let colon = from + offset;
        let digits = bytes[colon + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = colon + 1 + digits;
        if digits > 0 && bytes.get(end) == Some(&b':') && colon > 0 {
            let line = text[colon + 1..end].parse().ok()?;
            let rest = text[end + 1..]
                .strip_prefix(' ')
                .unwrap_or(&text[end + 1..]);
            return Some((&text[..colon], line, rest));
        }
        from = colon + 1;
    }
    None
}

/// Chunk names of the runtime's own code are bracketed (`[callctl]`, `[C]`); only script files
/// make useful locations.
fn is_script_file(file: &str) -> bool {
    !file.is_empty() && !file.starts_with('[')
}

/// Lua shortens long chunk names in messages to `...<tail>`; map them back to a full name.
fn resolve(file: &str, known: &[String]) -> String {
    match file.strip_prefix("...") {
        Some(tail) => known
            .iter()
            .find(|name| name.ends_with(tail))
            .cloned()
            .unwrap_or_else(|| file.to_string()),
        None => file.to_string(),
    }
}

/// A failure from the text of a Lua error (message, then optionally mlua's traceback).
pub(crate) fn from_text(kind: FailureKind, text: &str, known: &[String]) -> ScriptFailure {
    let (head, traceback) = match text.find("\nstack traceback:") {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let mut location = None;
    let mut message = head;
    if let Some((file, line, rest)) = split_location(head) {
        message = rest;
        if is_script_file(file) {
            location = Some(ScriptLocation {
                file: resolve(file, known),
                line,
            });
        }
    }
    if location.is_none() {
        location = traceback
            .lines()
            .filter_map(|l| split_location(l.trim_start()))
            .find(|(file, _, _)| is_script_file(file))
            .map(|(file, line, _)| ScriptLocation {
                file: resolve(file, known),
                line,
            });
    }
    let kind = if kind == FailureKind::Error && message == OUT_OF_MEMORY {
        FailureKind::Memory
    } else {
        kind
    };
    failure(kind, message, location)
}

/// A failure from an mlua error escaping a script (`Error`) or a compilation (`Load`).
pub(crate) fn from_lua_error(
    kind: FailureKind,
    err: &mlua::Error,
    known: &[String],
) -> ScriptFailure {
    match err {
        mlua::Error::MemoryError(message) => failure(FailureKind::Memory, message.clone(), None),
        mlua::Error::RuntimeError(text) => from_text(kind, text, known),
        mlua::Error::SyntaxError { message, .. } => from_text(kind, message, known),
        mlua::Error::CallbackError { traceback, cause } => {
            if matches!(**cause, mlua::Error::MemoryError(_)) {
                return failure(FailureKind::Memory, cause.to_string(), None);
            }
            let text = format!("{}\n{}", cause, traceback);
            from_text(kind, &text, known)
        }
        mlua::Error::WithContext { cause, .. } => from_lua_error(kind, cause, known),
        other => from_text(kind, &other.to_string(), known),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_location_prefix() {
        assert_eq!(
            split_location("scripts/a.lua:12: boom: here"),
            Some(("scripts/a.lua", 12, "boom: here"))
        );
        assert_eq!(split_location("[C]: in function 'error'"), None);
        assert_eq!(
            split_location("c:/x/a.lua:3: e"),
            Some(("c:/x/a.lua", 3, "e"))
        );
        assert_eq!(split_location("no location"), None);
    }

    #[test]
    fn location_from_traceback_when_prefix_is_internal() {
        let text = "[callctl]:10: bad argument #1 to 'setmetatable'\nstack traceback:\n\t[C]: in function 'setmetatable'\n\t[callctl]:10: in function 'setmetatable'\n\tscripts/x.lua:4: in function <scripts/x.lua:1>";
        let f = from_text(FailureKind::Error, text, &[]);
        assert_eq!(f.message, "bad argument #1 to 'setmetatable'");
        assert_eq!(
            f.location,
            Some(ScriptLocation {
                file: "scripts/x.lua".into(),
                line: 4
            })
        );
    }

    #[test]
    fn resolves_shortened_names() {
        let known = vec!["/very/long/path/to/scripts/x.lua".to_string()];
        let f = from_text(FailureKind::Error, ".../to/scripts/x.lua:2: oops", &known);
        assert_eq!(f.location.map(|l| l.file), Some(known[0].clone()));
    }
}
