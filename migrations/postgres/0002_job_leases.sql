-- Leases: a replica claims a digest's jobs until a time it keeps extending; when it dies, the
-- lease runs out and another replica claims them (the attempt counted).
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_claimable ON jobs (status, lane, created);
CREATE INDEX jobs_owner ON jobs (owner) WHERE owner IS NOT NULL;
