package io.larch.cli;

import io.larch.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code larch}: the command line. */
@Command(name = "larch", mixinStandardHelpOptions = true, version = "larch 0.1.0",
        description = "Larch: a self-hosted log service.")
public final class LarchCommand {

    private LarchCommand() {
    }

    /** Builds the command line; {@code launcher} runs the server for {@code larch serve}. */
    public static CommandLine create(ServerLauncher launcher) {
        CommandLine commandLine = new CommandLine(new LarchCommand());
        commandLine.addSubcommand("serve", new ServeCommand(launcher));
        commandLine.addSubcommand("project", new ProjectCommand());
        commandLine.addSubcommand("query", new QueryCommand());
        commandLine.addSubcommand("tail", new TailCommand());
        commandLine.addSubcommand("ingest", new IngestCommand());
        commandLine.addSubcommand("verify", new VerifyCommand());
        commandLine.addSubcommand("fingerprint-eval", new FingerprintEvalCommand());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof ConfigException) {
                err.println(e.getMessage());
                err.flush();
                return 2;
            }
            err.println("larch: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            err.flush();
            return 1;
        });
        return commandLine;
    }
}
