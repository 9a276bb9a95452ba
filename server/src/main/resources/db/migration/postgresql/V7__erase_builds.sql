-- The builds an erase request removed lines from, recorded in the transaction of each part swap:
-- after the parts, their build-log objects are written again without the user. Kept in the
-- catalog so that a request resumed after a crash still rewrites the builds of parts it swapped
-- before the crash (those parts no longer hold the user, so they cannot tell again).
CREATE TABLE erase_builds (
    request_id  BIGINT  NOT NULL REFERENCES erase_requests (id),
    project_id  BIGINT  NOT NULL,
    build_id    TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (request_id, project_id, build_id)
);
