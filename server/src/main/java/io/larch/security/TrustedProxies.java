package io.larch.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reverse proxies whose {@code X-Forwarded-For} is believed: IP addresses and CIDR ranges, IPv4
 * and IPv6. Only literals are parsed, never a host name (no DNS lookup, ever). Immutable.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());
    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses "10.0.0.1, 192.168.0.0/16, fd00::/8".
     *
     * @throws IllegalArgumentException naming the first entry that is not an IP or CIDR
     */
    public static TrustedProxies parse(String commaSeparated) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : commaSeparated.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("/", -1);
            byte[] address = literal(parts[0]).orElseThrow(() -> new IllegalArgumentException(
                    "'" + trimmed + "' is not an IP address or CIDR range like 10.0.0.0/8 or fd00::/8"));
            int bits = address.length * 8;
            if (parts.length == 2) {
                try {
                    bits = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    bits = -1;
                }
            }
            if (parts.length > 2 || bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("'" + trimmed + "' has a bad prefix length (0-" + address.length * 8 + ")");
            }
            ranges.add(new Range(address, bits));
        }
        return new TrustedProxies(ranges);
    }

    /** Whether {@code address} (a literal) is one of the trusted proxies. */
    public boolean contains(String address) {
        if (ranges.isEmpty()) {
            return false;
        }
        Optional<byte[]> bytes = literal(address);
        return bytes.isPresent() && ranges.stream().anyMatch(r -> r.contains(bytes.get()));
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 read as IPv4); empty for anything else. */
    static Optional<byte[]> literal(String text) {
        String candidate = text.trim();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        boolean ipv4 = candidate.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = candidate.indexOf(':') >= 0 && candidate.length() <= 45 && candidate.matches("[0-9A-Fa-f:.]+");
        if (!ipv4 && !ipv6) {
            return Optional.empty();
        }
        if (ipv4) {
            // Checked here: a dotted quad Java cannot parse (999.1.1.1) would be looked up as a host name.
            for (String octet : candidate.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return Optional.empty();
                }
            }
        }
        try {
            // A literal of this shape is parsed, not looked up.
            return Optional.of(InetAddress.getByName(candidate).getAddress());
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    private record Range(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
