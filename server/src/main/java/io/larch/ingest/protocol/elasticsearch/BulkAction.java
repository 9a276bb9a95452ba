package io.larch.ingest.protocol.elasticsearch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One action of a bulk request with its document: what the action line said and the document
 * line after it.
 *
 * @param type          the action's name as sent: {@code index}, {@code create}, {@code update} or {@code delete}
 * @param index         the action's {@code _index}, else the index in the URL; null when neither names one
 * @param id            the action's {@code _id}, or null
 * @param document      the document to store; null for delete and update (which Larch does not apply)
 *                      and when the document line is not a JSON object
 * @param documentError why the document line could not be read, or null
 */
public record BulkAction(String type, String index, String id, ObjectNode document, String documentError) {
    /** Whether this action adds a document (index, create), the only kind Larch stores. */
    public boolean stores() {
        return type.equals("index") || type.equals("create");
    }
}
