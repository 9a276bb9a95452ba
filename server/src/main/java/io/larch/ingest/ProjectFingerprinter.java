package io.larch.ingest;

import java.util.function.LongFunction;

/**
 * The fingerprinter each project chose: {@code v1} (masking) or {@code template} (learned), or
 * the server's default when it chose none. The choice is looked up per event (a cached map read).
 */
public final class ProjectFingerprinter implements Fingerprinter {
    private final Fingerprinter serverDefault;
    private final Fingerprinter template;
    private final Fingerprinter masking;
    private final LongFunction<String> choice;

    /**
     * @param choice a project's choice, "template" or "v1", or null for the server's default
     */
    public ProjectFingerprinter(Fingerprinter serverDefault, Fingerprinter template, Fingerprinter masking,
                                LongFunction<String> choice) {
        this.serverDefault = serverDefault;
        this.template = template;
        this.masking = masking;
        this.choice = choice;
    }

    @Override
    public String fingerprint(long projectId, String source, String message, String stack) {
        String chosen = choice.apply(projectId);
        Fingerprinter fingerprinter = chosen == null ? serverDefault : chosen.equals("v1") ? masking : template;
        return fingerprinter.fingerprint(projectId, source, message, stack);
    }
}
