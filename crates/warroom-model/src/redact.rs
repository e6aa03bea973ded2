//! Secret redaction: applied to everything an operator hands warroom (logs,
//! messages, updates) before it is stored, typed into a pane or sent to a
//! channel. It errs on the side of removing too much: a redacted token costs
//! nothing, a leaked one costs a rotation and perhaps a breach.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

struct Rule {
    kind: &'static str,
    pattern: Regex,
    /// The capture groups that may hold the secret, of which the first that
    /// took part in the match is replaced; none replaces the whole match.
    secret_groups: &'static [usize],
    /// Whether a match is a secret after all (ordinary words that a pattern
    /// alone would take: `pk_order_items`, `max_tokens=4096`).
    keep: Option<fn(&Captures<'_>) -> bool>,
}

fn rule(kind: &'static str, pattern: &str, secret_groups: &'static [usize]) -> Rule {
    Rule {
        kind,
        // The patterns are constants of this file, checked by its tests.
        #[allow(clippy::expect_used)]
        pattern: Regex::new(pattern).expect("redaction patterns are valid"),
        secret_groups,
        keep: None,
    }
}

impl Rule {
    fn unless(mut self, ordinary: fn(&Captures<'_>) -> bool) -> Self {
        self.keep = Some(ordinary);
        self
    }
}

/// Whether any capture group of the match holds a digit: generated secrets
/// do, words rarely.
fn has_digit(caps: &Captures<'_>) -> bool {
    caps.get(0)
        .is_some_and(|m| m.as_str().bytes().any(|b| b.is_ascii_digit()))
}

/// A name that says its value is a secret (`DB_PASSWORD`, `"client_secret"`,
/// `aws_secret_access_key`, `AccountKey`, `SMTP_PASS`).
const SECRET_NAME: &str = r#"[A-Za-z0-9_.-]*(?i:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|account[_-]?key|private[_-]?key|shared[_-]?access[_-]?key|credentials?|auth[_-]?key|client[_-]?key|session[_-]?key|signing[_-]?key|encryption[_-]?key|_pass(?-u:\b)|(?-u:\b)pass(?-u:\b))[A-Za-z0-9_.-]*"#;

/// Names that hold counts or paths, not secrets (`max_tokens`, `PWD`).
fn ordinary_name(caps: &Captures<'_>) -> bool {
    let name = caps.get(1).map_or("", |m| m.as_str()).to_ascii_lowercase();
    let name = name.trim_matches(|c| c == '"' || c == '\'');
    name.ends_with("tokens") || name == "pwd" || name.ends_with("_count")
}

// ASCII word boundaries (`(?-u:\b)`): the Unicode ones make the regex engine
// fall back to its slow path on any non-ASCII byte, and messages may be 1 MiB.
// Tokens with a distinctive prefix need no boundary before them at all: an
// escape sequence (`^[[32m`) glued to a token must not hide it.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    // `name: value`, `NAME='value'`, `"name": "value"`, and a name behind
    // another name (`aws-secret-key: aws_secret_access_key = value`): the
    // value after the last secret name is what goes, quoted values whole,
    // an unterminated quote too.
    let assignment = format!(
        r#"(?-u:\b)({SECRET_NAME})["']?\s*[:=]\s*(?:["']?{SECRET_NAME}["']?\s*[:=]\s*)*(?:"([^"\n]+)"|'([^'\n]+)'|["']?([^\s"']{{4,}}))"#
    );
    vec![
        rule(
            "private-key",
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            &[],
        ),
        rule(
            "jwt",
            r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}",
            &[],
        ),
        // The password runs to the last `@` before the host: it may hold
        // `/` or `@` itself; the user may be empty (`redis://:pw@host`).
        rule(
            "url-password",
            r"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:(\S+)@[^\s@/]+",
            &[1],
        ),
        rule("aws-access-key", r"(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)", &[]),
        // An AWS secret access key: 40 characters of base64 standing alone,
        // however it is introduced ("with secret …", "AKIA…:…"). Mixed case
        // with a digit or a slash, so a git hash (hex) is left alone.
        rule(
            "aws-secret-key",
            r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
            &[1],
        )
        .unless(|caps| {
            let value = caps.get(1).map_or("", |m| m.as_str());
            let upper = value.bytes().any(|b| b.is_ascii_uppercase());
            let lower = value.bytes().any(|b| b.is_ascii_lowercase());
            let digit_or_slash = value.bytes().any(|b| b.is_ascii_digit() || b == b'/' || b == b'+');
            !(upper && lower && digit_or_slash)
        }),
        rule(
            "github-token",
            r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
            &[],
        ),
        rule(
            "gitlab-token",
            r"gl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-[A-Za-z0-9_-]{20,}",
            &[],
        ),
        rule(
            "slack-token",
            r"x(?:ox[abposre]|app)-[A-Za-z0-9-]{10,}",
            &[],
        ),
        rule(
            "slack-webhook",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
            &[],
        ),
        rule(
            "api-key",
            r"(?-u:\b)(?:sk|rk|pk)[-_](?:live|test|ant|proj|svcacct)?[-_]?[A-Za-z0-9_-]{16,}",
            &[],
        )
        .unless(|caps| !has_digit(caps)),
        rule("stripe-webhook-secret", r"whsec_[A-Za-z0-9]{16,}", &[]),
        rule("npm-token", r"npm_[A-Za-z0-9]{30,}", &[]),
        rule("google-api-key", r"AIza[0-9A-Za-z_-]{35}", &[]),
        rule(
            "google-oauth",
            r"(?:GOCSPX-[A-Za-z0-9_-]{20,}|ya29\.[A-Za-z0-9_-]{20,})",
            &[],
        ),
        rule(
            "azure-client-secret",
            r"(?-u:\b)[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}",
            &[],
        ),
        rule(
            "azure-sas-signature",
            r"(?i)[?&]sig=([A-Za-z0-9%+/=]{16,})",
            &[1],
        ),
        rule(
            "bearer-token",
            r"(?i)(?-u:\b)bearer\s+([A-Za-z0-9._~+/-]{8,}=*)",
            &[1],
        ),
        // After "token" or "basic" only what looks generated, not the next
        // word of a sentence ("basic authentication_failed"): a token has a
        // digit, Basic credentials are base64 in mixed case.
        rule(
            "token",
            r"(?i)(?-u:\b)token\s+([A-Za-z0-9._~+/-]{8,}=*)",
            &[1],
        )
        .unless(|caps| !has_digit(caps)),
        rule(
            "basic-auth",
            r"(?i)(?-u:\b)basic\s+([A-Za-z0-9+/]{8,}=*)(?-u:\b)",
            &[1],
        )
        .unless(|caps| {
            let value = caps.get(1).map_or("", |m| m.as_str());
            let mixed = value.bytes().any(|b| b.is_ascii_uppercase())
                && value.bytes().any(|b| b.is_ascii_lowercase());
            !(mixed || value.ends_with('=') || value.bytes().any(|b| b.is_ascii_digit()))
        }),
        // A secret named in words ("the password is hunter22", "secret key
        // Zk3J…"): only what looks generated (it has a digit).
        rule(
            "named-in-words",
            r"(?i)(?-u:\b)(?:password|passwd|passphrase|secret(?:[ _-]?(?:access[ _-]?)?key)?)\s+(?:is\s+|was\s+|of\s+)?([A-Za-z0-9._~+/!@#$%^&*-]{6,})",
            &[1],
        )
        .unless(|caps| {
            !caps
                .get(1)
                .is_some_and(|m| m.as_str().bytes().any(|b| b.is_ascii_digit()))
        }),
        rule("cookie", r"(?i)(?-u:\b)(?:set-)?cookie:\s*([^\r\n]+)", &[1]),
        // `curl -u user:pass`, `--password hunter2`, `-p=secret`.
        rule("basic-auth-flag", r"(?:^|\s)-u\s+[^\s:]+:(\S+)", &[1]),
        rule(
            "password-flag",
            r"(?i)(?:^|\s)--?(?:password|passwd|pass|passphrase|token|secret|api-key|apikey)(?:=|\s+)(\S+)",
            &[1],
        ),
        rule("assignment", &assignment, &[2, 3, 4]).unless(ordinary_name),
    ]
});

