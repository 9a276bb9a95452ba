package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.meta.ApiKeyRepository;
import io.larch.meta.Database;
import io.larch.meta.ProjectRepository;
import io.larch.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials against real SQLite metadata: admin token, project keys, scopes, revocation, the key cache. */
class AuthenticatorTest {
    private static final String ADMIN = "larchadmin_" + "a".repeat(32);

    @TempDir
    Path dir;
    private Database database;
    private MutableClock clock;
    private Authenticator authenticator;
    private ProjectAdmin admin;
    private Authenticator otherNode;

    @BeforeEach
    void open() {
        database = Database.open("jdbc:sqlite:" + dir.resolve("larch.db"));
        clock = MutableClock.at("2026-12-01T10:00:00Z");
        ProjectRepository projects = new ProjectRepository(database);
        ApiKeyRepository keys = new ApiKeyRepository(database);
        AdminToken token = AdminToken.bootstrap(Optional.of(ADMIN), new io.larch.meta.SettingRepository(database)).adminToken();
        ViewerTokens tokens = ViewerTokens.open(new io.larch.meta.SettingRepository(database), clock);
        authenticator = new Authenticator(token, keys, projects, tokens, clock);
        otherNode = new Authenticator(token, keys, projects, tokens, clock);
        admin = new ProjectAdmin(database, projects, keys, new io.larch.meta.AuditRepository(database),
                authenticator::invalidate, clock);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void theAdminTokenIsTheAdmin() {
        assertInstanceOf(Caller.Admin.class, authenticator.authenticate(ADMIN));
        assertInstanceOf(Caller.Admin.class, authenticator.authenticate("  " + ADMIN + " "), "surrounding spaces are trimmed");
    }

    @Test
    void aProjectKeyIsItsProjectWithItsScopes() {
        ProjectAdmin.CreatedProject created = admin.createProject(Actor.SYSTEM, "Checkout", null);
        ProjectAdmin.CreatedKey ingestOnly = admin.createKey(Actor.SYSTEM, "checkout", "shipper", EnumSet.of(Scope.INGEST));
        Caller.ProjectKey first = assertInstanceOf(Caller.ProjectKey.class, authenticator.authenticate(created.key().plainKey()));
        assertEquals("checkout", first.project().slug());
        assertEquals(ProjectAdmin.DEFAULT_SCOPES, first.scopes());
        Caller.ProjectKey shipper = assertInstanceOf(Caller.ProjectKey.class, authenticator.authenticate(ingestOnly.plainKey()));
        assertEquals(EnumSet.of(Scope.INGEST), shipper.scopes());
    }

    @Test
    void missingUnknownAndForeignCredentialsAre401WithWhatToDo() {
        check(null, "missing credential");
        check("   ", "missing credential");
        check("larch_" + "x".repeat(40), "unknown or revoked API key larch_xxxxxxxx...; create a new key");
        check("not-a-key", "invalid credential");
        check(ADMIN + "b", "invalid credential");
    }

    @Test
    void aRevokedKeyFailsAtOnceOnTheRevokingNodeAndAfterTheCacheTtlElsewhere() {
        ProjectAdmin.CreatedProject created = admin.createProject(Actor.SYSTEM, "Billing", "billing");
        String key = created.key().plainKey();
        authenticator.authenticate(key);
        otherNode.authenticate(key);
        admin.revokeKey(Actor.SYSTEM, "billing", created.key().record().prefix());
        check(key, "unknown or revoked API key");
        assertInstanceOf(Caller.ProjectKey.class, otherNode.authenticate(key), "cached on a node that did not revoke it");
        clock.advance(Authenticator.CACHE_TTL.plus(Duration.ofMillis(1)));
        assertEquals(401, assertThrows(AuthException.class, () -> otherNode.authenticate(key)).status());
    }

    @Test
    void aFloodOfUnknownKeysNeverEvictsAKnownOne() {
        ProjectAdmin.CreatedProject created = admin.createProject(Actor.SYSTEM, "Billing", "billing");
        String key = created.key().plainKey();
        otherNode.authenticate(key);
        // Revoked in the database, still cached on the other node: it answers from its cache only
        // as long as the flood below does not push the key out.
        admin.revokeKey(Actor.SYSTEM, "billing", created.key().record().prefix());
        for (int i = 0; i < Authenticator.KNOWN_MAX + 1; i++) {
            String unknown = Secrets.randomToken(ApiKeys.PROJECT_KEY_PREFIX);
            assertThrows(AuthException.class, () -> otherNode.authenticate(unknown));
        }
        assertInstanceOf(Caller.ProjectKey.class, otherNode.authenticate(key), "the known key stayed cached");
    }

    @Test
    void aCredentialThatCannotBeAKeyIsRejectedByItsShape() {
        check("larch_short", "unknown or revoked API key");
        check("larch_" + "!".repeat(43), "unknown or revoked API key");
        check("larch_" + "a".repeat(44), "unknown or revoked API key");
        assertTrue(ApiKeys.isWellFormedProjectKey(Secrets.randomToken(ApiKeys.PROJECT_KEY_PREFIX)));
    }

    private void check(String credential, String expectedMessage) {
        AuthException e = assertThrows(AuthException.class, () -> authenticator.authenticate(credential));
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains(expectedMessage), e.getMessage());
    }
}
