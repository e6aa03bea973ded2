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
    /// The capture group that is the secret; 0 replaces the whole match.
    secret_group: usize,
}

fn rule(kind: &'static str, pattern: &str, secret_group: usize) -> Rule {
    Rule {
        kind,
        // The patterns are constants of this file, checked by its tests.
        #[allow(clippy::expect_used)]
        pattern: Regex::new(pattern).expect("redaction patterns are valid"),
        secret_group,
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            "private-key",
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            0,
        ),
        rule(
            "jwt",
            r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}",
            0,
        ),
        rule(
            "url-password",
            r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@",
            1,
        ),
        rule("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0),
        rule(
            "github-token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
            0,
        ),
        rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0),
        rule(
            "slack-webhook",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
            0,
        ),
        rule(
            "api-key",
            r"\b(?:sk|rk|pk)[-_](?:live|test|ant|proj)?[-_]?[A-Za-z0-9_-]{16,}",
            0,
        ),
        rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}", 0),
        rule(
            "bearer-token",
            r"(?i)\b(?:bearer|token)\s+([A-Za-z0-9._~+/-]{16,}=*)",
            1,
        ),
        rule(
            "assignment",
            r#"(?i)\b[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.-]*["']?\s*(?:=|:)\s*["']?([^\s"',;&]{4,})"#,
            1,
        ),
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
            match caps.get(rule.secret_group) {
                Some(secret) if rule.secret_group > 0 && secret.as_str() != MARK => {
                    n += 1;
                    let start = secret.start() - caps.get(0).map_or(0, |m| m.start());
                    format!(
                        "{}{MARK}{}",
                        &whole[..start],
                        &whole[start + secret.as_str().len()..]
                    )
                }
                Some(_) if rule.secret_group > 0 => whole.to_owned(),
                _ => {
                    n += 1;
                    MARK.to_owned()
                }
            }
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
