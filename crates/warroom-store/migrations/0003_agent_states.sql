-- Where each agent works, and its state as warroom last saw it: the state
-- fused from hooks, tmux and the screen (with its source and since when),
-- and the newest state the CLI's own hooks reported.
ALTER TABLE agents ADD COLUMN workdir      TEXT;
ALTER TABLE agents ADD COLUMN branch       TEXT;
ALTER TABLE agents ADD COLUMN state        TEXT NOT NULL DEFAULT 'starting';
ALTER TABLE agents ADD COLUMN state_detail TEXT;
ALTER TABLE agents ADD COLUMN state_source TEXT;
ALTER TABLE agents ADD COLUMN state_since  INTEGER;
ALTER TABLE agents ADD COLUMN hook_state   TEXT;
ALTER TABLE agents ADD COLUMN hook_detail  TEXT;
ALTER TABLE agents ADD COLUMN hook_at      INTEGER;
ALTER TABLE agents ADD COLUMN session_id   TEXT;
