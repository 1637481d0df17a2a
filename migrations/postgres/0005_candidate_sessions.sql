-- The candidate's link becomes a private session at Start: the link's token
-- is exchanged for a random session cookie, and every later request of the
-- attempt is authorized by that session alone. Several sessions may join
-- one attempt (another tab or device, after clearing cookies); each join is
-- recorded as integrity evidence. Revoking the invitation ends them all.
CREATE TABLE attempt_sessions (
    token_hash    TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    -- The client as first seen, and as last seen (a change is evidence).
    first_addr    TEXT NOT NULL,
    first_agent   TEXT NOT NULL,
    last_addr     TEXT NOT NULL,
    last_agent    TEXT NOT NULL
);
CREATE INDEX attempt_sessions_invitation ON attempt_sessions(invitation_id);
CREATE INDEX attempt_sessions_expires ON attempt_sessions(expires_at);

-- What happened during an attempt, with times: evidence for the recruiter,
-- never a verdict. `detail` is JSON.
CREATE TABLE attempt_events (
    -- Insertion order: events of one millisecond keep their order.
    seq           BIGSERIAL PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    at            BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX attempt_events_invitation ON attempt_events(invitation_id, seq);

-- Extra time for an accommodation, in percent of the quiz's duration.
ALTER TABLE invitations ADD COLUMN extra_time_percent BIGINT NOT NULL DEFAULT 0;

-- When each question was first shown to the candidate.
ALTER TABLE attempt_items ADD COLUMN first_shown_at BIGINT;

-- The candidate's own "flag for review" mark (no effect on the score).
ALTER TABLE attempt_items ADD COLUMN flagged BIGINT NOT NULL DEFAULT 0;
