package io.larch.security;

/** Which address a request comes from, for per-address limits and the audit trail. */
public final class ClientAddress {
    /** Entries of X-Forwarded-For looked at, at most: a longer chain is not a real one. */
    static final int MAX_HOPS = 20;

    private ClientAddress() {
    }

    /**
     * The client: the direct peer, unless the peer is a trusted proxy; then the right-most
     * address in {@code X-Forwarded-For} that is not itself a trusted proxy (entries further left
     * were written by the client and prove nothing). A garbage entry ends the walk at the last
     * good address.
     */
    public static String resolve(String peerAddress, String forwardedFor, TrustedProxies trusted) {
        if (forwardedFor == null || trusted.isEmpty() || !trusted.contains(peerAddress)) {
            return peerAddress;
        }
        String client = peerAddress;
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_HOPS; i--, seen++) {
            String hop = hops[i].trim();
            if (TrustedProxies.literal(hop).isEmpty()) {
                return client;
            }
            client = hop;
            if (!trusted.contains(hop)) {
                return hop;
            }
        }
        return client;
    }

    /** The address a rate limit counts: an IPv4 address itself, an IPv6 address's /64 network. */
    static String rateLimitKey(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return address;
        }
        return TrustedProxies.literal(address).filter(bytes -> bytes.length == 16).map(bytes -> {
            StringBuilder network = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                network.append(Integer.toHexString((bytes[i] & 0xff) << 8 | bytes[i + 1] & 0xff)).append(':');
            }
            return network.append(":/64").toString();
        }).orElse(address);
    }
}
