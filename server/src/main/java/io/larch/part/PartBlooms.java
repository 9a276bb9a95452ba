package io.larch.part;

import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The token blooms of published parts, mapped on first use and kept mapped (the bits live in
 * the page cache, not the heap). A part without a readable bloom file reads as "no filter".
 * Thread-safe.
 */
public final class PartBlooms {
    private final PartFiles partFiles;
    private final ConcurrentHashMap<String, Optional<TokenBloom>> byPartName = new ConcurrentHashMap<>();

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

    /**
     * Checks the part's mapped filters against their CRC32C again; damaged ones are dropped, so
     * searches read the whole part. Returns false when they were damaged.
     */
    public boolean recheck(PartRecord part) {
        TokenBloom bloom = get(part);
        if (bloom == null || bloom.isStillWhole()) {
            return true;
        }
        byPartName.put(part.name(), Optional.empty());
        return false;
    }

    /** Drops a retired part's mapping. */
    public void forget(String partName) {
        byPartName.remove(partName);
    }
}
