-- A recruiter whose password was generated (and printed once) must choose
-- a new one before using the console.
ALTER TABLE recruiters ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
