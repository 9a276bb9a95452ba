package io.larch.logback;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which share of each level's events is sent (1 = all, 0 = none, 0.1 = one in ten at random).
 * A level without a rate is sent in full. Immutable, so the application threads read the current
 * one without locking while the sender thread replaces it after reading the server's defaults.
 */
final class Sampling {
    static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "fatal");
    static final Sampling KEEP_ALL = new Sampling(Map.of());

    private final Map<String, Double> rates;

    private Sampling(Map<String, Double> rates) {
        this.rates = Map.copyOf(rates);
    }

    /**
     * Parses the appender's {@code sampling} setting: {@code level=rate} pairs separated by commas
     * or spaces, e.g. {@code debug=0.1, trace=0}.
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    static Sampling parse(String text) {
        Map<String, Double> rates = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return KEEP_ALL;
        }
        for (String pair : text.trim().split("[,\\s]+")) {
            int equals = pair.indexOf('=');
            String level = equals < 0 ? pair : pair.substring(0, equals).trim().toLowerCase(Locale.ROOT);
            if (equals < 0 || !LEVELS.contains(level)) {
                throw new IllegalArgumentException("sampling: '" + pair + "' is not level=rate with a level of " + LEVELS);
            }
            rates.put(level, rate(pair, pair.substring(equals + 1).trim()));
        }
        return new Sampling(rates);
    }

    /** Rates from the server ({@code GET /api/client-config}), invalid entries left out. */
    static Sampling of(Map<String, Double> serverRates) {
        Map<String, Double> rates = new LinkedHashMap<>();
        serverRates.forEach((level, rate) -> {
            if (LEVELS.contains(level) && rate != null && rate >= 0 && rate <= 1) {
                rates.put(level, rate);
            }
        });
        return new Sampling(rates);
    }

    /** These rates, with {@code overrides}' rates in place of ours for the levels it names. */
    Sampling overriddenBy(Sampling overrides) {
        Map<String, Double> merged = new LinkedHashMap<>(rates);
        merged.putAll(overrides.rates);
        return new Sampling(merged);
    }

    /** The share of {@code level}'s events sent. */
    double rate(String level) {
        return rates.getOrDefault(level, 1.0);
    }

    /** Whether to send one event of {@code level}, given a uniform random number in [0, 1). */
    boolean keep(String level, double random) {
        double rate = rate(level);
        return rate >= 1 || random < rate;
    }

    private static double rate(String pair, String text) {
        try {
            double rate = Double.parseDouble(text);
            if (rate >= 0 && rate <= 1) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("sampling: the rate in '" + pair + "' must be a number from 0 to 1");
    }

    @Override
    public String toString() {
        return rates.toString();
    }
}
