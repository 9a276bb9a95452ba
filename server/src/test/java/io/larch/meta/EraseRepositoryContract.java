package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Erase requests and the builds they touched, on each backend. */
abstract class EraseRepositoryContract extends MetadataContract {
    EraseRepository requests;
    long shop;
    long blog;

    @Override
    void openRepositories() {
        requests = new EraseRepository(database);
        ProjectRepository projects = new ProjectRepository(database);
        shop = database.transaction(c -> projects.insertIfAbsent(c, "shop", "Shop", 0)).orElseThrow().id();
        blog = database.transaction(c -> projects.insertIfAbsent(c, "blog", "Blog", 0)).orElseThrow().id();
    }

    @Test
    void aRequestGoesFromPendingToDoneCountingEachRewrite() {
        EraseRequest pending = database.transaction(c -> requests.insert(c, "u1", shop, 100, "admin"));
        assertEquals(new EraseRequest(pending.id(), "u1", shop, EraseRequest.Status.PENDING, 100, "admin", null, null, 0, 0, 0,
                null, null, null), pending);
        assertEquals(Optional.of(pending), requests.find(pending.id()));
        requests.markRunning(pending.id(), 200, 5000);
        requests.markRunning(pending.id(), 300, 4000); // resumed after a restart: the first start and size stay
        database.transaction(c -> {
            requests.countRewrite(c, pending.id(), 7);
            requests.countRewrite(c, pending.id(), 3);
            return null;
        });
        requests.setPartsChecked(pending.id(), 4);
        database.transaction(c -> {
            requests.finish(c, pending.id(), EraseRequest.Status.DONE, 400, 4500L, null);
            return null;
        });
        assertEquals(new EraseRequest(pending.id(), "u1", shop, EraseRequest.Status.DONE, 100, "admin", 200L, 400L, 4, 2, 10,
                5000L, 4500L, null), requests.find(pending.id()).orElseThrow());
    }

    @Test
    void unfinishedAndRecentRequestsAreListedInTheirOrder() {
        EraseRequest everywhere = database.transaction(c -> requests.insert(c, "u1", null, 1, "admin"));
        EraseRequest inShop = database.transaction(c -> requests.insert(c, "u2", shop, 2, "key lk_a"));
        EraseRequest failed = database.transaction(c -> requests.insert(c, "u3", shop, 3, "admin"));
        requests.markRunning(inShop.id(), 5, 100);
        database.transaction(c -> {
            requests.finish(c, failed.id(), EraseRequest.Status.FAILED, 6, null, "disk full");
            return null;
        });
        assertEquals(List.of(everywhere.id(), inShop.id()), requests.listUnfinished().stream().map(EraseRequest::id).toList());
        assertEquals(null, requests.listUnfinished().getFirst().projectId());
        assertEquals(List.of(failed.id(), inShop.id(), everywhere.id()),
                requests.listRecent(null, 10).stream().map(EraseRequest::id).toList());
        assertEquals(List.of(failed.id()), requests.listRecent(shop, 1).stream().map(EraseRequest::id).toList());
        assertEquals("disk full", requests.find(failed.id()).orElseThrow().error());
        assertEquals(null, requests.find(failed.id()).orElseThrow().bytesAfter());
    }

    @Test
    void buildsAreRecordedOnceAndFoundForTheUserInAProjectOrAll() {
        EraseRequest first = database.transaction(c -> requests.insert(c, "u1", null, 1, "admin"));
        EraseRequest second = database.transaction(c -> requests.insert(c, "u1", shop, 2, "admin"));
        EraseRequest otherUser = database.transaction(c -> requests.insert(c, "u2", shop, 3, "admin"));
        database.transaction(c -> {
            requests.addBuilds(c, first.id(), List.of(new ErasedBuild(shop, "b2"), new ErasedBuild(blog, "b1")));
            requests.addBuilds(c, first.id(), List.of(new ErasedBuild(shop, "b2"))); // a resumed swap records it again
            requests.addBuilds(c, second.id(), List.of(new ErasedBuild(shop, "b1"), new ErasedBuild(shop, "b2")));
            requests.addBuilds(c, otherUser.id(), List.of(new ErasedBuild(shop, "b9")));
            requests.addBuilds(c, otherUser.id(), List.of());
            return null;
        });
        assertEquals(List.of(new ErasedBuild(shop, "b1"), new ErasedBuild(shop, "b2"), new ErasedBuild(blog, "b1")),
                requests.builds("u1", null), "every request's for the user, each once, in (project, build) order");
        assertEquals(List.of(new ErasedBuild(shop, "b1"), new ErasedBuild(shop, "b2")), requests.builds("u1", shop));
        assertEquals(List.of(), requests.builds("u3", null));
    }
}
