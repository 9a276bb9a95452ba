package io.larch.cli;

import io.larch.ingest.Fingerprinter;
import io.larch.ingest.MaskingFingerprinter;
import io.larch.ingest.TemplateFingerprinter;
import io.larch.ingest.fingerprint.TemplateExtractor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code larch fingerprint-eval DIR [--out DIR2]}: how well fingerprints group real logs, as
 * grouping accuracy against the ground truth of every {@code DIR/<S>/<S>_2k.log_structured.csv}
 * (message = Content, source = Component, in file order; a fresh fingerprinter per system).
 */
@Command(name = "fingerprint-eval", mixinStandardHelpOptions = true,
        description = "Grouping accuracy of fingerprints on samples laid out like Loghub's (DIR/<S>/<S>_2k.log_structured.csv).")
final class FingerprintEvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "a directory of <S>/<S>_2k.log_structured.csv samples")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR2", description = "write DIR2/<S>.csv with LineId,fingerprint for every line")
    Path out;

    @Option(names = "--fingerprinter", defaultValue = "template",
            description = "template (learned templates, the default) or v1 (masking only)")
    String fingerprinter;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (!fingerprinter.equals("template") && !fingerprinter.equals("v1")) {
            stderr.println("--fingerprinter: expected template or v1, got '" + fingerprinter + "'");
            return 2;
        }
        if (!Files.isDirectory(dir)) {
            stderr.println(dir + " is not a directory; give one holding <S>/<S>_2k.log_structured.csv samples");
            return 2;
        }
        List<LoghubSample> samples = LoghubSample.readAll(dir);
        if (samples.isEmpty()) {
            stderr.println("no <S>/<S>" + LoghubSample.SUFFIX + " under " + dir);
            return 2;
        }
        if (out != null) {
            Files.createDirectories(out);
        }
        stdout.printf(Locale.ROOT, "%-12s %7s %8s %8s %12s%n", "system", "lines", "groups", "GA", "messages/s");
        double sum = 0;
        long lines = 0;
        long nanos = 0;
        for (LoghubSample sample : samples) {
            Fingerprinter fingerprints = fingerprinter.equals("v1") ? new MaskingFingerprinter()
                    : new TemplateFingerprinter(new TemplateExtractor(TemplateExtractor.Options.DEFAULTS, Clock.systemUTC(),
                    TemplateExtractor.Listener.NONE), TemplateFingerprinter.Aliases.NONE);
            List<String> truth = new ArrayList<>(sample.lines().size());
            List<String> predicted = new ArrayList<>(sample.lines().size());
            long start = System.nanoTime();
            for (LoghubSample.Line line : sample.lines()) {
                predicted.add(fingerprints.fingerprint(1, line.source(), line.message(), null));
            }
            long took = System.nanoTime() - start;
            sample.lines().forEach(line -> truth.add(line.eventId()));
            double ga = GroupingAccuracy.of(truth, predicted);
            sum += ga;
            lines += sample.lines().size();
            nanos += took;
            stdout.printf(Locale.ROOT, "%-12s %7d %8d %8.3f %12.0f%n", sample.system(), sample.lines().size(),
                    predicted.stream().distinct().count(), ga, sample.lines().size() / (took / 1e9));
            if (out != null) {
                write(out.resolve(sample.system() + ".csv"), sample, predicted);
            }
        }
        stdout.printf(Locale.ROOT, "%-12s %7d %8s %8.3f %12.0f%n", "mean", lines, "", sum / samples.size(),
                lines / (nanos / 1e9));
        stdout.flush();
        return 0;
    }

    private static void write(Path file, LoghubSample sample, List<String> predicted) throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer.write("LineId,fingerprint\n");
            for (int i = 0; i < predicted.size(); i++) {
                writer.write(sample.lines().get(i).lineId() + "," + predicted.get(i) + "\n");
            }
        }
    }
}
