package io.larch.logback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The backlog on disk: one NDJSON segment file per batch in a directory, named by a sequence
 * number, so the oldest batch is the lowest number and replay after a restart is in order. The
 * total size is bounded by {@code maxBytes}: adding a batch deletes the oldest segments beyond it
 * (their events are counted as dropped); the newest batch is always kept.
 *
 * <p>Crash safety: a segment is written under a temporary name and renamed into place, so a
 * segment seen at start is whole; a temporary file left by a crash is deleted at open (its
 * events were only in memory, so the JVM that died lost them anyway). A segment is deleted only
 * after Larch answered 2xx for it: a crash between the answer and the deletion sends that batch
 * again at the next start (at least once, never lost). Segments survive a JVM restart or crash;
 * they are not fsynced, so an operating-system crash may lose the last ones.
 *
 * <p>Threading: only the sender thread uses a spool (see {@link Backlog}); two appenders must not
 * share a directory.
 */
final class Spool implements Backlog {
    static final String SEGMENT_PREFIX = "segment-";
    static final String SEGMENT_SUFFIX = ".ndjson";
    static final String TEMPORARY_SUFFIX = ".tmp";
    private static final Pattern SEGMENT_NAME = Pattern.compile(Pattern.quote(SEGMENT_PREFIX) + "(\\d{20})"
            + Pattern.quote(SEGMENT_SUFFIX));

    private record Segment(Path file, long bytes, int events) {
    }

    private final Path directory;
    private final long maxBytes;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private long nextSequence;
    private long totalBytes;
    private long waitingEvents;
    private long droppedEvents;

    private Spool(Path directory, long maxBytes) {
        this.directory = directory;
        this.maxBytes = maxBytes;
    }

    /** Opens (creating it if needed) the spool in {@code directory}, finding the segments a previous run left. */
    static Spool open(Path directory, long maxBytes) throws IOException {
        Files.createDirectories(directory);
        Spool spool = new Spool(directory, maxBytes);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(TEMPORARY_SUFFIX)) {
                    Files.deleteIfExists(file);
                    continue;
                }
                Matcher matcher = SEGMENT_NAME.matcher(name);
                if (matcher.matches()) {
                    byte[] content = Files.readAllBytes(file);
                    spool.remember(Long.parseLong(matcher.group(1)), new Segment(file, content.length, countLines(content)));
                }
            }
        }
        spool.nextSequence = spool.segments.isEmpty() ? 1 : spool.segments.lastKey() + 1;
        return spool;
    }

    static String segmentName(long sequence) {
        return SEGMENT_PREFIX + String.format("%020d", sequence) + SEGMENT_SUFFIX;
    }

    @Override
    public boolean isEmpty() {
        return segments.isEmpty();
    }

    @Override
    public void add(List<String> batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (String line : batch) {
            text.append(line).append('\n');
        }
        byte[] content = text.toString().getBytes(StandardCharsets.UTF_8);
        long sequence = nextSequence++;
        Path file = directory.resolve(segmentName(sequence));
        Path temporary = directory.resolve(segmentName(sequence) + TEMPORARY_SUFFIX);
        Files.write(temporary, content);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        remember(sequence, new Segment(file, content.length, batch.size()));
        while (totalBytes > maxBytes && segments.size() > 1) {
            Map.Entry<Long, Segment> oldest = segments.firstEntry();
            droppedEvents += oldest.getValue().events();
            forget(oldest.getKey());
        }
    }

    @Override
    public List<String> oldest() throws IOException {
        if (segments.isEmpty()) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(segments.firstEntry().getValue().file(), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Override
    public void removeOldest() throws IOException {
        if (!segments.isEmpty()) {
            forget(segments.firstKey());
        }
    }

    @Override
    public long droppedEvents() {
        return droppedEvents;
    }

    @Override
    public long waitingEvents() {
        return waitingEvents;
    }

    /** Bytes of the segments on disk. */
    long bytes() {
        return totalBytes;
    }

    private void remember(long sequence, Segment segment) {
        segments.put(sequence, segment);
        totalBytes += segment.bytes();
        waitingEvents += segment.events();
    }

    private void forget(long sequence) throws IOException {
        Segment segment = segments.remove(sequence);
        totalBytes -= segment.bytes();
        waitingEvents -= segment.events();
        Files.deleteIfExists(segment.file());
    }

    private static int countLines(byte[] content) {
        int lines = 0;
        for (byte b : content) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
