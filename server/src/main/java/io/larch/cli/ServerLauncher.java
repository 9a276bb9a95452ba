package io.larch.cli;

import io.larch.config.LarchConfig;

/** Runs the server until it is told to stop; {@code app} provides it, so the CLI never imports the wiring. */
@FunctionalInterface
public interface ServerLauncher {
    void runUntilStopped(LarchConfig config) throws Exception;
}
