-- Scan results keyed by manifest digest and catalog version, and the scan jobs Harbor and the
-- other doors poll by id. Applied once, in a transaction, under an advisory lock.
CREATE TABLE results (
    digest      TEXT NOT NULL,
    catalog     TEXT NOT NULL,
    repository  TEXT NOT NULL,
    report      TEXT NOT NULL,
    worst       TEXT,
    rules       TEXT NOT NULL,
    stored_at   BIGINT NOT NULL,
    PRIMARY KEY (digest, catalog)
);
CREATE INDEX results_latest ON results (digest, stored_at DESC);

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    reference   TEXT NOT NULL,
    digest      TEXT NOT NULL,
    lane        TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    needs_auth  BOOLEAN NOT NULL DEFAULT FALSE,
    created     BIGINT NOT NULL,
    updated     BIGINT NOT NULL
);
CREATE INDEX jobs_digest ON jobs (digest, status);
CREATE INDEX jobs_status ON jobs (status, created);
