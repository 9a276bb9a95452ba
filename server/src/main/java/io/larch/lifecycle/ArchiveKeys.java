package io.larch.lifecycle;

import io.larch.datadir.FileNames;
import io.larch.part.PartRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/**
 * The object keys of archived parts, made from the part alone so a retried upload lands on the
 * same key: {@code [projects/{slug}/]{kind}/YYYY/MM/DD/{nodeId}-{partId}.parquet} (the day of
 * its oldest event, UTC), and beside it the sidecars with the same stem
 * ({@code .bloom}, {@code .postings}, {@code .rollup.parquet}).
 */
final class ArchiveKeys {
    private ArchiveKeys() {
    }

    /** The key of the part's Parquet file. */
    static String partKey(String projectPrefix, PartRecord part) {
        ZonedDateTime day = Instant.ofEpochMilli(part.minTs()).atZone(ZoneOffset.UTC);
        return String.format(Locale.ROOT, "%s%s/%04d/%02d/%02d/%d-%d%s", projectPrefix, part.kind().wireName(),
                day.getYear(), day.getMonthValue(), day.getDayOfMonth(), part.nodeId(), part.id(), FileNames.PART_SUFFIX);
    }

    /** Every key of a part: the sidecars first, the Parquet file last (it is what makes the upload count). */
    static List<String> allKeys(String partKey) {
        String stem = partKey.substring(0, partKey.length() - FileNames.PART_SUFFIX.length());
        return List.of(stem + FileNames.BLOOM_SUFFIX, stem + FileNames.POSTINGS_SUFFIX, stem + FileNames.ROLLUP_SUFFIX,
                partKey);
    }
}
