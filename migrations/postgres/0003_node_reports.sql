-- Node reports the node-scan DaemonSet posts, the last few per node: the fleet's drift.
CREATE TABLE node_reports (
    node        TEXT NOT NULL,
    received    BIGINT NOT NULL,
    worst       TEXT,
    findings    TEXT NOT NULL,
    report      TEXT NOT NULL,
    PRIMARY KEY (node, received)
);
CREATE INDEX node_reports_latest ON node_reports (node, received DESC);
