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
    difficulty      REAL NOT NULL,
    standard_error  REAL NOT NULL,
    responses       INTEGER NOT NULL,
    infit           REAL NOT NULL,
    outfit          REAL NOT NULL,
    calibrated_at   INTEGER NOT NULL,
    PRIMARY KEY (question_hash, multiple_policy)
);

-- The scale of the latest calibration: the estimated spacing of the levels
-- (with its standard error) and the spread of difficulty within a level.
CREATE TABLE calibration_scale (
    id            TEXT PRIMARY KEY,
    spacing       REAL NOT NULL,
    spacing_se    REAL NOT NULL,
    spread        REAL NOT NULL,
    persons       INTEGER NOT NULL,
    calibrated_at INTEGER NOT NULL
);
