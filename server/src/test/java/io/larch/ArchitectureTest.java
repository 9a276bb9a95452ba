package io.larch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.larch.part.PartColumns;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The package layout of DESIGN.md, checked on every build: each package names what of Larch it
 * may use, one line each (README "Code layout" has the same table). A rule that fails names the
 * package and the class that broke it; move the code or change the layout on purpose, here and
 * in the README together.
 */
class ArchitectureTest {
    /** Larch's own classes, without its tests. */
    private static final JavaClasses LARCH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.larch");

    /** Every package of Larch, named after its data stage (DESIGN.md, "Layout"). */
    static final List<String> PACKAGES = List.of("app", "cli", "http", "config", "model", "datadir", "parquet", "part",
            "ingest", "wal", "storage", "query", "search", "aggregate", "tail", "alert", "lifecycle", "objectstore",
            "meta", "security", "cluster");

    static final ArchRule model = mayUseOnly("model");
    static final ArchRule config = mayUseOnly("config");
    static final ArchRule datadir = mayUseOnly("datadir", "model");
    static final ArchRule parquet = mayUseOnly("parquet");
    static final ArchRule part = mayUseOnly("part", "parquet", "datadir", "model");
    static final ArchRule wal = mayUseOnly("wal", "datadir", "model", "config");
    static final ArchRule meta = mayUseOnly("meta", "part", "model", "config");
    static final ArchRule storage = mayUseOnly("storage", "wal", "part", "meta", "datadir", "model", "config");
    static final ArchRule query = mayUseOnly("query", "part", "model");
    static final ArchRule search = mayUseOnly("search", "query", "storage", "part", "meta", "model");
    static final ArchRule aggregate = mayUseOnly("aggregate", "search", "query", "storage", "part", "meta", "model");
    static final ArchRule tail = mayUseOnly("tail", "query", "search", "storage", "part", "security", "model");
    static final ArchRule alert = mayUseOnly("alert", "query", "aggregate", "search", "meta", "model", "config");
    static final ArchRule objectstore = mayUseOnly("objectstore", "config");
    static final ArchRule lifecycle = mayUseOnly("lifecycle", "storage", "part", "objectstore", "meta", "datadir",
            "model", "config");
    static final ArchRule security = mayUseOnly("security", "meta", "model", "config");
    static final ArchRule ingest = mayUseOnly("ingest", "security", "model", "config");
    static final ArchRule cluster = mayUseOnly("cluster", "tail", "ingest", "wal", "meta", "datadir", "model", "config");
    static final ArchRule cli = mayUseOnly("cli", "config", "datadir", "meta", "model", "query", "search",
            "aggregate", "storage", "part", "wal", "security", "ingest", "lifecycle");
    static final ArchRule http = mayUseAllBut("http", "app", "cli");
    static final ArchRule nothingImportsApp = noClasses().that().resideOutsideOfPackage("io.larch.app..")
            .should().dependOnClassesThat().resideInAPackage("io.larch.app..").as("nothing imports app");

    static final ArchRule queryUsesOnlyPartColumns = noClasses().that().resideInAPackage("io.larch.query..")
            .should().dependOnClassesThat(resideInAPackage("io.larch.part..").and(not(type(PartColumns.class))))
            .as("query uses of part only its column names (PartColumns)");
    static final ArchRule queryRunsNoDuckDb = noClasses().that().resideInAnyPackage("io.larch.query..",
            "io.larch.parquet..", "io.larch.model..", "io.larch.ingest..", "io.larch.tail..")
            .should().dependOnClassesThat().resideInAPackage("org.duckdb..")
            .as("query, parquet, model, ingest and tail do not depend on DuckDB");
    static final ArchRule noCycles = slices().matching("io.larch.(*)..").should().beFreeOfCycles()
            .as("packages do not depend on each other in a cycle");

    /** Every rule above, as one test each, named by the rule. */
    @TestFactory
    Stream<DynamicTest> everyPackageKeepsToItsRule() throws IllegalAccessException {
        List<ArchRule> rules = new ArrayList<>();
        for (Field field : ArchitectureTest.class.getDeclaredFields()) {
            if (field.getType() == ArchRule.class) {
                rules.add((ArchRule) field.get(null));
            }
        }
        assertTrue(rules.size() >= PACKAGES.size(), "a rule per package");
        return rules.stream().map(rule -> DynamicTest.dynamicTest(rule.getDescription(), () -> rule.check(LARCH)));
    }

    /** {@code pkg} may use the {@code allowed} packages of Larch and no other. */
    static ArchRule mayUseOnly(String pkg, String... allowed) {
        List<String> forbidden = new ArrayList<>(PACKAGES);
        forbidden.remove(pkg);
        forbidden.removeAll(Arrays.asList(allowed));
        String uses = allowed.length == 0 ? "nothing else of Larch" : String.join(", ", allowed);
        return noClasses().that().resideInAPackage("io.larch." + pkg + "..")
                .should().dependOnClassesThat().resideInAnyPackage(packagePatterns(forbidden))
                .as(pkg + " uses " + uses).allowEmptyShould(true);
    }

    /** {@code pkg} may use every package of Larch but the {@code forbidden} ones. */
    static ArchRule mayUseAllBut(String pkg, String... forbidden) {
        return noClasses().that().resideInAPackage("io.larch." + pkg + "..")
                .should().dependOnClassesThat().resideInAnyPackage(packagePatterns(Arrays.asList(forbidden)))
                .as(pkg + " uses anything of Larch but " + String.join(", ", forbidden));
    }

    private static String[] packagePatterns(List<String> packages) {
        return packages.stream().map(p -> "io.larch." + p + "..").toArray(String[]::new);
    }
}
