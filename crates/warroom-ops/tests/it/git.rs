//! The git adapter against real repositories in temp dirs, with a hermetic
//! configuration (never the user's own).

use std::path::Path;
use std::process::Command;

use warroom_ops::{Git, Worktrees};

fn hermetic() -> Vec<(String, String)> {
    [
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@example.invalid"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@example.invalid"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn sh_git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .envs(hermetic())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    sh_git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("auth.py"), "def login():\n    return 500\n").expect("write");
    sh_git(dir.path(), &["add", "."]);
    sh_git(dir.path(), &["commit", "-qm", "auth service"]);
    dir
}

#[test]
fn a_worktree_is_made_on_its_branch_reports_its_state_and_goes_keeping_the_branch() {
    let git = Git::with_env(hermetic());
    let project = repo();
    let empty = tempfile::tempdir().expect("tempdir");
    assert!(git.is_repository(project.path()));
    assert!(!git.is_repository(empty.path()));

    let trees = tempfile::tempdir().expect("tempdir");
    let tree = trees.path().join("team/backend");
    git.create(project.path(), &tree, "hotfix/team/backend")
        .expect("worktree");
    assert!(tree.join("auth.py").exists());
    assert!(git.uncommitted(&tree).expect("status").is_empty());
    assert!(
        git.summary(&tree)
            .expect("summary")
            .ends_with("auth service; nothing uncommitted"),
    );

    // Work in progress counts; warroom's own files do not.
    std::fs::write(tree.join("auth.py"), "def login():\n    return 200\n").expect("edit");
    std::fs::create_dir_all(tree.join(".warroom")).expect("mkdir");
    std::fs::write(tree.join(".warroom/briefing-ag-1.md"), "brief").expect("write");
    assert_eq!(git.uncommitted(&tree).expect("status"), [" M auth.py"]);
    assert!(
        git.summary(&tree)
            .expect("summary")
            .contains("1 uncommitted: M auth.py")
    );
    let refused = git.remove(project.path(), &tree, false);
    assert!(refused.is_err(), "uncommitted work is not removed unforced");
    git.remove(project.path(), &tree, true).expect("forced");
    assert!(!tree.exists());

    // The branch stayed; a new worktree on it picks up its commits.
    sh_git(
        project.path(),
        &["rev-parse", "--verify", "refs/heads/hotfix/team/backend"],
    );
    git.create(project.path(), &tree, "hotfix/team/backend")
        .expect("again on the same branch");
}

#[test]
fn git_failures_say_what_was_asked() {
    let git = Git::with_env(hermetic());
    let empty = tempfile::tempdir().expect("tempdir");
    let err = git
        .create(empty.path(), &empty.path().join("w"), "hotfix/x/y")
        .expect_err("not a repository");
    assert!(err.to_string().starts_with("git worktree add "), "{err}");
}

#[test]
fn a_file_written_for_an_agents_cli_stays_out_of_its_commits() {
    let git = Git::with_env(hermetic());
    let project = repo();
    // The project tracks one CLI settings file and not another.
    std::fs::create_dir_all(project.path().join(".gemini")).expect("mkdir");
    std::fs::write(project.path().join(".gemini/settings.json"), "{}\n").expect("write");
    sh_git(project.path(), &["add", "."]);
    sh_git(project.path(), &["commit", "-qm", "gemini settings"]);
    let trees = tempfile::tempdir().expect("tempdir");
    let tree = trees.path().join("team/backend");
    git.create(project.path(), &tree, "hotfix/team/backend")
        .expect("worktree");

    let tracked = tree.join(".gemini/settings.json");
    assert!(git.tracks(&tree, &tracked));
    assert!(!git.tracks(&tree, &tree.join("nope.json")));
    std::fs::write(&tracked, "{\"mcpServers\": {}}\n").expect("write");
    git.keep_out_of_commits(&tree, &tracked).expect("kept");
    let untracked = tree.join(".other-cli/config.json");
    std::fs::create_dir_all(untracked.parent().expect("parent")).expect("mkdir");
    std::fs::write(&untracked, "{}\n").expect("write");
    git.keep_out_of_commits(&tree, &untracked).expect("kept");
    // Idempotent, and a file outside the directory is none of its business.
    git.keep_out_of_commits(&tree, &untracked).expect("again");
    git.keep_out_of_commits(&tree, Path::new("/etc/hostname"))
        .expect("outside");

    assert!(
        git.uncommitted(&tree).expect("status").is_empty(),
        "{:?}",
        git.uncommitted(&tree)
    );
    sh_git(&tree, &["add", "-A"]);
    let staged = Command::new("git")
        .arg("-C")
        .arg(&tree)
        .args(["diff", "--cached", "--name-only"])
        .envs(hermetic())
        .output()
        .expect("git diff");
    assert_eq!(
        String::from_utf8_lossy(&staged.stdout),
        "",
        "nothing staged"
    );
    // The engineer's own checkout is untouched.
    assert_eq!(
        std::fs::read_to_string(project.path().join(".gemini/settings.json")).expect("read"),
        "{}\n"
    );
    assert!(git.uncommitted(project.path()).expect("status").is_empty());
}
