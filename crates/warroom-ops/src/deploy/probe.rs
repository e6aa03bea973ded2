//! The real runbook actions: commands as processes, HTTP and Prometheus
//! checks over the network (plain HTTP or rustls).

use std::path::Path;
use std::time::{Duration, Instant};

use warroom_model::rollout::{CheckKind, CheckSpec, CommandSpec, Found};

use super::prometheus::{PromValue, query};
use super::{CommandOutcome, Measurement, RunbookActions, Vars, millis, run_command};

/// Built on first use: most commands that open the app measure nothing.
#[derive(Default)]
pub struct Prober {
    client: std::sync::OnceLock<Result<reqwest::blocking::Client, String>>,
}

impl Prober {
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, String> {
        self.client
            .get_or_init(|| {
                crate::notify::install_crypto();
                reqwest::blocking::Client::builder()
                    .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("no HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn duration(span: warroom_model::Span) -> Duration {
    Duration::from_millis(u64::try_from(span.millis()).unwrap_or(0))
}

impl RunbookActions for Prober {
    fn run(&self, command: &CommandSpec, vars: &Vars, dir: &Path) -> CommandOutcome {
        run_command(&command.run, vars, dir, duration(command.timeout))
    }

    fn measure(&self, check: &CheckSpec, vars: &Vars, dir: &Path) -> Measurement {
        let started = Instant::now();
        let timeout = duration(check.timeout);
        let (found, value, query_text, message) = match &check.kind {
            CheckKind::Http { url, status, body } => {
                let url = vars.fill(url);
                // The pattern may name the version; its values are taken literally.
                let escaped = Vars {
                    version: regex::escape(&vars.version),
                    stable_version: regex::escape(&vars.stable_version),
                    commit: regex::escape(&vars.commit),
                    weight: vars.weight,
                };
                let body = body.as_deref().map(|b| escaped.fill(b));
                let (found, value, message) = self.http(&url, *status, body.as_deref(), timeout);
                (found, value, format!("GET {url}"), message)
            }
            CheckKind::Prometheus {
                address,
                query: promql,
                condition,
                min_samples,
            } => {
                let promql = vars.fill(promql);
                let guard = min_samples
                    .as_ref()
                    .map(|m| (vars.fill(&m.query), m.at_least));
                let (found, value, message) =
                    self.prometheus(address, &promql, *condition, guard, timeout);
                (found, value, promql, message)
            }
            CheckKind::Command { run } => {
                let out = run_command(run, vars, dir, timeout);
                let found = match (&out.error, out.exit_code) {
                    (None, _) => Found::Success,
                    (Some(_), Some(_)) => Found::Failure,
                    (Some(_), None) => Found::Error,
                };
                let message = out.error.clone().unwrap_or_else(|| "exit 0".into());
                (
                    found,
                    out.exit_code.map(|c| c.to_string()),
                    out.argv.join(" "),
                    message,
                )
            }
        };
        Measurement {
            found,
            value,
            query: query_text,
            message,
            duration_ms: millis(started.elapsed()),
        }
    }
}

impl Prober {
    fn http(
        &self,
        url: &str,
        want: u16,
        body: Option<&str>,
        timeout: Duration,
    ) -> (Found, Option<String>, String) {
        let pattern = match body.map(regex::Regex::new).transpose() {
            Ok(p) => p,
            Err(e) => {
                return (
                    Found::Error,
                    None,
                    format!("the body pattern does not parse: {e}"),
                );
            }
        };
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => return (Found::Error, None, e),
        };
        let response = match client.get(url).timeout(timeout).send() {
            Ok(r) => r,
            Err(e) => return (Found::Error, None, format!("no answer: {e}")),
        };
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        if status != want {
            return (
                Found::Failure,
                Some(status.to_string()),
                format!("answered {status}, expected {want}"),
            );
        }
        if let Some(pattern) = pattern
            && !pattern.is_match(&text)
        {
            return (
                Found::Failure,
                Some(status.to_string()),
                format!("the body does not match {}", pattern.as_str()),
            );
        }
        (
            Found::Success,
            Some(status.to_string()),
            format!("answered {status}"),
        )
    }

    fn prometheus(
        &self,
        address: &str,
        promql: &str,
        condition: warroom_model::rollout::Condition,
        guard: Option<(String, f64)>,
        timeout: Duration,
    ) -> (Found, Option<String>, String) {
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => return (Found::Error, None, e),
        };
        if let Some((guard_query, at_least)) = guard {
            match query(client, address, &guard_query, timeout) {
                Err(e) => return (Found::Error, None, e),
                Ok(PromValue::NoData(why)) => {
                    return (
                        Found::NoData,
                        None,
                        format!("too little traffic to judge: {why}"),
                    );
                }
                Ok(PromValue::Number(n)) if n < at_least => {
                    return (
                        Found::NoData,
                        Some(n.to_string()),
                        format!("too little traffic to judge: {n} < {at_least}"),
                    );
                }
                Ok(PromValue::Number(_)) => {}
            }
        }
        match query(client, address, promql, timeout) {
            Err(e) => (Found::Error, None, e),
            Ok(PromValue::NoData(why)) => (Found::NoData, None, why),
            Ok(PromValue::Number(n)) if condition.holds(n) => (
                Found::Success,
                Some(n.to_string()),
                format!("{n} {condition}"),
            ),
            Ok(PromValue::Number(n)) => (
                Found::Failure,
                Some(n.to_string()),
                format!("{n} is not {condition}"),
            ),
        }
    }
}
