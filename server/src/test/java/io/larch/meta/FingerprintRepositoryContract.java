package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.FingerprintMerge;
import io.larch.model.FingerprintTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Fingerprint templates and merge rules, on each backend. */
abstract class FingerprintRepositoryContract extends MetadataContract {
    FingerprintRepository fingerprints;
    long shop;
    long blog;

    @Override
    void openRepositories() {
        fingerprints = new FingerprintRepository(database);
        ProjectRepository projects = new ProjectRepository(database);
        shop = database.transaction(c -> projects.insertIfAbsent(c, "shop", "Shop", 0)).orElseThrow().id();
        blog = database.transaction(c -> projects.insertIfAbsent(c, "blog", "Blog", 0)).orElseThrow().id();
    }

    @Test
    void aNewerTemplateReplacesTheTextAndKeepsTheEarliestFirstSeen() {
        fingerprints.putTemplates(List.of(new FingerprintTemplate(shop, "f1", "api", "order <*> failed", 100, 0, 100),
                new FingerprintTemplate(blog, "f1", null, "other", 50, 0, 50)));
        fingerprints.putTemplates(List.of(new FingerprintTemplate(shop, "f1", "web", "order <*> failed: <*>", 300, 1, 300)));
        fingerprints.putTemplates(List.of(new FingerprintTemplate(shop, "f2", "api", "t2", 400, 2, 400)));
        fingerprints.putTemplates(List.of(new FingerprintTemplate(shop, "f2", "api", "t2", 90, 2, 500)));
        assertEquals(Map.of("f1", new FingerprintTemplate(shop, "f1", "web", "order <*> failed: <*>", 100, 1, 300),
                        "f2", new FingerprintTemplate(shop, "f2", "api", "t2", 90, 2, 500)),
                fingerprints.templates(shop, List.of("f1", "f2", "f3")));
        assertEquals(List.of("shop f1", "shop f2", "blog f1"), fingerprints.allTemplates().stream()
                .map(t -> (t.projectId() == shop ? "shop " : "blog ") + t.fingerprint()).toList(), "by project, then serial");
    }

    @Test
    void lookupsOfManyFingerprintsAreBatched() {
        List<FingerprintTemplate> many = new ArrayList<>();
        IntStream.range(0, 1200).forEach(i -> many.add(new FingerprintTemplate(shop, "f" + i, "api", "t" + i, i, i, i)));
        fingerprints.putTemplates(many);
        List<String> asked = IntStream.range(0, 1300).mapToObj(i -> "f" + i).toList();
        assertEquals(1200, fingerprints.templates(shop, asked).size());
    }

    @Test
    void mergeRulesAreReplacedAndDeleted() {
        database.transaction(c -> {
            fingerprints.putMerge(c, new FingerprintMerge(shop, "f1", "f9", 100, "admin"));
            fingerprints.putMerge(c, new FingerprintMerge(blog, "f1", "f2", 150, "admin"));
            fingerprints.putMerge(c, new FingerprintMerge(shop, "f1", "f8", 200, "key lk_a"));
            return null;
        });
        assertEquals(List.of(new FingerprintMerge(blog, "f1", "f2", 150, "admin"),
                new FingerprintMerge(shop, "f1", "f8", 200, "key lk_a")), fingerprints.allMerges());
        assertTrue(database.<Boolean>transaction(c -> fingerprints.deleteMerge(c, shop, "f1")));
        assertFalse(database.<Boolean>transaction(c -> fingerprints.deleteMerge(c, shop, "f1")));
        assertEquals(1, fingerprints.allMerges().size());
    }
}
