package io.larch.ingest.protocol.syslog;

import java.time.Instant;
import java.util.List;

/**
 * One syslog message as parsed; a field the message did not carry (or carried as the RFC 5424
 * NILVALUE {@code -}) is null.
 *
 * @param format         which syslog it was written in
 * @param facility       0-23, or -1 when there was no PRI
 * @param severity       0 (emergency) to 7 (debug), or -1 when there was no PRI
 * @param structuredData the RFC 5424 SD-ELEMENTs in order
 * @param message        the MSG without a leading UTF-8 BOM; for {@link Format#UNPARSED} the whole text
 */
public record SyslogMessage(Format format, int facility, int severity, Instant timestamp, String hostname,
                            String appName, String procId, String msgId, List<Element> structuredData, String message) {

    /** The syslog dialect of a message. */
    public enum Format {
        RFC5424, RFC3164,
        /** Not syslog at all (no {@code <PRI>}): kept as text so nothing is lost. */
        UNPARSED
    }

    /** An SD-ELEMENT: {@code [id name="value" ...]}, its values unescaped. */
    public record Element(String id, List<Param> params) {
    }

    /** One SD-PARAM. */
    public record Param(String name, String value) {
    }
}
