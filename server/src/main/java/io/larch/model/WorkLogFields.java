package io.larch.model;

import java.util.List;

/**
 * How a work log (kind {@code work}) is stored in an event: its type and entry in attributes, its
 * status in the status field. An update of an entry is a new event whose {@link #ENTRY_ID} names
 * the entry's first event; a new entry has none (its own id is its entry id).
 */
public final class WorkLogFields {
    /** Attribute: what the entry is, one of {@link #LOG_TYPES}. */
    public static final String LOG_TYPE = "logType";
    /** Attribute: the id of the entry's first event, on updates only. */
    public static final String ENTRY_ID = "entryId";
    public static final List<String> LOG_TYPES = List.of("ai_response", "tool_call", "file_operation", "deployment",
            "error", "info");
    public static final List<String> STATUSES = List.of("working", "success", "warning", "error", "info");

    private WorkLogFields() {
    }

    /** The entry {@code event} belongs to: its own id, or the entry it updates. */
    public static String entryId(LogEvent event) {
        String updated = event.attrs().get(ENTRY_ID);
        return updated != null ? updated : EventId.format(event.id());
    }
}
