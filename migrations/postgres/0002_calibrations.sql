-- Calibrated difficulties (rung calibrate), one row per question version.
CREATE TABLE calibrations (
    question_hash  TEXT PRIMARY KEY REFERENCES question_versions(hash),
    question_id    TEXT NOT NULL,
    difficulty     DOUBLE PRECISION NOT NULL,
    standard_error DOUBLE PRECISION NOT NULL,
    responses      BIGINT NOT NULL,
    infit          DOUBLE PRECISION NOT NULL,
    outfit         DOUBLE PRECISION NOT NULL,
    calibrated_at  BIGINT NOT NULL
);
