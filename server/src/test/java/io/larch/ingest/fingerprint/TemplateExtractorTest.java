package io.larch.ingest.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.cli.GroupingAccuracy;
import io.larch.cli.LoghubSample;
import io.larch.ingest.MaskingFingerprinter;
import io.larch.ingest.TemplateFingerprinter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The template extractor on real logs (three Loghub samples with their ground truth, copied
 * into the test resources) and on adversarial input: grouping accuracy, stable fingerprints
 * across a restore, bounded memory, many threads.
 */
class TemplateExtractorTest {
    private static final Path LOGHUB = Path.of("src/test/resources/loghub");

    private static TemplateExtractor extractor() {
        return new TemplateExtractor(TemplateExtractor.Options.DEFAULTS, Clock.systemUTC(), TemplateExtractor.Listener.NONE);
    }

    private static LoghubSample sample(String system) throws Exception {
        return LoghubSample.read(system, LOGHUB.resolve(system).resolve(system + LoghubSample.SUFFIX));
    }

    private static List<String> fingerprints(TemplateExtractor extractor, LoghubSample sample) {
        List<String> predicted = new ArrayList<>();
        for (LoghubSample.Line line : sample.lines()) {
            predicted.add(extractor.match(1, line.source(), line.message()).fingerprint());
        }
        return predicted;
    }

    private static double ga(LoghubSample sample, List<String> predicted) {
        return GroupingAccuracy.of(sample.lines().stream().map(LoghubSample.Line::eventId).toList(), predicted);
    }

    @Test
    void groupsRealLogsLikeTheirGroundTruthAndBetterThanMasking() throws Exception {
        // Measured 0.998, 0.948 and 0.638 (Linux's ground truth splits by user name in one
        // template and merges users in another, and merges events across sources).
        double[] floors = {0.99, 0.93, 0.60};
        String[] systems = {"HDFS", "Android", "Linux"};
        for (int i = 0; i < systems.length; i++) {
            LoghubSample sample = sample(systems[i]);
            double learned = ga(sample, fingerprints(extractor(), sample));
            MaskingFingerprinter v1 = new MaskingFingerprinter();
            double masked = ga(sample, sample.lines().stream().map(l -> v1.fingerprint(1, l.source(), l.message(), null)).toList());
            assertTrue(learned >= floors[i], systems[i] + " GA " + learned);
            assertTrue(learned > masked, systems[i] + ": learned " + learned + " against masking " + masked);
        }
    }

    @Test
    void aRestoredExtractorGivesTheSameFingerprints() throws Exception {
        TemplateExtractor first = extractor();
        List<String> before = new ArrayList<>();
        for (String system : List.of("HDFS", "Linux")) {
            before.addAll(fingerprints(first, sample(system)));
        }
        TemplateExtractor restarted = extractor();
        restarted.restore(first.snapshot());
        List<String> after = new ArrayList<>();
        for (String system : List.of("HDFS", "Linux")) {
            after.addAll(fingerprints(restarted, sample(system)));
        }
        int differ = 0;
        for (int i = 0; i < before.size(); i++) {
            differ += before.get(i).equals(after.get(i)) ? 0 : 1;
        }
        assertEquals(0, differ, "lines whose fingerprint changed across the restore");
        assertEquals(first.templates(1).size(), restarted.templates(1).size(), "nothing new was learned");
    }

    @Test
    void aGroupKeepsItsFingerprintWhenItsTemplateGeneralizes() {
        TemplateExtractor extractor = extractor();
        LogTemplate alice = extractor.match(1, "auth", "user alice logged in from office");
        assertEquals("user alice logged in from office", alice.text());
        LogTemplate bob = extractor.match(1, "auth", "user bob logged in from office");
        assertEquals(alice.fingerprint(), bob.fingerprint());
        assertEquals("user <*> logged in from office", bob.text());
        assertNotEquals(alice.fingerprint(), extractor.match(1, "web", "user bob logged in from office").fingerprint(),
                "another source is another group");
        assertNotEquals(alice.fingerprint(), extractor.match(2, "auth", "user bob logged in from office").fingerprint(),
                "another project learns on its own");
        LogTemplate yes = extractor.match(1, "ui", "shouldBlockLocation ret:true");
        assertNotEquals(yes.fingerprint(), extractor.match(1, "ui", "shouldBlockLocation ret:false").fingerprint(),
                "true against false is an outcome, not a variable");
    }

