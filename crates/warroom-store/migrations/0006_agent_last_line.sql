-- The last meaningful line of each agent's screen, as the supervisor last
-- saw it (redacted), for live views: the dashboard shows it without
-- capturing every pane. An observation cache, not a state change: no event.
ALTER TABLE agents ADD COLUMN last_line TEXT;
ALTER TABLE agents ADD COLUMN last_line_at INTEGER;
