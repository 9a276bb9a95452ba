package io.larch.ingest.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Learns message templates online, per project and source, in the manner of Drain (He et al.,
 * ICWS 2017) with one generic configuration: a message is masked ({@link MessageMasker}), then
 * compared with the templates of the same source, token count and first token; the most similar
 * one at or above {@link Options#similarity} (share of positions where the template has a
 * variable or the message's token) takes it, and the positions where they differ become
 * variables; so does one whose message differs in one token only, from four tokens on. Otherwise
 * it starts a new group. Two tokens that differ only in {@code true} against
 * {@code false} are never merged: an outcome is not a variable. The defaults were chosen on the
 * eight Loghub samples as one setting for all (see BENCHMARKS.md).
 *
 * <p>Bounded: at most {@link Options#maxTemplatesPerProject} groups per project (the least
 * recently matched tenth is evicted past it) and {@link Options#exactCacheEntries} remembered
 * masked messages per project (cleared when full).
 *
 * <p>Threading: any number of threads. A masked message seen before is answered from a
 * concurrent map without a lock; learning takes the project's lock. For one input order the
 * groups are deterministic; concurrent callers see some order of their messages, and a
 * message's group can depend on which of two similar messages came first.
 */
public final class TemplateExtractor {
    /**
     * @param similarity             share of equal tokens for a message to join a group
     * @param maxTemplatesPerProject groups kept per project
     * @param exactCacheEntries      masked messages remembered per project for the lock-free path
     */
    public record Options(double similarity, int maxTemplatesPerProject, int exactCacheEntries) {
        public static final Options DEFAULTS = new Options(0.8, 10_000, 20_000);
    }

    /** Told of every group made or widened, under the project's lock (keep it short; do not call back). */
    public interface Listener {
        Listener NONE = (projectId, template) -> { };

        void changed(long projectId, LogTemplate template);
    }

    /** A group as saved: what {@link #restore} needs to give the same fingerprints again. */
    public record Saved(long projectId, String fingerprint, String source, String template, long firstSeen, long serial) {
    }

    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    });

    /** Masked messages (with their source) longer than this are not remembered for the lock-free path. */
    static final int MAX_CACHED_KEY = 1024;
    /** Messages of at least this many tokens join a group they differ from in one token only. */
    static final int ONE_OFF_MIN_TOKENS = 4;
    /** The key buffer of each thread: source, then the masked message. */
    private static final ThreadLocal<StringBuilder> KEY = ThreadLocal.withInitial(() -> new StringBuilder(256));
    private final Options options;
    private final Clock clock;
    private final Listener listener;
    private final ConcurrentHashMap<Long, ProjectTemplates> projects = new ConcurrentHashMap<>();

    public TemplateExtractor(Options options, Clock clock, Listener listener) {
        if (options.similarity() <= 0 || options.similarity() > 1) {
            throw new IllegalArgumentException("similarity must be in (0, 1], got " + options.similarity());
        }
        this.options = options;
        this.clock = clock;
        this.listener = listener;
    }

    /** The group of {@code message} (learning from it); {@code source} may be null. */
    public LogTemplate match(long projectId, String source, String message) {
        ProjectTemplates project = projects.get(projectId);
        if (project == null) {
            project = projects.computeIfAbsent(projectId, ProjectTemplates::new);
        }
        StringBuilder buffer = KEY.get();
        buffer.setLength(0);
        // The source's length first, so no source or message content can pass for a boundary.
        if (source != null) {
            buffer.append(source.length()).append(':').append(source);
        }
        buffer.append('|');
        int prefix = buffer.length();
        int count = MessageMasker.maskInto(message, buffer);
        long hash = hash(buffer);
        Remembered remembered = project.exact.get(hash);
        LogTemplate known = remembered != null && remembered.key().contentEquals(buffer) ? remembered.template() : null;
        if (known != null) {
            long tick = project.tick;
            if (known.lastUsed != tick) {
                known.lastUsed = tick;
            }
            return known;
        }
        String key = buffer.toString();
        String[] tokens = MessageMasker.tokensOf(key, prefix, count);
        synchronized (project) {
            LogTemplate learned = project.learn(source, tokens);
            if (key.length() <= MAX_CACHED_KEY) {
                // Longer ones are learned again each time (a bucket scan): memory stays bounded.
                if (project.exact.size() >= options.exactCacheEntries()) {
                    project.exact.clear();
                }
                project.exact.put(hash, new Remembered(key, learned));
            }
            return learned;
        }
    }

    /** Groups of {@code projectId} now, most recently matched first. */
    public List<LogTemplate> templates(long projectId) {
        ProjectTemplates project = projects.get(projectId);
        if (project == null) {
            return List.of();
        }
        synchronized (project) {
            List<LogTemplate> all = project.all();
            all.sort(Comparator.comparingLong((LogTemplate t) -> -t.lastUsed));
            return all;
        }
    }

    /** How many groups {@code projectId} has now. */
    public int templateCount(long projectId) {
        ProjectTemplates project = projects.get(projectId);
        if (project == null) {
            return 0;
        }
        synchronized (project) {
            return project.count;
        }
    }

    /** How many masked messages of {@code projectId} the lock-free path remembers now. */
    int rememberedMessages(long projectId) {
        ProjectTemplates project = projects.get(projectId);
        return project == null ? 0 : project.exact.size();
    }

    /** Every group of every project, to save. */
    public List<Saved> snapshot() {
        List<Saved> saved = new ArrayList<>();
        for (Map.Entry<Long, ProjectTemplates> entry : projects.entrySet()) {
            synchronized (entry.getValue()) {
                for (LogTemplate template : entry.getValue().all()) {
                    saved.add(new Saved(entry.getKey(), template.fingerprint(), template.source(), template.text(),
                            template.firstSeen(), template.serial()));
                }
            }
        }
        saved.sort(Comparator.comparingLong(Saved::projectId).thenComparingLong(Saved::serial));
        return saved;
    }

    /**
     * Starts from saved groups (before any {@link #match}): the same messages then get the same
     * fingerprints as before the save. Groups beyond the cap are left out, oldest first.
     */
    public void restore(List<Saved> saved) {
        Map<Long, List<Saved>> byProject = new HashMap<>();
        saved.forEach(s -> byProject.computeIfAbsent(s.projectId(), p -> new ArrayList<>()).add(s));
        byProject.forEach((projectId, groups) -> {
            ProjectTemplates project = projects.computeIfAbsent(projectId, ProjectTemplates::new);
            groups.sort(Comparator.comparingLong(Saved::serial));
            List<Saved> kept = groups.subList(Math.max(0, groups.size() - options.maxTemplatesPerProject()), groups.size());
            synchronized (project) {
                for (Saved group : kept) {
                    String[] tokens = group.template().isEmpty() ? new String[0] : group.template().split(" ", -1);
                    project.add(new LogTemplate(group.fingerprint(), group.source(), tokens, group.firstSeen(), group.serial(),
                            project.tick));
                    project.serials = Math.max(project.serials, group.serial() + 1);
                }
            }
        });
    }

    /** The groups of one project, bucketed by source, token count and first token. */
    private final class ProjectTemplates {
        final long projectId;
        /** Masked messages seen, by a 64-bit hash of the key (the key is compared too: a collision is a miss). */
        final ConcurrentHashMap<Long, Remembered> exact = new ConcurrentHashMap<>();
        final Map<String, List<LogTemplate>> buckets = new HashMap<>();
        int count;
        /** Bumped on every learning step; the lock-free path stamps matched groups with it. */
        volatile long tick;
        /** The serial of the next group made. */
        long serials;

        ProjectTemplates(long projectId) {
            this.projectId = projectId;
        }

        LogTemplate learn(String source, String[] tokens) {
            tick++;
            List<LogTemplate> bucket = buckets.computeIfAbsent(bucketKey(source, tokens), k -> new ArrayList<>());
            LogTemplate best = null;
            double bestSimilarity = -1;
            int bestVariables = Integer.MAX_VALUE;
            for (LogTemplate candidate : bucket) {
                String[] known = candidate.tokens();
                if (known.length != tokens.length) {
                    continue; // cannot happen with the bucket key; a guard against an index past the end
                }
                int equal = 0;
                int variables = 0;
                boolean opposite = false;
                for (int i = 0; i < known.length; i++) {
                    if (known[i] == MessageMasker.VARIABLE || known[i].equals(MessageMasker.VARIABLE)) {
                        variables++;
                    } else if (known[i].equals(tokens[i])) {
                        equal++;
                    } else if (oppositeFlags(known[i], tokens[i])) {
                        opposite = true;
                    }
                }
                if (opposite) {
                    continue;
                }
                // A variable of the template matches any token (unlike Drain's, which counts it
                // as a difference): a group that learned its variables keeps taking its messages.
                double similarity = known.length == 0 ? 1 : (double) (equal + variables) / known.length;
                // Ties go to the most specific template (fewest variables), then to the group made
                // first (buckets keep that order): the group a message made itself keeps it,
                // however far a similar group has generalized since, so a restored extractor
                // answers like the one saved.
                if (similarity > bestSimilarity || (similarity == bestSimilarity && variables < bestVariables)) {
                    best = candidate;
                    bestSimilarity = similarity;
                    bestVariables = variables;
                }
            }
            // One differing word in four or more is a variable too ("user alice logged in",
            // "user bob logged in"), however short the message.
            boolean oneWordOff = tokens.length >= ONE_OFF_MIN_TOKENS
                    && bestSimilarity >= (tokens.length - 1) / (double) tokens.length;
            if (best != null && (bestSimilarity >= options.similarity() || oneWordOff)) {
                String[] known = best.tokens();
                String[] wider = null;
                for (int i = 0; i < known.length; i++) {
                    if (!known[i].equals(tokens[i]) && !known[i].equals(MessageMasker.VARIABLE)) {
                        if (wider == null) {
                            wider = known.clone();
                        }
                        wider[i] = MessageMasker.VARIABLE;
                    }
                }
                best.lastUsed = tick;
                if (wider != null) {
                    best.generalize(wider);
                    listener.changed(projectId, best);
                }
                return best;
            }
            LogTemplate made = new LogTemplate(fingerprintOf(source, tokens), source, tokens, clock.millis(), serials++, tick);
            bucket.add(made);
            count++;
            listener.changed(projectId, made);
            if (count > options.maxTemplatesPerProject()) {
                evict();
            }
            return made;
        }

        void add(LogTemplate template) {
            buckets.computeIfAbsent(bucketKey(template.source(), template.tokens()), k -> new ArrayList<>()).add(template);
            count++;
        }

        List<LogTemplate> all() {
            List<LogTemplate> all = new ArrayList<>(count);
            buckets.values().forEach(all::addAll);
            return all;
        }

        /** Drops the least recently matched tenth of the groups (and the remembered messages of them). */
        private void evict() {
            List<LogTemplate> all = all();
            all.sort(Comparator.comparingLong(t -> t.lastUsed));
            int drop = Math.max(1, all.size() / 10);
            Set<LogTemplate> dropped = new HashSet<>(all.subList(0, drop));
            buckets.values().forEach(bucket -> bucket.removeIf(dropped::contains));
            buckets.values().removeIf(List::isEmpty);
            exact.values().removeIf(r -> dropped.contains(r.template()));
            count -= drop;
        }
    }

    /**
     * True when two tokens differ only in a {@code true} against a {@code false}
     * ({@code ret:true}, {@code ret:false}): an outcome, not a variable, so the messages are two events.
     */
    static boolean oppositeFlags(String a, String b) {
        return a.length() != b.length() && (a.contains("true") || a.contains("false"))
                && a.replace("true", "false").equals(b.replace("true", "false"));
    }

    /** A masked message's key and the group it went to. */
    record Remembered(String key, LogTemplate template) {
    }

    /** A 64-bit FNV-1a-style hash of the key buffer, without making a String of it. */
    private static long hash(CharSequence key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = key.length(); i < n; i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** Source, token count and first token: messages of other shapes are never compared. */
    private static String bucketKey(String source, String[] tokens) {
        String first = tokens.length == 0 ? "" : tokens[0];
        return (source == null ? "-" : source.length() + ":" + source) + '|' + tokens.length + '|' + first;
    }

    /** The fingerprint a new group gets: SHA-1 (hex) of its source and first masked message. */
    static String fingerprintOf(String source, String[] tokens) {
        String text = (source == null ? "" : source) + '\n' + String.join(" ", tokens);
        return HexFormat.of().formatHex(SHA1.get().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
