//! Golden tests: every real capture in `tests/screens/` (copied from
//! ../shared/screens, 160x45 panes of the real CLIs) is classified to the
//! state and detail its `EXPECTED.tsv` row gives, by the built-in registry.

use std::collections::BTreeMap;
use std::path::PathBuf;

use warroom_agents::{AgentProfile, ScreenState, classify, registry};

fn screens_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/screens")
}

fn profiles() -> BTreeMap<String, AgentProfile> {
    registry::builtin().expect("the built-in registry compiles")
}

fn profile_for<'a>(profiles: &'a BTreeMap<String, AgentProfile>, cli: &str) -> &'a AgentProfile {
    let name = if cli == "cc" { "claude" } else { cli };
    &profiles[name]
}

fn screen(name: &str) -> String {
    std::fs::read_to_string(screens_dir().join(format!("{name}.txt"))).expect("capture")
}

/// The index's vocabulary is coarser than ours: it files a rate limit
/// under `error` and calls a gated CLI `gate`.
fn coarse(state: &ScreenState) -> &'static str {
    match state {
        ScreenState::RateLimited { .. } => "error",
        ScreenState::Gate { .. } => "gate",
        other => other.name(),
    }
}

fn index_detail(state: &ScreenState) -> &'static str {
    match state {
        ScreenState::Idle { draft } if !draft.is_empty() => "draft",
        ScreenState::Busy { retrying: Some(r) } if r == "retrying" => "retrying",
        _ => "",
    }
}

/// Captures whose index detail the screen alone cannot show: the first
/// retry of a Codex turn draws the same `Working` line as any busy turn.
/// The detail comes from the next frame of the same turn (extra evidence).
const NEEDS_NEXT_FRAME: &[(&str, &str)] =
    &[("codex-error500-retrying", "codex-error500-retrying-2")];

