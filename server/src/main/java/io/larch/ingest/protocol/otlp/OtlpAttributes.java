package io.larch.ingest.protocol.otlp;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * OTLP attributes as Larch attrs: nested key-value lists flattened with '.' between the keys,
 * arrays (and whatever is nested deeper than Larch flattens) as JSON text, bytes as base64,
 * numbers and booleans kept as such.
 */
final class OtlpAttributes {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The same depth Larch's own ingest flattens to; deeper maps stay one JSON value. */
    private static final int MAX_FLATTEN_DEPTH = 8;

    private OtlpAttributes() {
    }

    /** Adds {@code attributes} to {@code out} (String, Long, Double or Boolean values); keys already in {@code out} win. */
    static void flattenInto(List<KeyValue> attributes, Map<String, Object> out) {
        for (KeyValue attribute : attributes) {
            flattenValue(attribute.getKey(), attribute.getValue(), out, 0);
        }
    }

    private static void flattenValue(String key, AnyValue value, Map<String, Object> out, int depth) {
        if (value.getValueCase() == AnyValue.ValueCase.KVLIST_VALUE && depth < MAX_FLATTEN_DEPTH) {
            for (KeyValue nested : value.getKvlistValue().getValuesList()) {
                flattenValue(key + "." + nested.getKey(), nested.getValue(), out, depth + 1);
            }
            return;
        }
        Object scalar = scalar(value);
        if (scalar != null) {
            out.putIfAbsent(key, scalar);
        }
    }

    /** One value as a Larch attr value; null for an empty value (an attribute without a value is no attr). */
    private static Object scalar(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case INT_VALUE -> value.getIntValue();
            // NaN and infinities have no JSON number: their text instead.
            case DOUBLE_VALUE -> Double.isFinite(value.getDoubleValue()) ? value.getDoubleValue()
                    : Double.toString(value.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            case ARRAY_VALUE, KVLIST_VALUE -> toJsonText(value);
            // An index into a profile's string table, meaningless outside profiles: OTLP says to treat it as absent.
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> null;
        };
    }

    /** A log body as a message: a string as it is, anything else as JSON text; null when empty. */
    static String bodyText(AnyValue body) {
        return switch (body.getValueCase()) {
            case STRING_VALUE -> body.getStringValue();
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> null;
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(body.getBytesValue().toByteArray());
            case BOOL_VALUE, INT_VALUE, DOUBLE_VALUE -> String.valueOf(scalar(body));
            case ARRAY_VALUE, KVLIST_VALUE -> toJsonText(body);
        };
    }

    /** The plain JSON a value stands for ({@code {"a":1,"b":[true]}}), not the OTLP/JSON wrapper objects. */
    static String toJsonText(AnyValue value) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(text)) {
            writeJson(json, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static void writeJson(JsonGenerator json, AnyValue value) throws IOException {
        switch (value.getValueCase()) {
            case STRING_VALUE -> json.writeString(value.getStringValue());
            case BOOL_VALUE -> json.writeBoolean(value.getBoolValue());
            case INT_VALUE -> json.writeNumber(value.getIntValue());
            case DOUBLE_VALUE -> {
                if (Double.isFinite(value.getDoubleValue())) {
                    json.writeNumber(value.getDoubleValue());
                } else {
                    json.writeString(Double.toString(value.getDoubleValue()));
                }
            }
            case BYTES_VALUE -> json.writeString(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                json.writeStartArray();
                for (AnyValue element : value.getArrayValue().getValuesList()) {
                    writeJson(json, element);
                }
                json.writeEndArray();
            }
            case KVLIST_VALUE -> {
                json.writeStartObject();
                for (KeyValue entry : value.getKvlistValue().getValuesList()) {
                    json.writeFieldName(entry.getKey());
                    writeJson(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> json.writeNull();
        }
    }
}
