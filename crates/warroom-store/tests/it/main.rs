mod bad_files;
mod concurrency;
mod projections;
mod read_only;
mod rollouts;

use std::path::Path;

use warroom_store::{NewTeam, Store, StoreError, TeamRecord};

pub fn open(dir: &Path) -> Store {
    Store::open(dir).expect("store opens")
}

pub fn team(store: &mut Store, name: &str) -> TeamRecord {
    store
        .write(1_000, "alice", |tx| {
            tx.create_team(&NewTeam {
                name,
                team_type: Some("backend"),
                project_dir: "/srv/app",
                purpose: None,
                tmux_socket: "warroom",
            })
        })
        .map_err(|e: StoreError| e)
        .expect("team created")
}
