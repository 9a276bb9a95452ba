-- [several nodes] When a part was published or last changed state or archive state, in epoch ms of
-- the database's own clock (one clock for every node), so a node reads only what changed since its
-- last look at the catalog instead of the whole catalog.
ALTER TABLE parts ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX parts_by_change ON parts (changed_at);
-- Each node's refresh asks for its own parts by state and archive state (what to upload, what it has).
CREATE INDEX parts_by_node ON parts (node_id, state, archive_state);
CREATE FUNCTION parts_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
    RETURN NEW;
END
$$;
CREATE TRIGGER parts_changed BEFORE INSERT OR UPDATE OF state, archive_state ON parts
    FOR EACH ROW EXECUTE FUNCTION parts_touch();
