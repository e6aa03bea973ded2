/// Quotes one argument for a tmux command line (control mode parses every
/// line like a config file: `;` separates commands, `#` starts a comment,
/// `$` expands, `{` opens a block). The result is a double-quoted string in
/// which only `[A-Za-z0-9 ,._/:=+@-]` stand as themselves; every other
/// ASCII byte is an octal escape and every other character a `\u` escape,
/// so nothing in the argument can be read as syntax.
pub fn quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        match c {
            'A'..='Z'
            | 'a'..='z'
            | '0'..='9'
            | ' '
            | ','
            | '.'
            | '_'
            | '/'
            | ':'
            | '='
            | '+'
            | '@'
            | '-' => out.push(c),
            c if c.is_ascii() => out.push_str(&format!("\\{:03o}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn syntax_characters_are_escaped() {
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("x;y"), "\"x\\073y\"");
        assert_eq!(quote("#{pane_id}"), "\"\\043\\173pane_id\\175\"");
        assert_eq!(quote("$HOME"), "\"\\044HOME\"");
        assert_eq!(quote("é✓"), "\"\\u00E9\\u2713\"");
        assert_eq!(quote("🔥"), "\"\\U0001F525\"");
        assert_eq!(quote(""), "\"\"");
    }
}
