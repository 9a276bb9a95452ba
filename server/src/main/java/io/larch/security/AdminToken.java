package io.larch.security;

import io.larch.meta.SettingRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The admin credential. It comes from {@code LARCH_ADMIN_TOKEN}, or is generated on the first
 * start, shown once, and kept only as a hash in the metadata database. A running server also
 * accepts a local token it writes into its data dir for the CLI on the same machine.
 */
public final class AdminToken {
    static final String SETTING = "admin_token_sha256";
    private final List<String> acceptedHashes;

    private AdminToken(List<String> acceptedHashes) {
        this.acceptedHashes = List.copyOf(acceptedHashes);
    }

    /**
     * Sets up the admin credential. The result carries the freshly generated token when one had
     * to be made, so the caller can print it once.
     */
    public static Bootstrap bootstrap(Optional<String> configured, SettingRepository settings) {
        if (configured.isPresent()) {
            return new Bootstrap(new AdminToken(List.of(Secrets.sha256Hex(configured.get()))), Optional.empty());
        }
        Optional<String> stored = settings.get(SETTING);
        if (stored.isPresent()) {
            return new Bootstrap(new AdminToken(List.of(stored.get())), Optional.empty());
        }
        String generated = ApiKeys.newAdminToken();
        boolean won = settings.putIfAbsent(SETTING, Secrets.sha256Hex(generated));
        String hash = settings.get(SETTING).orElseThrow();
        return new Bootstrap(new AdminToken(List.of(hash)), won ? Optional.of(generated) : Optional.empty());
    }

    /** A copy that also accepts {@code localToken}. */
    public AdminToken alsoAccepting(String localToken) {
        List<String> hashes = new ArrayList<>(acceptedHashes);
        hashes.add(Secrets.sha256Hex(localToken));
        return new AdminToken(hashes);
    }

    /** Whether {@code token} is an admin credential. */
    public boolean matches(String token) {
        String hash = Secrets.sha256Hex(token);
        boolean matched = false;
        for (String accepted : acceptedHashes) {
            matched |= Secrets.constantTimeEquals(accepted, hash);
        }
        return matched;
    }

    /** The admin credential and, on the very first start, the generated token to show once. */
    public record Bootstrap(AdminToken adminToken, Optional<String> generatedToken) {
    }
}
