package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.config.LarchConfig;
import io.larch.meta.ApiKeyRepository;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.ProjectRepository;
import io.larch.security.Actor;
import io.larch.security.ProjectAdmin;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "project", description = "Manage projects.", subcommands = ProjectCommand.Create.class)
final class ProjectCommand {

    @Command(name = "create", description = "Create a project and print its first API key (shown once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        DataDirOptions dataDir;

        @Parameters(index = "0", description = "project name; the slug is derived from it unless --slug is given")
        String name;

        @Option(names = "--slug", description = "URL-safe identifier (lowercase letters, digits, '-')")
        String slug;

        @Option(names = "--server", description = "URL of a Larch server (default: the one running on --data-dir)")
        String server;

        @Option(names = "--token", description = "admin token for --server (default: $LARCH_ADMIN_TOKEN)")
        String token;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            LarchConfig config = dataDir.load(new HashMap<>());
            PrintWriter out = spec.commandLine().getOut();
            try (Target target = Target.resolve(config, server, token)) {
                String slugCreated;
                String key;
                if (target instanceof Target.Remote remote) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("name", name);
                    body.put("slug", slug);
                    JsonNode created = new RemoteApi(remote).post("/admin/projects", body);
                    slugCreated = created.get("project").get("slug").asText();
                    key = created.get("key").asText();
                } else {
                    try (Database database = Database.open(config.metadata())) {
                        ProjectAdmin admin = new ProjectAdmin(database, new ProjectRepository(database),
                                new ApiKeyRepository(database), new AuditRepository(database), () -> { }, Clock.systemUTC());
                        ProjectAdmin.CreatedProject created = admin.createProject(new Actor("cli", null), name, slug);
                        slugCreated = created.project().slug();
                        key = created.key().plainKey();
                    }
                }
                out.println("created project " + slugCreated);
                out.println("API key (shown only once, store it now): " + key);
                out.flush();
            }
            return 0;
        }
    }
}
