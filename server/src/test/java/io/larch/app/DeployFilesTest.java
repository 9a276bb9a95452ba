package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.config.ConfigLoader;
import io.larch.config.LarchConfig;
import io.larch.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The packaging in {@code deploy/} against the real program: the Dockerfile's and the systemd
 * unit's command lines run through a real JVM and Larch's CLI (an unknown JVM option or flag fails
 * them), their settings load through {@link ConfigLoader}, the Render blueprint mounts its disk
 * where the image keeps its data. No Docker engine runs here, so the image itself is not built.
 */
class DeployFilesTest {
    private static final Pattern SERVE_FLAG = Pattern.compile("--[a-z][a-z-]*");

    @Test
    void theDockerfileBuildsOnAJdkAndRunsTheRealCliOnAJreAsNonRoot() throws Exception {
        Dockerfile docker = Dockerfile.read(OperationsMetricsApiTest.repoFile("deploy/Dockerfile"));
        List<String> from = docker.all("FROM");
        assertTrue(from.size() >= 2, "multi-stage: " + from);
        assertTrue(from.getFirst().matches("maven:3\\.9-eclipse-temurin-(2[1-9]|[3-9][0-9]) AS build"), from.getFirst());
        assertTrue(from.getLast().matches("eclipse-temurin:(2[1-9]|[3-9][0-9])-jre"), "the run stage is a JRE: " + from.getLast());
        String user = docker.last("USER");
        assertFalse(user.startsWith("root") || user.startsWith("0"), "runs as non-root: " + user);
        assertTrue(docker.last("HEALTHCHECK").contains("http://127.0.0.1:8080/healthz"), docker.last("HEALTHCHECK"));

        Map<String, String> env = docker.env();
        String dataDir = env.get("LARCH_DATA_DIR");
        assertEquals("[\"" + dataDir + "\"]", docker.last("VOLUME"), "the data dir is a volume");
        assertLoads(env);

        List<String> entrypoint = docker.execForm("ENTRYPOINT");
        List<String> cmd = docker.execForm("CMD");
        assertEquals("java", entrypoint.getFirst());
        assertTrue(entrypoint.contains("--enable-native-access=ALL-UNNAMED"), entrypoint.toString());
        int jar = entrypoint.indexOf("-jar");
        assertEquals("/opt/larch/larch.jar", entrypoint.get(jar + 1));
        assertEquals("serve", cmd.getFirst());
        assertEquals(List.of("--host", "0.0.0.0", "--port", "8080", "--data-dir", dataDir), cmd.subList(1, cmd.size()));
        assertFlagsExist(cmd);
        // The JVM options and the serve flags exactly as the image passes them: a real JVM, the real CLI.
        String help = runCli(entrypoint.subList(1, jar), cmd);
        assertTrue(help.contains("Usage: larch serve"), help);

        String ignored = Files.readString(OperationsMetricsApiTest.repoFile(".dockerignore"));
        assertTrue(ignored.lines().anyMatch(l -> l.equals("**/target/")), "build output stays out of the context");
    }

    @Test
    void theSystemdUnitIsHardenedAndRunsTheRealCli() throws Exception {
        Path unit = OperationsMetricsApiTest.repoFile("deploy/larch.service");
        Map<String, List<String>> service = unitSection(Files.readString(unit), "Service");
        assertEquals(List.of("larch"), service.get("User"));
        assertEquals(List.of("larch"), service.get("StateDirectory"));
        assertEquals(List.of("on-failure"), service.get("Restart"));
        assertEquals(List.of("-/etc/larch/larch.env"), service.get("EnvironmentFile"));
        for (String hardening : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "PrivateDevices=yes", "RestrictSUIDSGID=yes", "CapabilityBoundingSet=")) {
            String[] kv = hardening.split("=", 2);
            assertEquals(List.of(kv[1]), service.get(kv[0]), hardening);
        }
        assertFalse(service.containsKey("MemoryDenyWriteExecute"), "the JIT writes the code it runs");
        Map<String, String> env = new HashMap<>();
        for (String assignment : service.get("Environment")) {
            String[] kv = assignment.split("=", 2);
            env.put(kv[0], kv[1]);
        }
        assertEquals("/var/lib/larch", env.get("LARCH_DATA_DIR"), "the StateDirectory");
        assertLoads(env);
        List<String> exec = Arrays.asList(service.get("ExecStart").getFirst().split(" "));
        assertEquals("/usr/bin/java", exec.getFirst());
        int jar = exec.indexOf("-jar");
        assertEquals("/opt/larch/larch.jar", exec.get(jar + 1));
        List<String> command = exec.subList(jar + 2, exec.size());
        assertEquals("serve", command.getFirst());
        assertFlagsExist(command);
        assertTrue(runCli(exec.subList(1, jar), command).contains("Usage: larch serve"));

        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
        Process verify = new ProcessBuilder(analyze.toString(), "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), output);
        assertEquals("", output.strip(), "systemd-analyze verify finds nothing to say");
    }