#[test]
fn every_real_capture_reads_as_its_index_says() {
    let profiles = profiles();
    let index = std::fs::read_to_string(screens_dir().join("EXPECTED.tsv")).expect("index");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for line in index.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, cli, state, detail) = (
            cols[0],
            cols[1],
            cols[2],
            cols.get(3).copied().unwrap_or(""),
        );
        let profile = profile_for(&profiles, cli);
        let seen = classify(&profile.screen, &screen(file));
        let mut seen_detail = index_detail(&seen);
        if let Some((_, next)) = NEEDS_NEXT_FRAME.iter().find(|(f, _)| *f == file) {
            assert_eq!(seen.name(), "busy", "{file}: busy from its own frame");
            seen_detail = index_detail(&classify(&profile.screen, &screen(next)));
        }
        if coarse(&seen) != state || seen_detail != detail {
            wrong.push(format!("{file}: expected {state}/{detail}, read {seen:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 90, "the index lists every capture ({checked})");
    assert!(
        wrong.is_empty(),
        "{} misread:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn details_carry_what_the_screen_says() {
    let p = profiles();
    let claude = &p["claude"].screen;
    assert_eq!(
        classify(claude, &screen("cc-idle-typed")),
        ScreenState::Idle {
            draft: "hello there, please reply".into()
        }
    );
    assert_eq!(
        classify(claude, &screen("cc-multiline-pasted")),
        ScreenState::Idle {
            draft: "line one of the message\nline two of the message\nline three of the message"
                .into()
        }
    );
    assert!(matches!(
        classify(claude, &screen("cc-error429-final")),
        ScreenState::RateLimited { .. }
    ));
    match classify(claude, &screen("cc-error500-final")) {
        ScreenState::Error { message: Some(m) } => {
            assert!(m.starts_with("500 Internal server error"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    match classify(claude, &screen("cc-permission")) {
        ScreenState::Waiting { prompt: Some(p) } => assert_eq!(p, "Do you want to proceed?"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        classify(claude, &screen("cc-trust-dialog")),
        ScreenState::Gate {
            name: Some("trust".into())
        }
    );
    assert_eq!(
        classify(claude, &screen("cc-custom-api-key")),
        ScreenState::Gate {
            name: Some("api-key".into())
        }
    );
    let gemini = &p["gemini"].screen;
    for name in ["gemini-usage-limit", "gemini-quota-stopped"] {
        assert!(
            matches!(
                classify(gemini, &screen(name)),
                ScreenState::RateLimited { .. }
            ),
            "{name}"
        );
    }
    match classify(gemini, &screen("gemini-error400")) {
        ScreenState::Error { message: Some(m) } => assert!(m.contains("Bad request"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        classify(
            &p["opencode"].screen,
            &screen("opencode-rate-limited-retrying")
        ),
        ScreenState::RateLimited { .. }
    ));
    match classify(&p["aider"].screen, &screen("aider-error400")) {
        ScreenState::Error { message: Some(m) } => {
            assert!(m.starts_with("litellm.BadRequestError"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let codex = &p["codex"].screen;
    assert!(matches!(
        classify(codex, &screen("codex-error429")),
        ScreenState::RateLimited { .. }
    ));
    assert_eq!(
        classify(codex, &screen("codex-exit-typed")),
        ScreenState::Idle {
            draft: "/exit".into()
        }
    );
    assert_eq!(
        classify(codex, &screen("codex-multiline-pasted")),
        ScreenState::Idle {
            draft: "codex line one\ncodex line two\ncodex line three".into()
        }
    );
}

#[test]
fn an_old_error_in_the_scrollback_is_not_the_newest_turn() {
    let p = profiles();
    // cc-error-midstream shows an interrupted 429 turn above a good one.
    assert_eq!(
        classify(&p["claude"].screen, &screen("cc-error-midstream")),
        ScreenState::Idle {
            draft: String::new()
        }
    );
    // The same screen with its newest turn cut off ends on the old error.
    let full = screen("cc-error429-final");
    assert!(matches!(
        classify(&p["claude"].screen, &full),
        ScreenState::RateLimited { .. }
    ));
}

#[test]
fn a_prompt_echo_is_not_taken_for_gemini_s_composer_while_a_tool_runs() {
    let p = profiles();
    // Gemini CLI hides its input box while an MCP tool runs: only the echo
    // of the prompt and the tool's box are on screen.
    let running = " > [warroom #4 from tester] MCP-CLAIM: take the root-cause todo\n\
╭──────────────────────────────────────╮\n\
│ ✓  claim_todo (warroom MCP Server) {\"todo\":\"T-4\"} │\n\
│ {                                    │\n\
╰──────────────────────────────────────╯\n";
    assert_eq!(
        classify(&p["gemini"].screen, running),
        ScreenState::Starting
    );
    // Its composer with a long draft is still read whole.
    let drafted = format!(
        "{running}✦ Tool finished.\n────────────\n Shift+Tab to accept edits\n > first row of a draft\n   second row of it\n workspace (/directory)   sandbox\n"
    );
    assert_eq!(
        classify(&p["gemini"].screen, &drafted),
        ScreenState::Idle {
            draft: "first row of a draft\nsecond row of it".into()
        }
    );
}

#[test]
fn the_input_box_is_read_while_a_turn_runs() {
    let p = profiles();
    let busy = screen("gemini-busy");
    assert_eq!(
        warroom_agents::screen::input_box(&p["gemini"].screen, &busy),
        Some(String::new())
    );
    // A message typed while Gemini was busy with an earlier turn, its Enter
    // dropped: the turn runs, and the message is still in the box.
    let typed = busy.replace(
        ">   Type your message or @path/to/file",
        "> [warroom #4 from tester] MCP-CLAIM: take the root-cause todo",
    );
    assert!(matches!(
        classify(&p["gemini"].screen, &typed),
        ScreenState::Busy { .. }
    ));
    assert_eq!(
        warroom_agents::screen::input_box(&p["gemini"].screen, &typed).as_deref(),
        Some("[warroom #4 from tester] MCP-CLAIM: take the root-cause todo")
    );
}

#[test]
fn escape_sequences_and_nbsp_do_not_change_a_verdict() {
    let p = profiles();
    for name in [
        "cc-busy",
        "cc-permission",
        "codex-error500",
        "gemini-busy",
        "aider-busy-pretty",
    ] {
        let plain = screen(name);
        let cli = name.split('-').next().expect("cli");
        let profile = profile_for(&p, cli);
        let coloured: String = plain
            .lines()
            .map(|l| format!("\x1b[38;5;231m{}\x1b[0m\n", l.replace(' ', "\u{a0}")))
            .collect();
        assert_eq!(
            classify(&profile.screen, &coloured),
            classify(&profile.screen, &plain),
            "{name}"
        );
    }
}

#[test]
fn the_simulated_agent_reads_like_before() {
    let p = profiles();
    let sim = &p["sim"].screen;
    let history = "▌ warroom sim-agent · PM\n❯ [warroom #3 from warroom] BRIEFING\n● Briefing received.\n✓ Done in 0.2s\n";
    assert_eq!(
        classify(sim, &format!("{history}❯ \n\n")),
        ScreenState::Idle {
            draft: String::new()
        }
    );
    assert_eq!(
        classify(sim, &format!("{history}❯ [warroom #9 from a] hi")),
        ScreenState::Idle {
            draft: "[warroom #9 from a] hi".into()
        }
    );
    assert_eq!(
        classify(
            sim,
            &format!("{history}❯ hi\n✻ Working… (esc to interrupt)")
        ),
        ScreenState::Busy { retrying: None }
    );
    assert_eq!(
        classify(sim, &format!("{history}❯ next\n● still printing")),
        ScreenState::Starting
    );
    assert_eq!(classify(sim, ""), ScreenState::Starting);
}

#[test]
fn a_composer_pattern_without_a_draft_group_is_refused() {
    let mut table = registry::builtin_table().expect("table");
    let sim = table
        .get_mut("sim")
        .and_then(|v| v.as_table_mut())
        .expect("sim");
    let screen = sim
        .get_mut("screen")
        .and_then(|v| v.as_table_mut())
        .expect("screen");
    screen.insert("composer".into(), toml::Value::String("^> ".into()));
    let err = registry::compile(table).expect_err("refused");
    assert!(err.to_string().contains("draft"), "{err}");
}

#[test]
fn the_last_meaningful_line_is_what_the_agent_said_or_does_not_its_chrome() {
    use warroom_agents::meaningful_line;
    let line = |name: &str| meaningful_line(&screen(name)).unwrap_or_default();
    assert!(
        line("cc-busy").contains("Metamorphosing"),
        "{}",
        line("cc-busy")
    );
    assert!(
        line("cc-idle-after-reply").contains("Sautéed for 0s"),
        "{}",
        line("cc-idle-after-reply")
    );
    assert_eq!(line("codex-after-reply"), "Worked for <1s • 01:27");
    assert_eq!(meaningful_line("\n\n   \n"), None);
    assert_eq!(
        meaningful_line("building 3 crates\n> "),
        Some("building 3 crates".into())
    );
}
