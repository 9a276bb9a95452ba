package io.larch.ingest.protocol.loki;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Loki push in its protobuf form: a {@code logproto.PushRequest} (once {@link LokiSnappy}
 * uncompressed it, as Promtail, Grafana Alloy and loki4j send it). The message is small, so its few fields are read
 * here with protobuf's {@link CodedInputStream} rather than through generated classes:
 * <pre>
 * PushRequest      { repeated StreamAdapter streams = 1; }
 * StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 * EntryAdapter     { google.protobuf.Timestamp timestamp = 1; string line = 2;
 *                    repeated LabelPairAdapter structuredMetadata = 3; }
 * LabelPairAdapter { string name = 1; string value = 2; }
 * Timestamp        { int64 seconds = 1; int32 nanos = 2; }
 * </pre>
 * Fields not listed (the stream hash, later additions) are skipped.
 */
public final class LokiProtobufPush {
    private static final int PUSH_STREAMS = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int STREAM_LABELS = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int STREAM_ENTRIES = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ENTRY_TIMESTAMP = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ENTRY_LINE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int ENTRY_METADATA = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int PAIR_NAME = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int PAIR_VALUE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int TIMESTAMP_SECONDS = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int TIMESTAMP_NANOS = tag(2, WireFormat.WIRETYPE_VARINT);

    private LokiProtobufPush() {
    }

    /** The streams of an uncompressed {@code PushRequest}, or {@link InvalidInputException} naming what is wrong. */
    public static List<LokiStream> decode(byte[] message) {
        CodedInputStream in = CodedInputStream.newInstance(message);
        List<LokiStream> streams = new ArrayList<>();
        int[] entriesRead = {0};
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == PUSH_STREAMS) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    streams.add(stream(in, "streams[" + streams.size() + "]", entriesRead));
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidInputException("body is not a protobuf Loki PushRequest: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidInputException("could not read the protobuf body: " + e.getMessage());
        }
        return streams;
    }

    private static LokiStream stream(CodedInputStream in, String where, int[] entriesRead) throws IOException {
        String labels = "";
        List<LokiEntry> entries = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == STREAM_LABELS) {
                labels = in.readString();
            } else if (tag == STREAM_ENTRIES) {
                if (++entriesRead[0] > io.larch.ingest.IngestLimits.MAX_PROTOCOL_RECORDS) {
                    throw io.larch.ingest.IngestLimits.tooManyRecords("entries");
                }
                int limit = in.pushLimit(in.readRawVarint32());
                entries.add(entry(in));
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        Map<String, String> parsed;
        try {
            parsed = LokiLabels.parse(labels);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ".labels: " + e.getMessage());
        }
        return new LokiStream(parsed, entries);
    }

    private static LokiEntry entry(CodedInputStream in) throws IOException {
        long nanos = 0;
        String line = "";
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == ENTRY_TIMESTAMP) {
                int limit = in.pushLimit(in.readRawVarint32());
                nanos = timestamp(in);
                in.popLimit(limit);
            } else if (tag == ENTRY_LINE) {
                line = in.readString();
            } else if (tag == ENTRY_METADATA) {
                int limit = in.pushLimit(in.readRawVarint32());
                pair(in, metadata);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return new LokiEntry(nanos, line, metadata);
    }

    /** Nanoseconds since the epoch; a time before 1970 or past 2262 becomes -1, which the mapping refuses. */
    private static long timestamp(CodedInputStream in) throws IOException {
        long seconds = 0;
        long nanos = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == TIMESTAMP_SECONDS) {
                seconds = in.readInt64();
            } else if (tag == TIMESTAMP_NANOS) {
                nanos = in.readInt32();
            } else {
                in.skipField(tag);
            }
        }
        if (seconds < 0 || nanos < 0 || seconds > Long.MAX_VALUE / 1_000_000_000L - 1) {
            return -1;
        }
        return seconds * 1_000_000_000L + nanos;
    }

    private static void pair(CodedInputStream in, Map<String, String> into) throws IOException {
        String name = "";
        String value = "";
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == PAIR_NAME) {
                name = in.readString();
            } else if (tag == PAIR_VALUE) {
                value = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        into.put(name, value);
    }

    private static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }
}
