package io.larch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One system's sample laid out like Loghub's: {@code DIR/<S>/<S>_2k.log_structured.csv} with
 * the columns {@code LineId}, {@code Content} (the message), {@code EventId} (the line's true
 * group) and, where there is one, {@code Component} (the source), in file order. RFC 4180 quoting, a quoted field may
 * span lines.
 */
public record LoghubSample(String system, List<Line> lines) {
    public static final String SUFFIX = "_2k.log_structured.csv";

    /** One line: its id, source (null without a Component column), message and true group. */
    public record Line(String lineId, String source, String message, String eventId) {
    }

    /** Every sample under {@code dir}, by system name. */
    public static List<LoghubSample> readAll(Path dir) throws IOException {
        List<LoghubSample> samples = new ArrayList<>();
        try (Stream<Path> systems = Files.list(dir)) {
            for (Path system : systems.filter(Files::isDirectory).sorted().toList()) {
                String name = system.getFileName().toString();
                Path csv = system.resolve(name + SUFFIX);
                if (Files.isRegularFile(csv)) {
                    samples.add(read(name, csv));
                }
            }
        }
        return samples;
    }

    /** Reads one structured CSV. */
    public static LoghubSample read(String system, Path csv) throws IOException {
        List<Line> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            List<String> header = record(reader);
            if (header == null) {
                throw new IOException(csv + " is empty; expected a header with LineId, Content and EventId");
            }
            int lineId = column(header, "LineId", csv);
            int component = header.indexOf("Component"); // optional: some systems (Apache) have none
            int content = column(header, "Content", csv);
            int eventId = column(header, "EventId", csv);
            int widest = Math.max(Math.max(lineId, component), Math.max(content, eventId));

            for (List<String> row = record(reader); row != null; row = record(reader)) {
                if (row.size() <= widest) {
                    throw new IOException(csv + " line " + (lines.size() + 2) + " has " + row.size() + " columns, the header "
                            + header.size());
                }
                lines.add(new Line(row.get(lineId), component < 0 ? null : row.get(component), row.get(content),
                        row.get(eventId)));
            }
        }
        return new LoghubSample(system, lines);
    }

    private static int column(List<String> header, String name, Path csv) throws IOException {
        int index = header.indexOf(name);
        if (index < 0) {
            throw new IOException(csv + " has no column " + name + " (columns: " + header + ")");
        }
        return index;
    }

    /** The cells of one CSV line (RFC 4180 quoting). */
    public static List<String> cells(String line) {
        try {
            return record(new BufferedReader(new StringReader(line)));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    /** The next record's cells, or null at the end. */
    static List<String> record(BufferedReader reader) throws IOException {
        String line = reader.readLine();
        if (line == null) {
            return null;
        }
        if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
            line = line.substring(1);
        }
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        while (true) {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    } else {
                        cell.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    cells.add(cell.toString());
                    cell.setLength(0);
                } else {
                    cell.append(c);
                }
            }
            if (!quoted) {
                break;
            }
            line = reader.readLine();
            if (line == null) {
                break;
            }
            cell.append('\n');
        }
        cells.add(cell.toString());
        return cells;
    }
}
