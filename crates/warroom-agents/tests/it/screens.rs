use warroom_agents::profile::ProfileSpec;
use warroom_agents::{AgentProfile, ScreenState, classify};

fn sim() -> AgentProfile {
    let spec: ProfileSpec = toml::from_str(
        r#"
        command = ["{warroom}", "sim-agent"]
        processes = ["warroom"]
        [screen]
        bottom_lines = 1
        composer = '^❯ ?(?P<draft>.*)$'
        busy = ['^✻ Working']
        "#,
    )
    .expect("spec");
    AgentProfile::compile("sim", &spec).expect("compiles")
}

const HISTORY: &str = "▌ warroom sim-agent · Project Manager (project-manager)
▌ scenario: default · Enter submits · Ctrl-D on an empty prompt exits

❯ [warroom #3 from warroom] BRIEFING. You are the Project Manager [+8 lines, 822 bytes]
● Briefing received.
✓ Done in 0.2s
";

#[test]
fn idle_busy_draft_and_starting() {
    let p = sim();
    assert_eq!(
        classify(&p.screen, &format!("{HISTORY}❯ \n\n\n")),
        ScreenState::Idle {
            draft: String::new()
        }
    );
    assert_eq!(
        classify(&p.screen, &format!("{HISTORY}❯ [warroom #9 from a] hi")),
        ScreenState::Idle {
            draft: "[warroom #9 from a] hi".into()
        }
    );
    assert_eq!(
        classify(
            &p.screen,
            &format!("{HISTORY}❯ hi\n✻ Working… (esc to interrupt)")
        ),
        ScreenState::Busy
    );
    assert_eq!(
        classify(&p.screen, "▌ warroom sim-agent · PM\n"),
        ScreenState::Starting
    );
    assert_eq!(classify(&p.screen, ""), ScreenState::Starting);
}

#[test]
fn old_prompts_in_the_scrollback_do_not_count() {
    let p = sim();
    // The echo of an earlier prompt is above; the live row is a reply line.
    assert_eq!(
        classify(&p.screen, &format!("{HISTORY}❯ next\n● still printing")),
        ScreenState::Starting
    );
}

#[test]
fn profiles_reject_patterns_without_a_draft_group() {
    let spec: ProfileSpec = toml::from_str(
        "command = [\"x\"]\nprocesses = [\"x\"]\n[screen]\nbottom_lines = 1\ncomposer = '^> '\n",
    )
    .expect("spec");
    assert!(AgentProfile::compile("x", &spec).is_err());
}
