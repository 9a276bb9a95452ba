package io.larch.bench;

import io.larch.cli.LoghubSample;
import io.larch.ingest.Fingerprinter;
import io.larch.ingest.MaskingFingerprinter;
import io.larch.ingest.TemplateFingerprinter;
import io.larch.ingest.fingerprint.TemplateExtractor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench fingerprint}: the fingerprinters alone, on one thread, over every Loghub message
 * (with its source) in file order: the first pass of a fresh fingerprinter (everything learned
 * from nothing), then the steady state (whole passes again after warm-up), for the template
 * extractor (v2) and masking (v1) in the same run.
 */
@Command(name = "fingerprint", description = "Fingerprint throughput (messages/s, one thread) on the Loghub samples, v2 against v1.")
final class FingerprintBench extends BenchMain.Common implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "5", description = "timed rounds")
    int rounds;

    @Option(names = "--round-seconds", defaultValue = "2", description = "length of one timed round")
    double roundSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "passes before timing (JIT)")
    double warmupSeconds;

    /** Where the results go, so the JIT cannot drop calls whose results are otherwise unused. */
    private long sink;

    private record Message(String source, String text) {
    }

    @Override
    public Integer call() throws Exception {
        if (loghub == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--loghub DIR is needed: the Loghub directory");
        }
        List<Message> messages = new ArrayList<>();
        for (LoghubSample sample : LoghubSample.readAll(loghub)) {
            sample.lines().forEach(line -> messages.add(new Message(line.source(), line.message())));
        }
        Message[] corpus = messages.toArray(Message[]::new);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "fingerprint");
        results.put("threads", 1);
        results.put("messages", corpus.length);
        Supplier<Fingerprinter> v2 = () -> new TemplateFingerprinter(new TemplateExtractor(TemplateExtractor.Options.DEFAULTS,
                Clock.systemUTC(), TemplateExtractor.Listener.NONE), TemplateFingerprinter.Aliases.NONE);
        results.put("template", measure("template (v2)", corpus, v2));
        results.put("masking", measure("masking (v1)", corpus, MaskingFingerprinter::new));
        write(results);
        System.out.println("| fingerprinter | first pass, msgs/s | steady state, msgs/s median (min-max) | ns/msg |");
        System.out.println("|---|---|---|---|");
        for (String name : List.of("template", "masking")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> timing = (Map<String, Object>) results.get(name);
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d (%,d-%,d) | %.0f |%n", timing.get("name"), timing.get("firstPass"),
                    timing.get("median"), timing.get("min"), timing.get("max"), 1e9 / (long) timing.get("median"));
        }
        return 0;
    }

    private Map<String, Object> measure(String name, Message[] corpus, Supplier<Fingerprinter> fresh) {
        System.err.println("bench fingerprint: " + name + " ...");
        // First passes of fresh fingerprinters, after the JIT has seen the code on earlier ones.
        long firstPass = 0;
        for (int i = 0; i < 5; i++) {
            Fingerprinter learning = fresh.get();
            long started = System.nanoTime();
            pass(learning, corpus);
            firstPass = Math.max(firstPass, Math.round(corpus.length / ((System.nanoTime() - started) / 1e9)));
        }
        Fingerprinter fingerprinter = fresh.get();
        passesFor(fingerprinter, corpus, warmupSeconds);
        long[] rates = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            long started = System.nanoTime();
            long passes = passesFor(fingerprinter, corpus, roundSeconds);
            rates[round] = Math.round(passes * corpus.length / ((System.nanoTime() - started) / 1e9));
        }
        long[] sorted = rates.clone();
        Arrays.sort(sorted);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("name", name);
        timing.put("firstPass", firstPass);
        timing.put("median", sorted[sorted.length / 2]);
        timing.put("min", sorted[0]);
        timing.put("max", sorted[sorted.length - 1]);
        timing.put("rounds", rates);
        return timing;
    }

    private long passesFor(Fingerprinter fingerprinter, Message[] corpus, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long passes = 0;
        do {
            pass(fingerprinter, corpus);
            passes++;
        } while (System.nanoTime() < deadline);
        return passes;
    }

    private void pass(Fingerprinter fingerprinter, Message[] corpus) {
        for (Message message : corpus) {
            sink += fingerprinter.fingerprint(1, message.source(), message.text(), null).length();
        }
    }
}
