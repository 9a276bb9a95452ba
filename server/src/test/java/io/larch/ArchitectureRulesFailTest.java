package io.larch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleName;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

/** The architecture rules are not vacuous: a wrong import fails the rule, and the message names it. */
class ArchitectureRulesFailTest {
    @Test
    void aWalClassImportingStorageFailsTheWalRuleNamingTheRuleAndTheClass() throws Exception {
        JavaClasses wrong = new ClassFileImporter().importClasses(Class.forName("io.larch.wal.WrongImportFixture"));
        AssertionError error = assertThrows(AssertionError.class, () -> ArchitectureTest.wal.check(wrong));
        assertTrue(error.getMessage().contains("Rule 'wal uses datadir, model, config' was violated"), error.getMessage());
        assertTrue(error.getMessage().contains("io.larch.storage.EventStore"), error.getMessage());
    }

    @Test
    void theSameRulePassesOnTheWalItself() {
        ArchitectureTest.wal.check(new ClassFileImporter().importPackages("io.larch.wal")
                .that(not(simpleName("WrongImportFixture"))));
    }
}
