package io.larch.bench.peers;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * PostgreSQL with the plain "logs table" design: one row per event, B-tree indexes on time, user,
 * level and fingerprint, a GIN full-text index on the message, multi-row INSERTs of a whole batch
 * (each one committed and fsynced, like Larch's default). A throwaway cluster from the PostgreSQL
 * binaries on the PATH; as root it runs as the postgres user.
 */
final class PostgresPeer implements PeerSystem {
    private final PostgresCluster cluster;
    private final String url;
    private final ThreadLocal<Connection> connections;
    private final List<Connection> opened = Collections.synchronizedList(new ArrayList<>());

    PostgresPeer(Path dir, int port) throws Exception {
        cluster = new PostgresCluster(dir, port, "-c shared_buffers=1GB -c work_mem=64MB -c max_wal_size=8GB"
                + " -c maintenance_work_mem=512MB");
        url = cluster.url("postgres");
        connections = ThreadLocal.withInitial(() -> {
            try {
                Connection connection = DriverManager.getConnection(url);
                opened.add(connection);
                return connection;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public void createDataset(String dataset) throws Exception {
        try (Statement s = connections.get().createStatement()) {
            s.execute("CREATE TABLE " + dataset + " (id bigserial, ts timestamptz NOT NULL, level text NOT NULL, kind text,"
                    + " source text, user_id text, conversation_id text, message text NOT NULL, stack text, fingerprint text,"
                    + " attrs jsonb)");
            s.execute("CREATE INDEX ON " + dataset + " (ts)");
            s.execute("CREATE INDEX ON " + dataset + " (user_id, ts)");
            s.execute("CREATE INDEX ON " + dataset + " (level, ts)");
            s.execute("CREATE INDEX ON " + dataset + " (fingerprint)");
            s.execute("CREATE INDEX ON " + dataset + " USING gin (to_tsvector('simple', message))");
        }
    }

    @Override
    public Object prepareBatch(String dataset, List<String> eventsJson) throws Exception {
        List<EventFields> rows = new ArrayList<>(eventsJson.size());
        for (String event : eventsJson) {
            rows.add(EventFields.parse(event));
        }
        return rows;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void send(String dataset, Object preparedBatch) throws Exception {
        List<EventFields> rows = (List<EventFields>) preparedBatch;
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(dataset)
                .append(" (ts, level, kind, source, user_id, conversation_id, message, stack, fingerprint, attrs) VALUES ");
        for (int i = 0; i < rows.size(); i++) {
            sql.append(i == 0 ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?::jsonb)");
        }
        try (PreparedStatement insert = connections.get().prepareStatement(sql.toString())) {
            int p = 1;
            for (EventFields e : rows) {
                insert.setTimestamp(p++, new Timestamp(e.ts()));
                insert.setString(p++, e.level());
                insert.setString(p++, e.kind());
                insert.setString(p++, e.source());
                insert.setString(p++, e.userId());
                insert.setString(p++, e.conversationId());
                insert.setString(p++, e.message());
                if (e.stack() == null) {
                    insert.setNull(p++, Types.VARCHAR);
                } else {
                    insert.setString(p++, e.stack());
                }
                insert.setString(p++, e.fingerprint());
                insert.setString(p++, e.attrsJson());
            }
            insert.executeUpdate();
        }
    }

    @Override
    public void settle(String dataset) throws Exception {
        try (Statement s = connections.get().createStatement()) {
            s.execute("VACUUM ANALYZE " + dataset);
        }
    }

    @Override
    public long diskBytes(String dataset) throws Exception {
        try (PreparedStatement size = connections.get().prepareStatement("SELECT pg_total_relation_size(?)")) {
            size.setString(1, dataset);
            try (ResultSet rows = size.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Override
    public String query(String dataset, SuiteQuery q) throws Exception {
        String columns = "id, ts, level, kind, source, user_id, message, fingerprint";
        return switch (q.kind()) {
            case LATEST_WITH_WORD -> count("SELECT " + columns + " FROM " + dataset
                    + " WHERE to_tsvector('simple', message) @@ plainto_tsquery('simple', ?) ORDER BY ts DESC LIMIT 100", q) + " events";
            case LATEST_FOR_USER -> count("SELECT " + columns + " FROM " + dataset
                    + " WHERE user_id = ? ORDER BY ts DESC LIMIT 100", q) + " events";
            case WORK_LOG_LATEST -> count("SELECT " + columns + " FROM " + dataset
                    + " WHERE user_id = ? AND conversation_id = ? ORDER BY ts DESC LIMIT 50", q, q.user(), q.conversation()) + " events";
            case FEED_AFTER -> count("SELECT " + columns + " FROM " + dataset
                    + " WHERE user_id = ? AND ts > ? ORDER BY ts LIMIT 100", q, q.text(), new Timestamp(q.fromMillis())) + " events";
            case ERROR_COUNT -> single("SELECT count(*) FROM " + dataset + " WHERE level = 'error' AND ts >= ? AND ts < ?", q) + " events";
            case TOP_FINGERPRINTS -> "top count " + single("SELECT count(*) FROM " + dataset
                    + " WHERE ts >= ? AND ts < ? GROUP BY fingerprint ORDER BY 1 DESC LIMIT 10", q);
            case MINUTE_HISTOGRAM -> sum("SELECT date_trunc('minute', ts), level, count(*) FROM " + dataset
                    + " WHERE ts >= ? AND ts < ? GROUP BY 1, 2", q) + " events";
        };
    }

    private long count(String sql, SuiteQuery q) throws Exception {
        return count(sql, q, q.text());
    }

    /** The rows {@code sql} returns with these parameters. */
    private long count(String sql, SuiteQuery q, Object... parameters) throws Exception {
        try (PreparedStatement statement = connections.get().prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            long n = 0;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    n++;
                }
            }
            return n;
        }
    }

    private long single(String sql, SuiteQuery q) throws Exception {
        try (PreparedStatement statement = ranged(sql, q); ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    private long sum(String sql, SuiteQuery q) throws Exception {
        long total = 0;
        try (PreparedStatement statement = ranged(sql, q); ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                total += rows.getLong(3);
            }
        }
        return total;
    }

    private PreparedStatement ranged(String sql, SuiteQuery q) throws Exception {
        PreparedStatement statement = connections.get().prepareStatement(sql);
        statement.setTimestamp(1, new Timestamp(q.fromMillis()));
        statement.setTimestamp(2, new Timestamp(q.toMillis()));
        return statement;
    }

    @Override
    public void close() throws Exception {
        for (Connection connection : opened) {
            connection.close();
        }
        cluster.close();
    }
}