    @Test
    void masksByTokenClassWithoutTakingWordsForAddresses() {
        assertEquals(List.of("at", "<*>", "from", "<*>", "rhost=<*>.<*>.<*>.<*>", "core.<*>"),
                List.of(MessageMasker.mask("at 10:15:30 from 10.0.0.1:8080 rhost=10.0.0.2 core.2275")));
        assertEquals(List.of("mac", "aa:bb:cc", "<*>"), List.of(MessageMasker.mask("mac aa:bb:cc blk_-1608999")),
                "no digits: a word, not an address");
        assertEquals(List.of("tag=<*>,", "name=x"), List.of(MessageMasker.mask("tag=\"View Lock\", name=x")));
        assertEquals(List.of("open", "<*>", "and", "<*>"),
                List.of(MessageMasker.mask("open /var/log/app.log and https://example.com/a?b=1")));
        assertEquals(List.of("at", "<*>", "<*>", "<*>", "<*>"), List.of(MessageMasker.mask("at Fri Jun 17 07:07:00")));
        assertEquals(List.of("id", "<*>"),
                List.of(MessageMasker.mask("id 123e4567-e89b-12d3-a456-426614174000")));
        assertEquals(0, MessageMasker.mask("   ").length);
        assertEquals(MessageMasker.MAX_TOKENS, MessageMasker.mask("w ".repeat(500)).length);
    }

    @Test
    void noSourceOrMessageContentPassesForAKeyBoundaryAndBlobsStaySmall() {
        TemplateExtractor extractor = extractor();
        assertNotEquals(extractor.match(1, "a\u0001b", "c").fingerprint(), extractor.match(1, "a", "b\u0001c").fingerprint());
        assertNotEquals(extractor.match(1, "a|b", "c").fingerprint(), extractor.match(1, "a", "b|c").fingerprint());
        extractor.match(1, "a", "x|3|y q");
        extractor.match(1, "a|2|x", "y q r");
        assertEquals(List.of("blob", "<*>"), List.of(MessageMasker.mask("blob " + "q".repeat(5000))));
        assertEquals(List.of("no", "break", "space"), List.of(MessageMasker.mask("no\u00a0break space")));
    }

    @Test
    void theStackTellsTwoThrowSitesOfOneMessageApart() {
        TemplateFingerprinter fingerprinter = new TemplateFingerprinter(extractor(), TemplateFingerprinter.Aliases.NONE);
        String here = "java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:10)\n\tat a.D.e(D.java:20)";
        String moved = "java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:12)\n\tat a.D.e(D.java:25)";
        String elsewhere = "java.lang.IllegalStateException: boom\n\tat x.Y.z(Y.java:10)";
        String first = fingerprinter.fingerprint(1, "api", "order 1 failed", here);
        assertEquals(first, fingerprinter.fingerprint(1, "api", "order 2 failed", moved), "line numbers do not count");
        assertNotEquals(first, fingerprinter.fingerprint(1, "api", "order 3 failed", elsewhere));
        assertNotEquals(first, fingerprinter.fingerprint(1, "api", "order 3 failed", null));
    }

    @Test
    void memoryStaysBoundedUnderAMillionDistinctRandomMessages() {
        TemplateExtractor extractor = new TemplateExtractor(new TemplateExtractor.Options(0.8, 1_000, 10_000),
                Clock.systemUTC(), TemplateExtractor.Listener.NONE);
        Random random = new Random(7);
        int maxTemplates = 0;
        for (int i = 0; i < 1_000_000; i++) {
            StringBuilder message = new StringBuilder();
            int words = 2 + random.nextInt(8);
            for (int w = 0; w < words; w++) {
                message.append(w == 0 ? "" : " ").append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36).replaceAll("[0-9]", ""));
            }
            extractor.match(1, "noise", message.toString());
            if (i % 10_000 == 0) {
                maxTemplates = Math.max(maxTemplates, extractor.templateCount(1));
                assertTrue(extractor.rememberedMessages(1) <= 10_000, "remembered " + extractor.rememberedMessages(1));
            }
        }
        assertTrue(maxTemplates <= 1_000, "templates " + maxTemplates);
        assertTrue(extractor.templateCount(1) <= 1_000 && extractor.templateCount(1) > 800, "the cap is used, not undercut: "
                + extractor.templateCount(1));
    }

    @Test
    void threadsFeedingTheSameStreamEachGetTheAnswerOfOneThread() throws Exception {
        List<LoghubSample.Line> lines = new ArrayList<>();
        for (String system : List.of("HDFS", "Android", "Linux")) {
            lines.addAll(sample(system).lines());
        }
        TemplateExtractor alone = extractor();
        List<String> sequential = lines.stream().map(l -> alone.match(1, l.source(), l.message()).fingerprint()).toList();
        for (int attempt = 0; attempt < 3; attempt++) {
            TemplateExtractor shared = extractor();
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<String>>> answers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    answers.add(threads.submit(() -> lines.stream()
                            .map(l -> shared.match(1, l.source(), l.message()).fingerprint()).toList()));
                }
                for (Future<List<String>> answer : answers) {
                    assertEquals(sequential, answer.get());
                }
            } finally {
                threads.shutdownNow();
            }
            assertEquals(alone.templates(1).size(), shared.templates(1).size());
        }
    }
}
