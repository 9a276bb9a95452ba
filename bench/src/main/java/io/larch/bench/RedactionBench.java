package io.larch.bench;

import io.larch.security.RedactionKind;
import io.larch.security.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench redaction}: throughput of {@link Redactor#redact} on one thread, in MB/s of UTF-8
 * input, over (a) the raw Loghub lines (real logs, next to no secrets: the cost every event pays)
 * and (b) secret-dense lines (Loghub lines with one or two generated secrets of mixed kinds each:
 * the cost when redaction works). Also reports which share of Loghub lines and messages any
 * detector changes (on real logs without secrets, every change is a false positive) and how
 * many of the planted secrets were redacted.
 *
 * <p>Runs in this JVM, no server: the redactor is a pure function of its input.
 */
@Command(name = "redaction", description = "Redaction throughput (MB/s, one thread) on Loghub lines and on secret-dense lines.")
final class RedactionBench extends BenchMain.Common implements Callable<Integer> {
    /** Alphabets of the generated secrets. */
    private static final String DIGITS = "0123456789";
    private static final String UPPER_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS;
    private static final String ALPHANUMERIC = UPPER_ALPHANUMERIC + "abcdefghijklmnopqrstuvwxyz";
    private static final String BASE64 = ALPHANUMERIC + "+/";
    private static final String BASE64URL = ALPHANUMERIC + "-_";

    @Option(names = "--rounds", defaultValue = "5", description = "timed rounds per corpus")
    int rounds;

    @Option(names = "--round-seconds", defaultValue = "2", description = "length of one timed round")
    double roundSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "redaction before timing, per corpus (JIT)")
    double warmupSeconds;

    @Option(names = "--dense-lines", defaultValue = "20000", description = "secret-dense lines generated")
    int denseLines;

    @Option(names = "--seed", defaultValue = "42", description = "same seed, same secret-dense lines")
    long seed;

    /** Where the results' lengths go, so the JIT cannot drop calls whose results are otherwise unused. */
    private long sink;

    @Override
    public Integer call() throws Exception {
        if (loghub == null || !Files.isDirectory(loghub)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--loghub DIR is needed: the Loghub directory with <S>/<S>_2k.log files");
        }
        List<String> rawLines = loadRawLines(loghub);
        List<String> messages = EventGenerator.loadLoghub(loghub);
        DenseCorpus denseCorpus = secretDense(messages, denseLines, new Random(seed));
        List<String> dense = denseCorpus.lines();

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "redaction");
        results.put("threads", 1);
        results.put("options", Map.of("rounds", rounds, "roundSeconds", roundSeconds, "warmupSeconds", warmupSeconds,
                "denseLines", denseLines, "seed", seed));
        results.put("loghubRedacted", Map.of("rawLines", changed(rawLines), "messages", changed(messages)));
        results.put("denseRedacted", changed(dense));
        Map<String, Long> kinds = kindsFound(dense);
        results.put("denseSecretsPlanted", denseCorpus.secrets());
        results.put("denseSecretsRedacted", kinds.values().stream().mapToLong(Long::longValue).sum());
        results.put("denseKinds", kinds);
        Redactor redactor = Redactor.standard();
        Map<String, Object> loghubTiming = time("loghub raw lines", rawLines, redactor::redact);
        Map<String, Object> denseTiming = time("secret-dense lines", dense, redactor::redact);
        results.put("loghub", loghubTiming);
        results.put("dense", denseTiming);
        // Same run, same corpora: the usual way, one regular expression per kind applied in turn
        // (what a shipper's redaction filter is configured with), and a bare pass over the chars.
        RegexRedactor regexes = new RegexRedactor();
        results.put("regexPeer", Map.of("loghub", time("loghub raw lines, one regex per kind", rawLines, regexes::redact),
                "dense", time("secret-dense lines, one regex per kind", dense, regexes::redact)));
        results.put("charLoop", Map.of("loghub", time("loghub raw lines, a bare char loop", rawLines, RedactionBench::touch),
                "dense", time("secret-dense lines, a bare char loop", dense, RedactionBench::touch)));
        write(results);
        System.out.println(table(loghubTiming, denseTiming));
        return 0;
    }

    /** Warm-up, then {@link #rounds} rounds of whole passes over {@code lines}, each at least {@link #roundSeconds} long. */
    private Map<String, Object> time(String name, List<String> lines, UnaryOperator<String> redactor) {
        String[] corpus = lines.toArray(String[]::new);
        long bytes = utf8Bytes(lines);
        System.err.println("bench redaction: " + name + " (" + corpus.length + " lines, " + bytes + " bytes) ...");
        passesFor(redactor, corpus, warmupSeconds);
        double[] megabytesPerSecond = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long started = System.nanoTime();
            long passes = passesFor(redactor, corpus, roundSeconds);
            double seconds = (System.nanoTime() - started) / 1e9;
            megabytesPerSecond[round] = passes * bytes / 1e6 / seconds;
        }
        double[] sorted = megabytesPerSecond.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("corpus", name);
        timing.put("lines", corpus.length);
        timing.put("bytes", bytes);
        timing.put("mbPerSecondMedian", round1(median));
        timing.put("mbPerSecondMin", round1(sorted[0]));
        timing.put("mbPerSecondMax", round1(sorted[sorted.length - 1]));
        timing.put("mbPerSecondRounds", Arrays.stream(megabytesPerSecond).map(RedactionBench::round1).toArray());
        timing.put("linesPerSecondMedian", Math.round(median * 1e6 / bytes * corpus.length));
        timing.put("nanosPerLineMedian", round1(1e9 / (median * 1e6 / bytes * corpus.length)));
        return timing;
    }

    private long passesFor(UnaryOperator<String> redactor, String[] corpus, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long passes = 0;
        do {
            for (String line : corpus) {
                sink += redactor.apply(line).length();
            }
            passes++;
        } while (System.nanoTime() < deadline);
        return passes;
    }

    /** Reads every char once, the floor any scanner pays; returns the text when the sum is not impossible. */
    private static String touch(String text) {
        int sum = 0;
        for (int i = 0; i < text.length(); i++) {
            sum += text.charAt(i);
        }
        return sum == -1 ? "" : text;
    }

    /** How many lines any detector changes, their share, and the first few as examples. */
    private static Map<String, Object> changed(List<String> lines) {
        Redactor redactor = Redactor.standard();
        List<String> examples = new ArrayList<>();
        long changed = 0;
        for (String line : lines) {
            String redacted = redactor.redact(line);
            if (redacted != line) {
                changed++;
                if (examples.size() < 5) {
                    examples.add(redacted);
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("lines", lines.size());
        result.put("changed", changed);
        result.put("share", lines.isEmpty() ? 0 : (double) changed / lines.size());
        result.put("examples", examples);
        return result;
    }

    private static Map<String, Long> kindsFound(List<String> lines) {
        Redactor redactor = Redactor.standard();
        lines.forEach(redactor::redact);
        Map<String, Long> kinds = new LinkedHashMap<>();
        for (RedactionKind kind : RedactionKind.values()) {
            kinds.put(kind.wireName(), redactor.redactedCount(kind));
        }
        return kinds;
    }

    /** Every line of every {@code *.log} file under {@code dir}, as a shipper without parsing would send it. */
    static List<String> loadRawLines(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                lines.addAll(Files.readAllLines(log, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    /** Secret-dense lines and how many secrets were planted in them. */
    record DenseCorpus(List<String> lines, long secrets) {
    }

    /** {@code count} Loghub messages, each with one or two generated secrets put between two of its words. */
    static DenseCorpus secretDense(List<String> carriers, int count, Random random) {
        List<String> lines = new ArrayList<>(count);
        long planted = 0;
        for (int i = 0; i < count; i++) {
            List<String> words = new ArrayList<>(List.of(carriers.get(random.nextInt(carriers.size())).split(" ")));
            int secrets = 1 + random.nextInt(2);
            for (int s = 0; s < secrets; s++) {
                words.add(random.nextInt(words.size() + 1), secret(random));
            }
            planted += secrets;
            lines.add(String.join(" ", words));
        }
        return new DenseCorpus(lines, planted);
    }

    /** A secret of a random kind, in the notation it usually leaks in. */
    static String secret(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> "-----BEGIN RSA PRIVATE KEY-----\n" + chars(random, BASE64, 64) + "\n" + chars(random, BASE64, 64)
                    + "\n-----END RSA PRIVATE KEY-----";
            case 1 -> "Authorization: Bearer " + chars(random, ALPHANUMERIC, 32);
            case 2 -> "eyJhbGciOiJIUzI1NiJ9.eyJ" + chars(random, BASE64URL, 40) + "." + chars(random, BASE64URL, 43);
            case 3 -> "AKIA" + chars(random, UPPER_ALPHANUMERIC, 16);
            case 4 -> "aws_secret_access_key=" + chars(random, BASE64, 40);
            case 5 -> "ghp_" + chars(random, ALPHANUMERIC, 36);
            case 6 -> "glpat-" + chars(random, ALPHANUMERIC, 20);
            case 7 -> "xoxb-" + chars(random, DIGITS, 12) + "-" + chars(random, DIGITS, 13) + "-" + chars(random, ALPHANUMERIC, 24);
            case 8 -> "sk_live_" + chars(random, ALPHANUMERIC, 24);
            case 9 -> "AIza" + chars(random, BASE64URL, 35);
            case 10 -> "sk-proj-" + chars(random, ALPHANUMERIC, 46) + "7q";
            case 11 -> "postgres://app:" + chars(random, ALPHANUMERIC, 12) + "@db.internal:5432/orders";
            case 12 -> "password=" + chars(random, ALPHANUMERIC, 12);
            case 13 -> "{\"user\":\"bob\",\"password\":\"" + chars(random, ALPHANUMERIC, 12) + "\"}";
            case 14 -> "GET /callback?token=" + chars(random, ALPHANUMERIC, 24) + "&state=ok";
            default -> cardNumber(random);
        };
    }

    private static String chars(Random random, String alphabet, int count) {
        StringBuilder chars = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            chars.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return chars.toString();
    }

    /** A Visa number with a valid Luhn check digit, solid or in groups of four. */
    private static String cardNumber(Random random) {
        StringBuilder digits = new StringBuilder("4").append(chars(random, DIGITS, 14));
        int sum = 0;
        for (int i = digits.length() - 1, position = 0; i >= 0; i--, position++) {
            int digit = digits.charAt(i) - '0';
            // The check digit will be appended at the right, so the rightmost digit here is doubled.
            sum += position % 2 == 0 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit;
        }
        digits.append((10 - sum % 10) % 10);
        return random.nextBoolean() ? digits.toString() : digits.toString().replaceAll("(\\d{4})(?=\\d)", "$1 ");
    }

    private static long utf8Bytes(List<String> lines) {
        long bytes = 0;
        for (String line : lines) {
            bytes += line.getBytes(StandardCharsets.UTF_8).length;
        }
        return bytes;
    }

    private static double round1(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static String table(Map<String, Object> loghub, Map<String, Object> dense) {
        StringBuilder table = new StringBuilder("| corpus | lines | MB | MB/s median (min-max) | lines/s | ns/line |\n|---|---|---|---|---|---|\n");
        for (Map<String, Object> timing : List.of(loghub, dense)) {
            table.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f (%.0f-%.0f) | %,d | %.0f |%n", timing.get("corpus"),
                    (int) timing.get("lines"), (long) timing.get("bytes") / 1e6, (double) timing.get("mbPerSecondMedian"),
                    (double) timing.get("mbPerSecondMin"), (double) timing.get("mbPerSecondMax"),
                    (long) timing.get("linesPerSecondMedian"), (double) timing.get("nanosPerLineMedian")));
        }
        return table.toString();
    }
}
