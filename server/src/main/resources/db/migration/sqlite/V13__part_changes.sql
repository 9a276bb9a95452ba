-- [several nodes] When a part was published or last changed state or archive state, in epoch ms of
-- the database's own clock (one clock for every node), so a node reads only what changed since its
-- last look at the catalog instead of the whole catalog.
ALTER TABLE parts ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX parts_by_change ON parts (changed_at);
-- Each node's refresh asks for its own parts by state and archive state (what to upload, what it has).
CREATE INDEX parts_by_node ON parts (node_id, state, archive_state);
CREATE TRIGGER parts_changed_on_insert AFTER INSERT ON parts BEGIN
    UPDATE parts SET changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
END;
CREATE TRIGGER parts_changed_on_update AFTER UPDATE OF state, archive_state ON parts BEGIN
    UPDATE parts SET changed_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
END;
