-- Times are INTEGER milliseconds since the Unix epoch (UTC); ids are INTEGER.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    team_type   TEXT,
    project_dir TEXT    NOT NULL,
    purpose     TEXT,
    tmux_socket TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
-- A name is reusable once its team has ended; never two live teams with one name.
CREATE UNIQUE INDEX teams_live_name ON teams(name) WHERE ended_at IS NULL;

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    window         INTEGER NOT NULL,
    role           TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    cli            TEXT    NOT NULL,
    configured_cli TEXT    NOT NULL,
    command        TEXT    NOT NULL,
    pane_id        TEXT,
    pid            INTEGER,
    restarts       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (team_id, window)
);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    team_id      INTEGER NOT NULL REFERENCES teams(id),
    kind         TEXT    NOT NULL,
    sender_kind  TEXT    NOT NULL,
    sender_agent INTEGER REFERENCES agents(id),
    sender_label TEXT    NOT NULL,
    recipient    INTEGER NOT NULL REFERENCES agents(id),
    body         TEXT    NOT NULL,
    transport    TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    detail       TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX messages_team ON messages(team_id, id);
CREATE INDEX messages_recipient ON messages(recipient, id);

CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    team_id INTEGER REFERENCES teams(id),
    actor   TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    data    TEXT    NOT NULL
);
CREATE INDEX events_team ON events(team_id, id);
