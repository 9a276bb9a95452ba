package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.config.LarchConfig;
import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.meta.Project;
import io.larch.meta.ProjectRepository;
import io.larch.model.LogEvent;
import io.larch.query.SearchFilters;
import io.larch.search.Cursor;
import io.larch.search.QueryBudget;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.search.Searcher;
import io.larch.storage.Engine;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query", description = "Search a project's events, newest first.")
final class QueryCommand implements Callable<Integer> {
    @Mixin
    DataDirOptions dataDir;

    @Parameters(index = "0", arity = "0..1", description = "query text, e.g. 'timeout level>=warn' (default: everything)")
    String queryText;

    @Option(names = "--project", required = true, description = "project slug")
    String project;

    @Option(names = "--from", description = "start: ISO-8601, epoch ms, or relative like -1h")
    String from;

    @Option(names = "--to", description = "end: ISO-8601, epoch ms, now, or relative")
    String to;

    @Option(names = "--kind", description = "kinds, comma-separated")
    String kind;

    @Option(names = "--level", description = "level, comma list, or >=warn")
    String level;

    @Option(names = "--limit", defaultValue = "100", description = "events to show (1-1000)")
    int limit;

    @Option(names = "--cursor", description = "continue after a previous page")
    String cursor;

    @Option(names = "--server", description = "URL of a Larch server (default: the one running on --data-dir)")
    String server;

    @Option(names = "--token", description = "API key or admin token for --server")
    String token;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LarchConfig config = dataDir.load(new HashMap<>());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String next;
        try (Target target = Target.resolve(config, server, token)) {
            next = target instanceof Target.Remote remote ? queryRemote(remote, out) : queryLocal(config, out);
        }
        if (next != null) {
            err.println("more results: --cursor " + next);
        }
        out.flush();
        err.flush();
        return 0;
    }

    private String queryRemote(Target.Remote remote, PrintWriter out) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("project", project);
        params.put("q", queryText);
        params.put("from", from);
        params.put("to", to);
        params.put("kind", kind);
        params.put("level", level);
        params.put("limit", Integer.toString(limit));
        params.put("cursor", cursor);
        JsonNode page = new RemoteApi(remote).get("/api/log", params);
        for (JsonNode event : page.get("events")) {
            out.println(EventLine.format(event, false));
        }
        return page.hasNonNull("next") ? page.get("next").asText() : null;
    }

    /** Reads the data dir directly: published parts plus the WAL segments not yet sealed (read-only). */
    private String queryLocal(LarchConfig config, PrintWriter out) throws Exception {
        try (Database database = Database.open(config.metadata())) {
            Project found = new ProjectRepository(database).findBySlug(project).orElseThrow(() ->
                    new IllegalArgumentException("no project with slug '" + project + "' in " + config.dataDir()));
            try (Engine engine = Engine.openReadOnly(Engine.Options.of(config), new PartRepository(database),
                    Clock.systemUTC())) {
                SearchRequest request = new SearchRequest(SearchFilters.build(found.id(), queryText, kind, level, from,
                        to, System.currentTimeMillis()).query(), cursor == null ? null : Cursor.decode(cursor), limit);
                SearchPage page = new Searcher(engine).search(request, QueryBudget.unlimited());
                for (LogEvent event : page.events()) {
                    out.println(EventLine.format(Instant.ofEpochMilli(event.ts()).toString(), event.level().wireName(),
                            event.source(), event.message(), false));
                }
                return page.next() == null ? null : page.next().encode();
            }
        }
    }
}