    @Test
    void theRenderBlueprintRunsTheImageWithItsDataDirOnADisk() throws Exception {
        Map<String, Object> blueprint = new Yaml().load(Files.readString(OperationsMetricsApiTest.repoFile("deploy/render.yaml")));
        List<?> services = (List<?>) blueprint.get("services");
        assertEquals(1, services.size(), "one node: a service with a disk cannot scale out");
        Map<?, ?> web = (Map<?, ?>) services.getFirst();
        assertEquals("web", web.get("type"));
        assertEquals("docker", web.get("runtime"));
        assertEquals("./deploy/Dockerfile", web.get("dockerfilePath"), "relative to the repository's root");
        assertEquals(".", web.get("dockerContext"));
        assertEquals("/healthz", web.get("healthCheckPath"));

        Map<String, String> env = new LinkedHashMap<>();
        Map<String, Map<?, ?>> declared = new LinkedHashMap<>();
        for (Object item : (List<?>) web.get("envVars")) {
            Map<?, ?> variable = (Map<?, ?>) item;
            String key = (String) variable.get("key");
            declared.put(key, variable);
            if (variable.containsKey("value")) {
                env.put(key, String.valueOf(variable.get("value")));
            }
        }
        Map<?, ?> adminToken = declared.get("LARCH_ADMIN_TOKEN");
        assertNotNull(adminToken, "the admin token is set by Render");
        assertFalse(adminToken.containsKey("value"), "a secret is never written in the blueprint");
        assertEquals(Boolean.TRUE, adminToken.get("generateValue"));
        List<String> known = Settings.ALL.stream().map(io.larch.config.Setting::name).toList();
        for (String key : declared.keySet()) {
            assertTrue(key.equals("PORT") || known.contains(key), key + " is a Larch setting");
        }
        assertLoads(env);

        Dockerfile docker = Dockerfile.read(OperationsMetricsApiTest.repoFile("deploy/Dockerfile"));
        Map<?, ?> disk = (Map<?, ?>) web.get("disk");
        assertEquals(docker.env().get("LARCH_DATA_DIR"), disk.get("mountPath"), "the disk holds the image's data dir");
        assertEquals(disk.get("mountPath"), env.get("LARCH_DATA_DIR"));
        List<String> cmd = docker.execForm("CMD");
        assertEquals(cmd.get(cmd.indexOf("--port") + 1), env.get("PORT"), "Render routes to the port the image listens on");
    }

    /** The settings load as Larch's start would load them (a bad size or CIDR fails here, naming the setting). */
    private static void assertLoads(Map<String, String> env) {
        LarchConfig config = ConfigLoader.load(env, null, Map.of());
        assertNotNull(config);
    }

    /** Every flag of {@code command} (a serve command line) is one {@code larch serve --help} lists. */
    private static void assertFlagsExist(List<String> command) throws Exception {
        String help = runCli(List.of("--enable-native-access=ALL-UNNAMED"), List.of("serve", "--help"));
        for (String arg : command) {
            if (arg.startsWith("--")) {
                String flag = arg.split("=", 2)[0];
                Matcher listed = SERVE_FLAG.matcher(help);
                boolean found = false;
                while (listed.find() && !found) {
                    found = listed.group().equals(flag);
                }
                assertTrue(found, flag + " is an option of larch serve:\n" + help);
            }
        }
    }

    /**
     * Runs Larch's CLI ({@link Main}) in a new JVM with {@code jvmOptions} and {@code args} plus
     * {@code --help}: picocli parses every argument before it prints the help, so an unknown flag
     * fails the run; returns what it printed.
     */
    private static String runCli(List<String> jvmOptions, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        if (!args.contains("--help")) {
            command.add("--help");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the CLI answers");
        assertEquals(0, process.exitValue(), String.join(" ", args) + ":\n" + output);
        return output;
    }

    /** The keys of one {@code [section]} of a systemd unit, each with its values in order (a key may repeat). */
    private static Map<String, List<String>> unitSection(String unit, String section) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String line : unit.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
            } else if (section.equals(current)) {
                String[] kv = line.split("=", 2);
                keys.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv[1]);
            }
        }
        return keys;
    }

    /** A Dockerfile's instructions in order, continuation lines joined, comments dropped. */
    private record Dockerfile(List<String[]> instructions) {
        static Dockerfile read(Path file) throws IOException {
            List<String[]> instructions = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            for (String line : Files.readAllLines(file)) {
                if (line.strip().startsWith("#") && pending.isEmpty()) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    pending.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                String whole = (pending + line).strip();
                pending.setLength(0);
                if (!whole.isEmpty()) {
                    instructions.add(whole.split("\\s+", 2));
                }
            }
            return new Dockerfile(instructions);
        }

        List<String> all(String instruction) {
            return instructions.stream().filter(i -> i[0].equals(instruction)).map(i -> i[1].strip()).toList();
        }

        String last(String instruction) {
            List<String> all = all(instruction);
            assertFalse(all.isEmpty(), "the Dockerfile has " + instruction);
            return all.getLast();
        }

        /** An instruction in exec form (a JSON array), as Docker runs it without a shell. */
        List<String> execForm(String instruction) throws IOException {
            return Arrays.asList(new ObjectMapper().readValue(last(instruction), String[].class));
        }

        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (String assignment : all("ENV")) {
                String[] kv = assignment.split("=", 2);
                env.put(kv[0], kv[1]);
            }
            return env;
        }
    }
}
