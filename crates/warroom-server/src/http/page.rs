//! The stakeholders' status page: plain HTML with its style and script
//! inline (no build step, nothing fetched from elsewhere), drawn from the
//! app's status view, which holds only what was sent to stakeholders. The
//! script redraws from `/status.json` whenever `/status/events` says
//! something changed.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use warroom_app::{PublicIncident, Scope, StatusPageView};

use super::Shared;
use super::extract::ApiQuery;
use super::routes::{call, run};

pub(crate) async fn status_json(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery,
) -> Response {
    call(&shared, &headers, &query, Scope::Read, |app| {
        app.status_page()
    })
    .await
}

pub(crate) async fn status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery,
) -> Response {
    let view = match run(&shared, &headers, &query, Scope::Read, |app| {
        app.status_page()
    })
    .await
    {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    // The token (when one was given in the URL) goes on to what the page
    // fetches itself; it is escaped like any other text.
    let token = query.token.as_deref().map(escape).unwrap_or_default();
    Html(page(&view, &token)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn incident_html(i: &PublicIncident) -> String {
    let mut updates = String::new();
    for u in i.updates.iter().rev() {
        updates.push_str(&format!(
            "<li><span class=\"when\">{}</span> <b>{}</b> {}</li>",
            time(u.at),
            escape(&u.status),
            escape(&u.text)
        ));
    }
    if updates.is_empty() {
        updates.push_str("<li>No update yet.</li>");
    }
    let next = i
        .next_update_due
        .map(|t| format!("<p class=\"next\">Next update by {}</p>", time(t)))
        .unwrap_or_default();
    let components = if i.components.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"components\">Affected: {}</p>",
            escape(&i.components.join(", "))
        )
    };
    format!(
        "<section class=\"incident {status}\"><h2>{title} <span class=\"badge\">{severity}</span> <span class=\"status\">{status}</span></h2>{components}<ol class=\"updates\">{updates}</ol>{next}</section>",
        status = escape(&i.status),
        title = escape(&i.title),
        severity = escape(&i.severity),
    )
}

fn page(view: &StatusPageView, token: &str) -> String {
    let list =
        |incidents: &[PublicIncident]| -> String { incidents.iter().map(incident_html).collect() };
    let open = list(&view.open);
    let open = if open.is_empty() {
        "<p class=\"ok\">All systems operational.</p>".to_owned()
    } else {
        open
    };
    let resolved = list(&view.resolved);
    let resolved = if resolved.is_empty() {
        "<p>None in the last 7 days.</p>".to_owned()
    } else {
        resolved
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.2rem; margin-bottom: .2rem; }}
.incident {{ border-left: 4px solid #d70015; padding: .2rem 1rem; margin: 1rem 0; background: #fff5f5; }}
.incident.monitoring {{ border-color: #b25000; background: #fffaf0; }}
.incident.resolved {{ border-color: #248a3d; background: #f3fbf5; }}
.badge {{ font-size: .8rem; background: #1d1d1f; color: #fff; padding: 0 .4rem; border-radius: .3rem; }}
.status {{ font-size: .9rem; text-transform: capitalize; color: #6e6e73; }}
.when {{ color: #6e6e73; font-size: .9rem; }} .ok {{ color: #248a3d; font-weight: bold; }}
.updates {{ padding-left: 1.2rem; }} .next {{ color: #6e6e73; }}
</style></head><body>
<h1>Service status</h1>
<div id="open">{open}</div>
<h1>Resolved recently</h1>
<div id="resolved">{resolved}</div>
<p class="when" id="generated">Updated {generated}</p>
<script>
const token = "{token}";
const q = token ? "?token=" + encodeURIComponent(token) : "";
function esc(t) {{ const d = document.createElement("div"); d.textContent = t; return d.innerHTML; }}
function when(ms) {{ return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC"; }}
function card(i) {{
  const ups = i.updates.slice().reverse().map(u => `<li><span class="when">${{when(u.at)}}</span> <b>${{esc(u.status)}}</b> ${{esc(u.text)}}</li>`).join("") || "<li>No update yet.</li>";
  const next = i.next_update_due ? `<p class="next">Next update by ${{when(i.next_update_due)}}</p>` : "";
  const comps = i.components.length ? `<p class="components">Affected: ${{esc(i.components.join(", "))}}</p>` : "";
  return `<section class="incident ${{esc(i.status)}}"><h2>${{esc(i.title)}} <span class="badge">${{esc(i.severity)}}</span> <span class="status">${{esc(i.status)}}</span></h2>${{comps}}<ol class="updates">${{ups}}</ol>${{next}}</section>`;
}}
async function redraw() {{
  const r = await fetch("/status.json" + q);
  if (!r.ok) return;
  const v = await r.json();
  document.getElementById("open").innerHTML = v.open.map(card).join("") || '<p class="ok">All systems operational.</p>';
  document.getElementById("resolved").innerHTML = v.resolved.map(card).join("") || "<p>None in the last 7 days.</p>";
  document.getElementById("generated").textContent = "Updated " + when(v.generated_at);
}}
new EventSource("/status/events" + q).addEventListener("changed", redraw);
</script>
</body></html>
"#,
        generated = time(view.generated_at),
    )
}