pub const MARK: &str = "[REDACTED]";

/// Text with its secrets replaced, and how many of each kind were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub found: BTreeMap<String, usize>,
}

impl Redacted {
    pub fn count(&self) -> usize {
        self.found.values().sum()
    }
}

pub fn redact(text: &str) -> Redacted {
    let mut found = BTreeMap::new();
    let mut text = text.to_owned();
    for rule in RULES.iter() {
        let mut n = 0;
        let replaced = rule.pattern.replace_all(&text, |caps: &Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            if rule.keep.is_some_and(|ordinary| ordinary(caps)) {
                return whole.to_owned();
            }
            if rule.secret_groups.is_empty() {
                n += 1;
                return MARK.to_owned();
            }
            let Some(secret) = rule.secret_groups.iter().find_map(|g| caps.get(*g)) else {
                return whole.to_owned();
            };
            if secret.as_str() == MARK {
                return whole.to_owned();
            }
            n += 1;
            let offset = caps.get(0).map_or(0, |m| m.start());
            let (start, end) = (secret.start() - offset, secret.end() - offset);
            format!("{}{MARK}{}", &whole[..start], &whole[end..])
        });
        if n > 0 {
            text = replaced.into_owned();
            *found.entry(rule.kind.to_owned()).or_insert(0) += n;
        }
    }
    Redacted { text, found }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRETS: &[(&str, &str)] = &[
        (
            "jwt",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ),
        ("aws", "AKIAIOSFODNN7EXAMPLE"),
        ("github", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"),
        ("slack", "xoxb-1234567890-abcdefghijkl"),
        ("openai", "sk-proj-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1"),
        ("anthropic", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv"),
        ("stripe", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("google", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    ];

    #[test]
    fn known_secrets_are_removed_and_counted() {
        for (name, secret) in SECRETS {
            let line = format!("2026-11-22 ERROR auth failed using {secret} for user 7");
            let r = redact(&line);
            assert!(!r.text.contains(secret), "{name} survived: {}", r.text);
            assert!(
                r.text.contains("user 7"),
                "{name} took too much: {}",
                r.text
            );
            assert!(r.count() >= 1, "{name}");
        }
    }

    #[test]
    fn no_secret_of_the_corpus_survives_and_each_is_counted() {
        for entry in warroom_testkit::secrets::CORPUS {
            let r = redact(entry.line);
            assert!(
                !r.text.contains(entry.secret),
                "{}: {:?} became {:?}",
                entry.kind,
                entry.line,
                r.text
            );
            assert!(r.count() >= 1, "{}: nothing counted", entry.kind);
            assert_eq!(redact(&r.text).text, r.text, "{}: not stable", entry.kind);
        }
    }

    #[test]
    fn the_value_goes_however_the_line_names_the_secret() {
        for (line, kept) in [
            (
                "aws-secret-key: aws_secret_access_key = Zk3JwPq9Lr2Xv8",
                "aws-secret-key: aws_secret_access_key = [REDACTED]",
            ),
            ("DB_PASSWORD: 'two words'", "DB_PASSWORD: '[REDACTED]'"),
            (r#""passwd": "a b;c""#, r#""passwd": "[REDACTED]""#),
            (
                "label: client_secret: 'abcd1234'",
                "label: client_secret: '[REDACTED]'",
            ),
            ("password=hunter22:extra", "password=[REDACTED]"),
        ] {
            assert_eq!(redact(line).text, kept, "{line}");
        }
    }

    #[test]
    fn shapes_a_review_found_leaking_lose_their_values() {
        for (line, secret) in [
            ("REDIS_URL=redis://:Rp4ssw0rd@cache:6379/0", "Rp4ssw0rd"),
            ("postgres://u:ab/cd@db.internal/app", "ab/cd"),
            ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
            ("DB_PASS=q1w2e3r4", "q1w2e3r4"),
            ("SMTP_PASS: 'mail-s3cret'", "mail-s3cret"),
            ("passphrase: tr0ub4dor-horse", "tr0ub4dor-horse"),
            ("Cookie: session=9a8b7c6d5e4f; theme=dark", "9a8b7c6d5e4f"),
            ("curl -u admin:Adm1nPw https://api", "Adm1nPw"),
            ("mysql --password hunter22 -h db", "hunter22"),
            ("password=abc;XYZ123", "XYZ123"),
            ("password=\"hunter2unterminated", "hunter2unterminated"),
            (
                "use AKIAIOSFODNN7EXAMPLE with secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            (
                "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            (
                "aws secret key Zk3JwPq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc+",
                "Zk3JwPq9Lr2Xv8Yt5Ub1Nc7Md4Ke6Hf0Ga3Sb9Tc+",
            ),
            ("the password is hunter22", "hunter22"),
            (
                "\u{1b}[32mghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY\u{1b}[0m",
                "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
            ),
            (
                "^[[32mghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
                "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXY",
            ),
        ] {
            let r = redact(line);
            assert!(!r.text.contains(secret), "{line:?} became {:?}", r.text);
        }
    }

    #[test]
    fn ordinary_log_words_are_left_alone() {
        for line in [
            r#"ERROR: duplicate key value violates unique constraint "pk_order_items_order_id""#,
            "usage: max_tokens=4096 input_tokens: 12345",
            "PWD=/home/deploy/app",
            "login rejected: basic authentication_failed for user 7",
            "deployed 3f9c2a1b4d5e6f708192a3b4c5d6e7f801234567 to production",
            "the secret sauce of the password reset flow",
            "src/auth/connection_pool/handlers/release.rs failed",
        ] {
            assert_eq!(redact(line).text, line, "{line}");
        }
    }

    #[test]
    fn a_megabyte_of_non_ascii_text_is_redacted_in_reasonable_time() {
        let line = "überprüfe Anmeldung fehlgeschlagen für Benutzer 7 — ";
        let text = line.repeat(1024 * 1024 / line.len()) + " AKIAZ7Q3VXKWE4TN5B2P";
        let start = std::time::Instant::now();
        let r = redact(&text);
        eprintln!("1 MiB of non-ASCII text redacted in {:?}", start.elapsed());
        assert!(!r.text.contains("AKIAZ7Q3VXKWE4TN5B2P"));
    }

    #[test]
    fn passwords_in_urls_keep_the_user_and_host() {
        let r = redact("connect postgres://auth:hunter2pass@db.internal:5432/users failed");
        assert_eq!(
            r.text,
            "connect postgres://auth:[REDACTED]@db.internal:5432/users failed"
        );
        assert_eq!(r.found.get("url-password"), Some(&1));
    }

    #[test]
    fn assignments_and_headers_lose_their_values() {
        let r = redact(
            "DB_PASSWORD=s3cr3t-value api_key: \"abcd1234efgh\" Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
        );
        assert!(!r.text.contains("s3cr3t-value"), "{}", r.text);
        assert!(!r.text.contains("abcd1234efgh"), "{}", r.text);
        assert!(!r.text.contains("abcdefghijklmnopqrstuvwxyz"), "{}", r.text);
        assert!(r.text.starts_with("DB_PASSWORD=[REDACTED]"), "{}", r.text);
    }

    #[test]
    fn private_keys_go_whole() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----";
        let r = redact(&format!("before\n{key}\nafter"));
        assert_eq!(r.text, "before\n[REDACTED]\nafter");
        let cut = redact("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n(truncated");
        assert_eq!(cut.text, "[REDACTED]");
    }

    #[test]
    fn ordinary_log_lines_pass_unchanged() {
        let line = "2026-11-22T14:02:11Z ERROR auth-service: pool exhausted: 50/50 connections in use (token bucket ok)";
        assert_eq!(redact(line).text, line);
        assert_eq!(redact(line).count(), 0);
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        for (_, secret) in SECRETS {
            let once = redact(&format!("token={secret} and {secret}"));
            assert_eq!(redact(&once.text).text, once.text);
        }
    }

    proptest! {
        #[test]
        fn no_known_secret_survives_any_surrounding_text(
            before in "[ -~]{0,40}",
            after in "[ -~]{0,40}",
            which in 0..SECRETS.len(),
        ) {
            let secret = SECRETS[which].1;
            let r = redact(&format!("{before} {secret} {after}"));
            prop_assert!(!r.text.contains(secret), "{}", r.text);
        }
    }
}
