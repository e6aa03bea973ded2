-- Incidents and their todos are stored as JSON documents (the model's own
-- values) beside the columns queries filter on; the event log stays the truth.
CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    phase       TEXT    NOT NULL,
    team_id     INTEGER REFERENCES teams(id),
    declared_at INTEGER NOT NULL,
    closed_at   INTEGER,
    doc         TEXT    NOT NULL
);
-- A slug is reusable once its incident has closed.
CREATE UNIQUE INDEX incidents_open_slug ON incidents(slug) WHERE closed_at IS NULL;
CREATE INDEX incidents_team ON incidents(team_id);

CREATE TABLE todos (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    status      TEXT    NOT NULL,
    due_at      INTEGER,
    doc         TEXT    NOT NULL
);
CREATE INDEX todos_incident ON todos(incident_id, id);

-- Logs attached to an incident, stored only after redaction.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    name        TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE updates (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    doc         TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The outbox: a notification is queued in the transaction that decides to
-- send it, then delivered and marked, so none is lost or sent twice.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    channel     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    -- Set when a process takes it for delivery ('sending').
    claimed_at  INTEGER,
    finished_at INTEGER
);
CREATE INDEX notifications_incident ON notifications(incident_id, id);

ALTER TABLE events ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
CREATE INDEX events_incident ON events(incident_id, id);
