package io.larch.security;

import io.larch.model.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Whether a project's ingest requests must carry an HMAC signature; see {@link RequestSignatures}. */
public enum SigningMode {
    /** Signature headers are ignored, even a wrong signature. */
    OFF,
    /** An unsigned request passes; a request with either signature header must verify fully. */
    OPTIONAL,
    /** Every request must carry both headers and a signature that verifies. */
    REQUIRED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code text} (case and surrounding spaces ignored); otherwise an error listing the valid names. */
    public static SigningMode parse(String text) {
        String wanted = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (SigningMode mode : values()) {
            if (mode.wireName().equals(wanted)) {
                return mode;
            }
        }
        String valid = Arrays.stream(values()).map(SigningMode::wireName).collect(Collectors.joining(", "));
        throw new InvalidInputException("signing mode '" + text + "' is not one of: " + valid);
    }
}
