package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The node registry: an id is one data dir's while its heartbeat is fresh, free once it is stale. */
abstract class NodeRepositoryContract extends MetadataContract {
    private NodeRepository nodes;

    @Override
    void openRepositories() {
        nodes = new NodeRepository(database);
    }

    @Test
    void aFreeIdIsTakenAndItsOwnInstanceTakesItBackAtOnce() {
        assertTrue(nodes.register(1, "dir-a", "http://a:1", 1000, 0).isEmpty());
        assertTrue(nodes.register(1, "dir-a", "http://a:2", 1500, 500).isEmpty(), "a restart on the same data dir");
        assertEquals(List.of(new NodeRepository.NodeRecord(1, "dir-a", "http://a:2", 1500, 1500)), nodes.alive(0));
    }

    @Test
    void anotherInstanceIsRefusedWhileTheHolderHeartbeatsAndGetsTheIdOnceItIsStale() {
        nodes.register(1, "dir-a", "http://a:1", 1000, 0);
        NodeRepository other = new NodeRepository(peer());
        NodeRepository.NodeRecord holder = other.register(1, "dir-b", "http://b:1", 5000, 900).orElseThrow();
        assertEquals("dir-a", holder.instance());
        assertTrue(nodes.heartbeat(1, "dir-a", 6000));
        assertTrue(other.register(1, "dir-b", "http://b:1", 20_000, 6001).isEmpty(), "dir-a's heartbeat is stale");
        assertFalse(nodes.heartbeat(1, "dir-a", 20_001), "dir-a lost its id: it is told");
    }

    @Test
    void aliveListsFreshHeartbeatsOnlyAndAStopGivesTheIdUp() {
        nodes.register(1, "dir-a", "", 1000, 0);
        nodes.register(2, "dir-b", "http://b:1", 1000, 0);
        nodes.moved(1, "dir-a", "http://a:1");
        nodes.heartbeat(2, "dir-b", 9000);
        assertEquals(List.of(2), nodes.alive(5000).stream().map(NodeRepository.NodeRecord::nodeId).toList());
        assertEquals("http://a:1", nodes.alive(0).getFirst().url());
        nodes.unregister(2, "dir-other");
        assertEquals(2, nodes.alive(0).size(), "only its own instance gives an id up");
        nodes.unregister(2, "dir-b");
        assertEquals(List.of(1), nodes.alive(0).stream().map(NodeRepository.NodeRecord::nodeId).toList());
    }
}
