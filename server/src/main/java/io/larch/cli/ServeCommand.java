package io.larch.cli;

import io.larch.config.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Larch server.")
final class ServeCommand implements Callable<Integer> {
    private final ServerLauncher launcher;

    @Mixin
    DataDirOptions dataDir;

    @Option(names = "--port", description = "HTTP port (default: $LARCH_PORT or 8080; 0 picks a free one)")
    Integer port;

    @Option(names = "--host", description = "interface to listen on (default: $LARCH_HOST or 127.0.0.1)")
    String host;

    ServeCommand(ServerLauncher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>();
        if (port != null) {
            overrides.put(Settings.PORT.name(), port.toString());
        }
        if (host != null) {
            overrides.put(Settings.HOST.name(), host);
        }
        launcher.runUntilStopped(dataDir.load(overrides));
        return 0;
    }
}
