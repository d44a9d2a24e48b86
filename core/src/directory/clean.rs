//! Text cleaning for untrusted feed fields: HTML removed, entities decoded, control characters
//! and runs of white space collapsed, length bounded. Linear in the input; never panics.

/// What cleaning did to a text.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Cleaned {
    /// The clean text (possibly empty).
    pub text: String,
    /// Markup (tags or entities) was removed or decoded.
    pub had_html: bool,
    /// The text was cut to the limit.
    pub truncated: bool,
}

/// Cleans `raw`: tags removed (block tags become a space), the common entities decoded,
/// control characters dropped, white space collapsed, trimmed, then cut to `max_chars`
/// characters (on a character boundary, with a trailing `…`).
pub(crate) fn clean_text(raw: &str, max_chars: usize) -> Cleaned {
    let mut out = Cleaned::default();
    let mut text = String::with_capacity(raw.len().min(max_chars.saturating_mul(4)));
    let mut chars = raw.chars().peekable();
    let mut space = false;
    let mut count = 0usize;
    let push = |c: char, text: &mut String, space: &mut bool, count: &mut usize| {
        if c.is_whitespace() || c.is_control() {
            *space = !text.is_empty();
            return;
        }
        if *space {
            text.push(' ');
            *count += 1;
            *space = false;
        }
        text.push(c);
        *count += 1;
    };
    while let Some(c) = chars.next() {
        if count > max_chars {
            out.truncated = true;
            break;
        }
        match c {
            '<' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!') =>
            {
                out.had_html = true;
                // Skip to the end of the tag (or of the text); a tag separates words.
                for t in chars.by_ref() {
                    if t == '>' {
                        break;
                    }
                }
                space = !text.is_empty();
            }
            '&' => {
                let mut entity = String::new();
                while let Some(&n) = chars.peek() {
                    if entity.len() >= 10 || !(n.is_ascii_alphanumeric() || n == '#') {
                        break;
                    }
                    entity.push(n);
                    chars.next();
                }
                let decoded = if chars.peek() == Some(&';') {
                    decode_entity(&entity)
                } else {
                    None
                };
                match decoded {
                    Some(d) => {
                        chars.next();
                        out.had_html = true;
                        push(d, &mut text, &mut space, &mut count);
                    }
                    None => {
                        push('&', &mut text, &mut space, &mut count);
                        for e in entity.chars() {
                            push(e, &mut text, &mut space, &mut count);
                        }
                    }
                }
            }
            c => push(c, &mut text, &mut space, &mut count),
        }
    }
    if count > max_chars {
        out.truncated = true;
        let keep: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        text = format!("{}…", keep.trim_end());
    }
    out.text = text;
    out
}

fn decode_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Normalises a UK postcode for matching: upper case, ASCII letters and digits only. `None`
/// when that leaves something that cannot be a postcode (5 to 7 characters, starting with a
/// letter, ending digit-letter-letter).
pub(crate) fn normalise_postcode(raw: &str) -> Option<String> {
    let p: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = p.as_bytes();
    let ok = (5..=7).contains(&b.len())
        && b.iter().all(u8::is_ascii_alphanumeric)
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 3].is_ascii_digit()
        && b[b.len() - 2].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphabetic();
    ok.then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_removed_and_entities_decoded() {
        let c = clean_text("<p>Tea &amp; chat</p><br/>every <b>Tuesday</b>&nbsp;", 100);
        assert_eq!(c.text, "Tea & chat every Tuesday");
        assert!(c.had_html);
        assert!(!c.truncated);
    }

    #[test]
    fn plain_text_with_ampersands_and_comparisons_is_not_html() {
        let c = clean_text("Fish & chips for 5 < 10 people &", 100);
        assert_eq!(c.text, "Fish & chips for 5 < 10 people &");
        assert!(!c.had_html);
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let c = clean_text(&"é".repeat(50), 10);
        assert!(c.truncated);
        assert_eq!(c.text.chars().count(), 10);
        assert!(c.text.ends_with('…'));
    }

    #[test]
    fn control_characters_and_runs_of_space_collapse() {
        assert_eq!(clean_text("  a\u{0}\n\n b\t ", 10).text, "a b");
    }

    #[test]
    fn postcodes_normalise_or_are_refused() {
        assert_eq!(normalise_postcode("ls1 4ap").as_deref(), Some("LS14AP"));
        assert_eq!(normalise_postcode("SW1A 1AA").as_deref(), Some("SW1A1AA"));
        assert_eq!(normalise_postcode("ABC 1234"), None);
        assert_eq!(normalise_postcode("12345"), None);
        assert_eq!(normalise_postcode(""), None);
    }
}
