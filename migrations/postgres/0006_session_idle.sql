-- Console sessions end after 30 minutes without a request (as well as 12
-- hours after sign-in): the time of the last request is kept. Sessions from
-- before this migration count as idle and end.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
