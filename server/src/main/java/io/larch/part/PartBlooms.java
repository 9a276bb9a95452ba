package io.larch.part;

import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The index sidecars of published parts, their token blooms and postings, mapped on first use and
 * kept mapped (the bytes live in the page cache, not the heap). A part without a readable bloom
 * file reads as "no filter", one without readable postings as "no postings". Thread-safe.
 */
public final class PartBlooms {
    private final PartFiles partFiles;
    private final ConcurrentHashMap<String, Optional<TokenBloom>> byPartName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Optional<PartPostings>> postingsByPartName = new ConcurrentHashMap<>();

    public PartBlooms(PartFiles partFiles) {
        this.partFiles = partFiles;
    }

    /** The part's blooms, or null when it has none (then every row group must be read). */
    public TokenBloom get(PartRecord part) {
        return byPartName.computeIfAbsent(part.name(), name -> {
            var file = partFiles.bloomPath(part);
            return Files.exists(file) ? Optional.ofNullable(TokenBloom.open(file)) : Optional.empty();
        }).orElse(null);
    }

    /** The part's postings, or null when it has none (then the blooms answer alone). */
    public PartPostings postings(PartRecord part) {
        return postingsByPartName.computeIfAbsent(part.name(), name -> {
            var file = partFiles.postingsPath(part);
            return Files.exists(file) ? Optional.ofNullable(PartPostings.open(file)) : Optional.empty();
        }).orElse(null);
    }

    /**
     * Checks the part's mapped filters and postings against their CRC32C again; damaged ones are
     * dropped, so searches read more of the part. Returns false when any was damaged.
     */
    public boolean recheck(PartRecord part) {
        boolean whole = true;
        TokenBloom bloom = get(part);
        if (bloom != null && !bloom.isStillWhole()) {
            byPartName.put(part.name(), Optional.empty());
            whole = false;
        }
        PartPostings postings = postings(part);
        if (postings != null && !postings.isStillWhole()) {
            postingsByPartName.put(part.name(), Optional.empty());
            whole = false;
        }
        return whole;
    }

    /** Drops a retired part's mappings. */
    public void forget(String partName) {
        byPartName.remove(partName);
        postingsByPartName.remove(partName);
    }
}
