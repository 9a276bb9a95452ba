package io.larch.bench;

import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node on 127.0.0.1, for the peer benchmark: started by {@code bench peers} in its
 * own JVM (built only with the {@code peers} Maven profile). Prints {@code READY} when it
 * answers, runs until killed.
 */
public final class OpenSearchNode {
    private OpenSearchNode() {
    }

    public static void main(String[] args) throws Exception {
        String basePath = args[0];
        int httpPort = Integer.parseInt(args[1]);
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(httpPort + 100);
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("discovery.type", "single-node");
        }).build(newConfigs().basePath(basePath).numOfNode(1).baseHttpPort(httpPort - 1).clusterName("larch-bench-peer")
                .disableESLogger());
        runner.ensureYellow();
        System.out.println("READY");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        Thread.currentThread().join();
    }
}
