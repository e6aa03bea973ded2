use std::cell::RefCell;

use proptest::test_runner::{Config, TestRunner};

use crate::{TestServer, raw_cat, wait_for_command, wait_until};

/// Whatever the text, `send-keys -l` through the control client delivers
/// exactly its bytes: tmux syntax, shell syntax, escapes, any Unicode.
#[test]
fn literal_text_arrives_byte_exact() {
    let t = TestServer::start();
    let out = t.path("out");
    let mut spawn = crate::spawn("cat", t.dir.path(), &[]);
    spawn.argv = raw_cat(&out);
    let pane = t
        .server
        .new_session("q", &spawn, (160, 45))
        .expect("session")
        .pane_id;
    let client = t.server.control("q").expect("control client");
    wait_for_command(&client, &pane, "cat");

    let expected = RefCell::new(Vec::new());
    let send = |text: &str| {
        client.send_literal(&pane, text).expect("send-keys");
        let mut expected = expected.borrow_mut();
        expected.extend_from_slice(text.as_bytes());
        let want = expected.len();
        wait_until("the text to reach cat", || {
            std::fs::metadata(&out)
                .map(|m| m.len() as usize >= want)
                .unwrap_or(false)
        });
        assert_eq!(
            std::fs::read(&out).expect("read output"),
            *expected,
            "after sending {text:?}"
        );
    };
    for fixed in [
        "plain words",
        "a;b ; c \\; d;",
        "#{pane_id} #[fg=red] ##",
        "$HOME ${HOME} $(touch pwned) `id` ~ ~root",
        "'single' \"double\" \\\" {block} }",
        "\x1b[31mred\x1b[0m \x07 \x01",
        "ünïcödé ✓ 🔥 中文",
        "-- -l -t %0 Enter",
    ] {
        send(fixed);
    }
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&"[^\\x00]{1,80}", |s| {
            send(&s);
            Ok(())
        })
        .expect("every generated string arrives exactly");
    assert!(!t.path("pwned").exists());
}
