package io.larch.meta;

/**
 * One request to erase an end user's events, as the catalog keeps it.
 *
 * @param projectId      the project erased in, or null for every project
 * @param partsChecked   parts of the project(s) looked at in the last pass
 * @param partsRewritten parts written again without the user's rows (or retired when nothing else was left)
 * @param eventsRemoved  the user's events removed from parts
 * @param bytesBefore    bytes of the project(s)' parts when the work first started; null before
 * @param bytesAfter     bytes of the project(s)' parts when it finished; null before
 * @param startedAt      null while pending; finishedAt null until done or failed
 */
public record EraseRequest(long id, String userId, Long projectId, Status status, long requestedAt, String requestedBy,
                           Long startedAt, Long finishedAt, long partsChecked, long partsRewritten, long eventsRemoved,
                           Long bytesBefore, Long bytesAfter, String error) {
    /** Where a request is: pending, running, then done or failed (both final). */
    public enum Status {
        PENDING, RUNNING, DONE, FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Status parse(String wire) {
            return valueOf(wire.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public boolean finished() {
        return status == Status.DONE || status == Status.FAILED;
    }
}
