package io.larch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a process on this machine uses, read from {@code /proc/<pid>} (Linux) and from
 * {@code jcmd} for the Java heap: the server's JVM has no Micrometer JVM binders, so
 * {@code /metrics} does not say. Returns -1 where a number cannot be read.
 */
final class ServerUsage {
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total.*?committed (\\d+)K, used (\\d+)K");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final long CLOCK_TICKS_PER_SECOND = clockTicks();

    private ServerUsage() {
    }

    /** CPU time (user + system) the process has used so far, in seconds. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) may hold spaces; fields after its ')' are plain.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU seconds so far of each thread of the process, keyed "tid name" (the name as the kernel has it: 15 chars). */
    static Map<String, Double> threadCpuSeconds(long pid) {
        Map<String, Double> threads = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS_PER_SECOND;
                    threads.put(task.getFileName() + " " + name, seconds);
                } catch (IOException | RuntimeException threadGone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return threads;
        }
        return threads;
    }

    /** The {@code limit} threads that used most CPU between two {@link #threadCpuSeconds} readings, as shares of one core. */
    static Map<String, Double> busiestThreads(Map<String, Double> before, Map<String, Double> after, double seconds, int limit) {
        Map<String, Double> busiest = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .limit(limit)
                .forEach(e -> busiest.put(e.getKey(), Math.round(e.getValue() / seconds * 100) / 100.0));
        return busiest;
    }

    /** The machine's load averages over 1, 5 and 15 minutes ({@code /proc/loadavg}): how much else ran. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** A field of {@code /proc/<pid>/status} in its first number ("VmRSS", in kB; "Threads"). */
    static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static long rssBytes(long pid) {
        long kilobytes = status(pid, "VmRSS");
        return kilobytes < 0 ? -1 : kilobytes * 1024;
    }

    static long threads(long pid) {
        return status(pid, "Threads");
    }

    /** Open file descriptors of the process (sockets included). */
    static long openFiles(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The soft limit on open files ({@code ulimit -n}) the process runs with. */
    static long maxOpenFiles(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Bytes waiting in the kernel's queues of the TCP connections to {@code serverPort}, from
     * {@code /proc/net/tcp} and {@code tcp6}: {maximum unread by a client (its receive queue),
     * total unread by clients, maximum unsent or unacknowledged at the server (its send queue)}.
     * A client that reads too slowly shows as a growing receive queue; a server that writes too
     * slowly leaves both near zero.
     */
    static long[] socketQueues(int serverPort) {
        long maxClientUnread = 0;
        long totalClientUnread = 0;
        long maxServerUnsent = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows;
            try {
                rows = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String row : rows.subList(Math.min(1, rows.size()), rows.size())) {
                String[] f = row.trim().split("\\s+");
                if (f.length < 5) {
                    continue;
                }
                int localPort = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                int remotePort = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
                String[] queues = f[4].split(":");
                long tx = Long.parseLong(queues[0], 16);
                long rx = Long.parseLong(queues[1], 16);
                if (remotePort == serverPort) {
                    maxClientUnread = Math.max(maxClientUnread, rx);
                    totalClientUnread += rx;
                } else if (localPort == serverPort) {
                    maxServerUnsent = Math.max(maxServerUnsent, tx);
                }
            }
        }
        return new long[] {maxClientUnread, totalClientUnread, maxServerUnsent};
    }

    /** Heap after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}): the live set. */
    record Heap(long usedBytes, long committedBytes) {
    }

    static Heap heapAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IOException("jcmd GC.heap_info: no heap line in: " + info);
        }
        return new Heap(Long.parseLong(m.group(2)) * 1024, Long.parseLong(m.group(1)) * 1024);
    }

    /** Bytes per class of the live objects ({@code jcmd GC.class_histogram}, which runs a full GC first). */
    static Map<String, Long> classBytes(long pid) throws IOException, InterruptedException {
        Map<String, Long> bytes = new HashMap<>();
        for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (m.find()) {
                bytes.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
            }
        }
        return bytes;
    }

    /** The {@code limit} classes whose live bytes grew most from {@code before} to {@code after}, with instance growth. */
    static List<Map<String, Object>> grewMost(Map<String, Long> before, Map<String, Long> after, int limit) {
        List<Map<String, Object>> rows = new ArrayList<>();
        after.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue() - before.getOrDefault(b.getKey(), 0L),
                        a.getValue() - before.getOrDefault(a.getKey(), 0L)))
                .limit(limit)
                .forEach(e -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("class", e.getKey());
                    row.put("bytesGrown", e.getValue() - before.getOrDefault(e.getKey(), 0L));
                    row.put("bytes", e.getValue());
                    rows.add(row);
                });
        return rows;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path jcmd = java.getParent() == null ? Path.of("jcmd") : java.resolveSibling("jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + output);
        }
        return output;
    }

    private static long clockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
