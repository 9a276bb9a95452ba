-- CRC32C of each part's Parquet file and of its rollup, written when the part is made and
-- checked before the part is read (-1: written before checksums existed, not checked).
-- A part whose file fails the check is moved aside and marked 'quarantined': queries skip it.
ALTER TABLE parts ADD COLUMN checksum BIGINT NOT NULL DEFAULT -1;
ALTER TABLE parts ADD COLUMN rollup_checksum BIGINT NOT NULL DEFAULT -1;
ALTER TABLE parts ADD COLUMN quarantine_reason TEXT;
