package io.larch.cli;

import io.larch.config.ConfigLoader;
import io.larch.config.LarchConfig;
import io.larch.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: where the data and the config file are. */
public final class DataDirOptions {
    @Option(names = "--data-dir", description = "data directory (default: $LARCH_DATA_DIR or ./data)")
    Path dataDir;

    @Option(names = "--config", description = "properties file with LARCH_* settings (default: $LARCH_CONFIG)")
    Path configFile;

    LarchConfig load(Map<String, String> extraOverrides) {
        Map<String, String> overrides = new HashMap<>(extraOverrides);
        if (dataDir != null) {
            overrides.put(Settings.DATA_DIR.name(), dataDir.toString());
        }
        return ConfigLoader.load(System.getenv(), configFile, overrides);
    }
}
