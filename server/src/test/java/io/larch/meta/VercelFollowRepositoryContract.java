package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Vercel deployments followed and how far each got, on each backend. */
abstract class VercelFollowRepositoryContract extends MetadataContract {
    VercelFollowRepository follows;
    long shop;
    long blog;

    @Override
    void openRepositories() {
        follows = new VercelFollowRepository(database);
        ProjectRepository projects = new ProjectRepository(database);
        shop = database.transaction(c -> projects.insertIfAbsent(c, "shop", "Shop", 0)).orElseThrow().id();
        blog = database.transaction(c -> projects.insertIfAbsent(c, "blog", "Blog", 0)).orElseThrow().id();
    }

    @Test
    void aFollowAdvancesKeepsItsPlaceWhenFollowedAgainAndStops() {
        follows.put(shop, "dpl_1", "tok", "following", 100);
        follows.put(blog, "dpl_2", "tok2", "following", 101);
        follows.advance(shop, "dpl_1", 5000, List.of("a", "b"), 2, 200);
        follows.advance(shop, "dpl_1", 6000, List.of("c"), 3, 300);
        follows.status(shop, "dpl_1", "stopped", "403 from Vercel", 400);
        follows.put(shop, "dpl_1", "new-token", "following", 500);
        assertEquals(List.of(new VercelFollowRepository.VercelFollow(shop, "dpl_1", "new-token", 6000, List.of("c"), 5,
                "following", null, 100, 500)), follows.list(shop), "the place and count are kept, the error cleared");
        assertEquals(List.of(), follows.list(blog).getFirst().lastIds());
        assertEquals(2, follows.list(-1).size());
        assertTrue(follows.delete(shop, "dpl_1"));
        assertFalse(follows.delete(shop, "dpl_1"));
        assertEquals(List.of("dpl_2"), follows.list(-1).stream().map(VercelFollowRepository.VercelFollow::deploymentId).toList());
    }
}
