-- Calibrated difficulties (rung calibrate), one row per question version.
CREATE TABLE calibrations (
    question_hash  TEXT PRIMARY KEY REFERENCES question_versions(hash),
    question_id    TEXT NOT NULL,
    difficulty     REAL NOT NULL,
    standard_error REAL NOT NULL,
    responses      INTEGER NOT NULL,
    infit          REAL NOT NULL,
    outfit         REAL NOT NULL,
    calibrated_at  INTEGER NOT NULL
);
