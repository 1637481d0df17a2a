-- Calibration on the ladder's measured levels (quizzes/ladder.toml), with the
-- spacing of the levels estimated. Difficulties of the former six-level scale
-- (spacing assumed 2.5) are not comparable and are dropped; run
-- `rung calibrate` again.
DROP TABLE calibrations;

-- One row per question version and scoring policy of select-all questions:
-- the same version scored all-or-nothing and with partial credit is two
-- different items.
CREATE TABLE item_calibrations (
    question_hash   TEXT NOT NULL REFERENCES question_versions(hash),
    multiple_policy TEXT NOT NULL,
    question_id     TEXT NOT NULL,
    difficulty      DOUBLE PRECISION NOT NULL,
    standard_error  DOUBLE PRECISION NOT NULL,
    responses       BIGINT NOT NULL,
    infit           DOUBLE PRECISION NOT NULL,
    outfit          DOUBLE PRECISION NOT NULL,
    calibrated_at   BIGINT NOT NULL,
    PRIMARY KEY (question_hash, multiple_policy)
);

-- The scale of the latest calibration: the estimated spacing of the levels
-- (with its standard error) and the spread of difficulty within a level.
CREATE TABLE calibration_scale (
    id            TEXT PRIMARY KEY,
    spacing       DOUBLE PRECISION NOT NULL,
    spacing_se    DOUBLE PRECISION NOT NULL,
    spread        DOUBLE PRECISION NOT NULL,
    persons       BIGINT NOT NULL,
    calibrated_at BIGINT NOT NULL
);
