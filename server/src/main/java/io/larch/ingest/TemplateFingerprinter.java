package io.larch.ingest;

import io.larch.ingest.fingerprint.LogTemplate;
import io.larch.ingest.fingerprint.TemplateExtractor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fingerprint v2: the group a {@link TemplateExtractor} learned for the message (per project and
 * source); for an event with a stack, a hash of that group and the top frames (without line
 * numbers), so one message thrown from two places is two groups.
 */
public final class TemplateFingerprinter implements Fingerprinter {
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    });
    /** Told of each fingerprint made of a template and stack frames, with that template (so its text is recorded). */
    public interface Aliases {
        Aliases NONE = (projectId, fingerprint, template) -> { };

        void alias(long projectId, String fingerprint, LogTemplate template);
    }

    private final TemplateExtractor extractor;
    private final Aliases aliases;

    public TemplateFingerprinter(TemplateExtractor extractor, Aliases aliases) {
        this.extractor = extractor;
        this.aliases = aliases;
    }

    @Override
    public String fingerprint(long projectId, String source, String message, String stack) {
        LogTemplate template = extractor.match(projectId, source, message);
        if (stack == null || stack.isBlank()) {
            return template.fingerprint();
        }
        String frames = MaskingFingerprinter.topFrames(stack);
        if (frames.isEmpty()) {
            return template.fingerprint();
        }
        byte[] digest = SHA1.get().digest((template.fingerprint() + '\n' + frames).getBytes(StandardCharsets.UTF_8));
        String fingerprint = HexFormat.of().formatHex(digest);
        aliases.alias(projectId, fingerprint, template);
        return fingerprint;
    }

    public TemplateExtractor extractor() {
        return extractor;
    }
}
