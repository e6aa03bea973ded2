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
}

fn rule(kind: &'static str, pattern: &str, secret_groups: &'static [usize]) -> Rule {
    Rule {
        kind,
        // The patterns are constants of this file, checked by its tests.
        #[allow(clippy::expect_used)]
        pattern: Regex::new(pattern).expect("redaction patterns are valid"),
        secret_groups,
    }
}

/// A name that says its value is a secret (`DB_PASSWORD`, `"client_secret"`,
/// `aws_secret_access_key`, `AccountKey`).
const SECRET_NAME: &str = r#"[A-Za-z0-9_.-]*(?i:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|account[_-]?key|private[_-]?key|shared[_-]?access[_-]?key|credentials?|auth[_-]?key|client[_-]?key|session[_-]?key|signing[_-]?key|encryption[_-]?key)[A-Za-z0-9_.-]*"#;

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    // `name: value`, `NAME='value'`, `"name": "value"`, and a name behind
    // another name (`aws-secret-key: aws_secret_access_key = value`): the
    // value after the last secret name is what goes, quoted values whole.
    let assignment = format!(
        r#"\b{SECRET_NAME}["']?\s*[:=]\s*(?:["']?{SECRET_NAME}["']?\s*[:=]\s*)*(?:"([^"\n]+)"|'([^'\n]+)'|([^\s"',;&]{{4,}}))"#
    );
    vec![
        rule(
            "private-key",
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            &[],
        ),
        rule(
            "jwt",
            r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}",
            &[],
        ),
        rule(
            "url-password",
            r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@",
            &[1],
        ),
        rule("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", &[]),
        rule(
            "github-token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})",
            &[],
        ),
        rule(
            "gitlab-token",
            r"\bgl(?:pat|dt|rt|ptt|ft|imt|oas|cbt|soat|agent)-[A-Za-z0-9_-]{20,}",
            &[],
        ),
        rule(
            "slack-token",
            r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{10,}",
            &[],
        ),
        rule(
            "slack-webhook",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
            &[],
        ),
        rule(
            "api-key",
            r"\b(?:sk|rk|pk)[-_](?:live|test|ant|proj|svcacct)?[-_]?[A-Za-z0-9_-]{16,}",
            &[],
        ),
        rule("stripe-webhook-secret", r"\bwhsec_[A-Za-z0-9]{16,}", &[]),
        rule("npm-token", r"\bnpm_[A-Za-z0-9]{30,}", &[]),
        rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}", &[]),
        rule(
            "google-oauth",
            r"\b(?:GOCSPX-[A-Za-z0-9_-]{20,}|ya29\.[A-Za-z0-9_-]{20,})",
            &[],
        ),
        rule(
            "azure-client-secret",
            r"\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}",
            &[],
        ),
        rule(
            "azure-sas-signature",
            r"(?i)[?&]sig=([A-Za-z0-9%+/=]{16,})",
            &[1],
        ),
        rule(
            "bearer-token",
            r"(?i)\b(?:bearer|token|basic)\s+([A-Za-z0-9._~+/-]{16,}=*)",
            &[1],
        ),
        rule("assignment", &assignment, &[1, 2, 3]),
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
