-- Supervision: the policy watching each team (NULL: the default), and per
-- agent what the supervisor already did (restarts, parks, notices), written
-- in the same transaction as the event of each action so a restarted daemon
-- repeats none of them.
ALTER TABLE teams ADD COLUMN supervision TEXT;

CREATE TABLE agent_watch (
    agent_id   INTEGER PRIMARY KEY REFERENCES agents(id),
    watch      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
