//! Prometheus's instant query (`GET /api/v1/query`): values come as
//! strings, `NaN` when a ratio had no traffic, an empty vector when no
//! series matched. Both are no data, never a pass; a failed query or an
//! unreachable server is an error of the measurement.

use std::time::Duration;

use serde::Deserialize;

/// What a query returned.
#[derive(Debug, Clone, PartialEq)]
pub enum PromValue {
    Number(f64),
    /// Nothing to judge, and why.
    NoData(String),
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: serde_json::Value,
}

/// The query's first value. `Err` when it could not be measured.
pub fn query(
    client: &reqwest::blocking::Client,
    address: &str,
    promql: &str,
    timeout: Duration,
) -> Result<PromValue, String> {
    let url = format!("{}/api/v1/query", address.trim_end_matches('/'));
    let request = reqwest::Url::parse_with_params(&url, &[("query", promql)])
        .map_err(|e| format!("{url} is not a URL: {e}"))?;
    let response = client
        .get(request)
        .timeout(timeout)
        .send()
        .map_err(|e| format!("querying {url}: {e}"))?;
    let status = response.status();
    let text = response
        .text()
        .map_err(|e| format!("reading {url}'s answer: {e}"))?;
    let answer: Answer = serde_json::from_str(&text)
        .map_err(|e| format!("{url} answered {status} with no Prometheus answer: {e}"))?;
    if answer.status != "success" {
        return Err(format!(
            "the query failed: {}",
            answer.error.unwrap_or_else(|| status.to_string())
        ));
    }
    let data = answer.data.ok_or("the answer has no data")?;
    let value = match data.result_type.as_str() {
        "vector" => {
            let series = data.result.as_array().cloned().unwrap_or_default();
            let Some(first) = series.first() else {
                return Ok(PromValue::NoData("no series matched".into()));
            };
            first["value"][1].clone()
        }
        "scalar" => data.result[1].clone(),
        other => {
            return Err(format!(
                "a {other} result cannot be judged; make it one number"
            ));
        }
    };
    let text = value.as_str().ok_or("the value is not a string")?;
    let number: f64 = text
        .parse()
        .map_err(|_| format!("the value {text:?} is not a number"))?;
    if number.is_nan() {
        return Ok(PromValue::NoData("NaN (no traffic to judge)".into()));
    }
    Ok(PromValue::Number(number))
}
