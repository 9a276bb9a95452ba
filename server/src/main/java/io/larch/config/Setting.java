package io.larch.config;

/**
 * One configuration setting: its environment name (also its key in a config file), its default
 * (null when there is none) and a one-line description for the README and {@code GET /config}.
 *
 * @param secret whether the value is hidden when the configuration is shown
 */
public record Setting(String name, String defaultValue, String description, boolean secret) {
}
