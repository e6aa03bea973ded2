-- Rollouts: one row per run of the deploy runbook. `runbook` is frozen at
-- the start (an edit to warroom.toml does not change a running rollout);
-- `run` is the model's state machine, rewritten with each transition in
-- the transaction of its event. `rev` counts the rewrites, so a writer
-- that read an older state (the daemon, mid-measurement, while a person
-- aborts) finds out instead of overwriting.
CREATE TABLE rollouts (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES teams(id),
    incident_id INTEGER REFERENCES incidents(id),
    runbook     TEXT    NOT NULL,
    run         TEXT    NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    rev         INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX rollouts_by_team ON rollouts(team_id, id);
CREATE INDEX rollouts_active ON rollouts(done);
