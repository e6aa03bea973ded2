-- API tokens for the daemon's HTTP API: only a SHA-256 of each is kept
-- (the token itself is shown once, when created), with its scope; a
-- revoked token stays listed, and refused.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    hash         TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
