-- rung schema, SQLite dialect. Keep in step with migrations/postgres.
-- Times are milliseconds since the Unix epoch; ids are random hex strings.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE recruiters (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    recruiter_id TEXT NOT NULL REFERENCES recruiters(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- Every version of every question ever served: attempts point at these, so
-- editing a question changes neither the grading nor the review of the past.
CREATE TABLE question_versions (
    hash          TEXT PRIMARY KEY,
    question_id   TEXT NOT NULL,
    topic         TEXT NOT NULL,
    level         INTEGER NOT NULL,
    content       TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL
);
CREATE INDEX question_versions_question ON question_versions(question_id);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    quiz_id         TEXT NOT NULL,
    candidate_name  TEXT NOT NULL,
    candidate_email TEXT,
    created_by      TEXT REFERENCES recruiters(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX invitations_created ON invitations(created_at);

CREATE TABLE attempts (
    id            TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL UNIQUE REFERENCES invitations(id),
    quiz_id       TEXT NOT NULL,
    quiz_hash     TEXT NOT NULL,
    quiz_title    TEXT NOT NULL,
    policy        TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    deadline_at   INTEGER NOT NULL,
    finished_at   INTEGER,
    status        TEXT NOT NULL,
    points        REAL,
    max_points    REAL,
    result        TEXT
);
CREATE INDEX attempts_open ON attempts(status, deadline_at);

CREATE TABLE attempt_items (
    attempt_id    TEXT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    question_hash TEXT NOT NULL REFERENCES question_versions(hash),
    option_order  TEXT NOT NULL,
    scored        INTEGER NOT NULL,
    selected      TEXT,
    answered_at   INTEGER,
    PRIMARY KEY (attempt_id, position)
);
