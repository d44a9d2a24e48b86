//! Renames the cases of the error enums uniffi 0.32 generates for Swift to lowerCamelCase.
//!
//! uniffi's Swift `ErrorTemplate.swift` names error cases after the Rust variant
//! (`LinkWorkError.NotFound`) while every other enum gets lowerCamelCase cases, with no
//! configuration to change it. This rewrites the generated source: the `case` declarations of
//! every `enum X: Swift.Error`, the `.Case` patterns and values in its `FfiConverterTypeX`, and
//! every qualified `X.Case` (code or doc comment) in the file. A shape it does not recognise is
//! an error, so the generator never writes half-renamed code.

use std::fmt;

/// The generated Swift did not have the shape the rename relies on (uniffi changed its
/// templates); the message names the enum or line, never generated content beyond names.
#[derive(Debug, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected generated Swift: {}", self.0)
    }
}

/// One error case to rename: `enum_name.old` becomes `enum_name.new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The Swift error enum (`LinkWorkError`).
    pub enum_name: String,
    /// The case as uniffi wrote it (`NotFound`).
    pub old: String,
    /// Its lowerCamelCase name (`notFound`), without backticks.
    pub new: String,
}

/// Swift keywords that must be backticked when declared as an enum case.
const SWIFT_KEYWORDS: &[&str] = &[
    "associatedtype",
    "break",
    "case",
    "catch",
    "class",
    "continue",
    "default",
    "defer",
    "deinit",
    "do",
    "else",
    "enum",
    "extension",
    "fallthrough",
    "false",
    "fileprivate",
    "for",
    "func",
    "guard",
    "if",
    "import",
    "in",
    "init",
    "inout",
    "internal",
    "is",
    "let",
    "nil",
    "open",
    "operator",
    "private",
    "protocol",
    "public",
    "repeat",
    "rethrows",
    "return",
    "self",
    "static",
    "struct",
    "subscript",
    "super",
    "switch",
    "throw",
    "throws",
    "true",
    "try",
    "typealias",
    "var",
    "where",
    "while",
    "any",
    "some",
    "Type",
    "Self",
    "Any",
    "Protocol",
];

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `NotFound` -> `notFound`, `HTTPError` -> `httpError`, `IO` -> `io` (the leading run of
/// capitals is lowered, except the last one when it starts the next word).
pub fn lower_camel(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let lowered = if run > 1 && chars.get(run).is_some_and(|c| c.is_ascii_lowercase()) {
        run - 1
    } else {
        run.max(1)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lowered {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect()
}

/// The name declared by a line `enum X: Swift.Error...` (after an optional `public `).
fn error_enum_name(line: &str) -> Option<&str> {
    let rest = line.trim().trim_start_matches("public ").trim_start();
    let rest = rest.strip_prefix("enum ")?;
    let (name, after) = rest.split_once(':')?;
    after
        .trim_start()
        .starts_with("Swift.Error")
        .then_some(name.trim())
}

/// The cases of the error enums declared in `swift`, with their lowerCamelCase names (cases
/// already in lowerCamelCase are left out, so a second run renames nothing).
pub fn error_cases(swift: &str) -> Result<Vec<Rename>, ShapeError> {
    let mut renames = Vec::new();
    let mut lines = swift.lines();
    while let Some(line) = lines.next() {
        let Some(enum_name) = error_enum_name(line) else {
            continue;
        };
        if !line.trim_end().ends_with('{') {
            return Err(ShapeError(format!(
                "`enum {enum_name}` does not open its body on its line"
            )));
        }
        let mut depth = 1usize;
        let mut cases = 0usize;
        for body in lines.by_ref() {
            let trimmed = body.trim_start();
            if depth == 1 {
                if let Some(rest) = trimmed.strip_prefix("case ") {
                    let rest = rest.strip_prefix('`').unwrap_or(rest);
                    let name: String = rest.chars().take_while(|c| is_ident_char(*c)).collect();
                    if name.is_empty() {
                        return Err(ShapeError(format!("a case of `{enum_name}` has no name")));
                    }
                    cases += 1;
                    let new = lower_camel(&name);
                    if new != name {
                        renames.push(Rename {
                            enum_name: enum_name.to_string(),
                            old: name,
                            new,
                        });
                    }
                }
            }
            // Braces inside generated strings/comments are balanced in uniffi's templates.
            for c in body.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            if depth == 0 {
                break;
            }
        }
        if depth != 0 {
            return Err(ShapeError(format!("`enum {enum_name}` is not closed")));
        }
        if cases == 0 {
            return Err(ShapeError(format!("`enum {enum_name}` has no cases")));
        }
    }
    Ok(renames)
}

/// Replaces every `prefix` + `old` not followed by an identifier character with `prefix` + `new`;
/// returns the new text and how many were replaced.
fn replace_token(text: &str, prefix: &str, old: &str, new: &str) -> (String, usize) {
    let needle = format!("{prefix}{old}");
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let end = at + needle.len();
        let before_ok = !prefix.starts_with(is_ident_char) || !rest[..at].ends_with(is_ident_char);
        let after_ok = !rest[end..].starts_with(is_ident_char);
        out.push_str(&rest[..at]);
        if before_ok && after_ok {
            out.push_str(prefix);
            out.push_str(new);
            count += 1;
        } else {
            out.push_str(&needle);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, count)
}

/// The byte range from `marker` to the end of the brace block that follows it in `swift`.
fn block_range(swift: &str, marker: &str) -> Option<(usize, usize)> {
    let start = swift.find(marker)?;
    let open = start + swift[start..].find('{')?;
    let mut depth = 0usize;
    for (i, c) in swift[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, open + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// Applies `renames` to `swift`: in the file that declares an enum, its `case` declarations
/// (backticked when the new name is a keyword) and the `.Case` uses in its converter, which
/// must read and write every case; in every file, the qualified `Enum.Case` uses.
pub fn apply_renames(swift: &str, renames: &[Rename]) -> Result<String, ShapeError> {
    let mut text = swift.to_string();
    for r in renames {
        let declares = text
            .lines()
            .any(|l| error_enum_name(l) == Some(r.enum_name.as_str()));
        if declares {
            let declared = if SWIFT_KEYWORDS.contains(&r.new.as_str()) {
                format!("`{}`", r.new)
            } else {
                r.new.clone()
            };
            let (start, end) = block_range(&text, &format!("enum {}:", r.enum_name))
                .ok_or_else(|| ShapeError(format!("`enum {}` is not closed", r.enum_name)))?;
            let (body, n) = replace_token(&text[start..end], "case ", &r.old, &declared);
            if n != 1 {
                return Err(ShapeError(format!(
                    "`case {}` is declared {n} times in the file declaring `{}`",
                    r.old, r.enum_name
                )));
            }
            text = format!("{}{body}{}", &text[..start], &text[end..]);
            let converter = format!("struct FfiConverterType{}:", r.enum_name);
            let (start, end) = block_range(&text, &converter).ok_or_else(|| {
                ShapeError(format!(
                    "no `FfiConverterType{}` beside its enum",
                    r.enum_name
                ))
            })?;
            let (converter, n) = replace_token(&text[start..end], ".", &r.old, &r.new);
            if n < 2 {
                return Err(ShapeError(format!(
                    "`FfiConverterType{}` does not read and write `.{}`",
                    r.enum_name, r.old
                )));
            }
            text = format!("{}{converter}{}", &text[..start], &text[end..]);
        }
        let qualified = format!("{}.", r.enum_name);
        text = replace_token(&text, &qualified, &r.old, &r.new).0;
    }
    Ok(text)
}

/// Renames the error cases declared in one generated Swift file and their uses in it.
#[cfg(test)]
pub fn lower_error_cases(swift: &str) -> Result<String, ShapeError> {
    apply_renames(swift, &error_cases(swift)?)
}

#[cfg(test)]
mod tests;
