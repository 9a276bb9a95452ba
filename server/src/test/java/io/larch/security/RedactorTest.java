package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.InvalidInputException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built-in detectors case by case, their near misses, extra patterns and their bounds. */
class RedactorTest {
    private static final String GITHUB = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
    private static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
            + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    private static final String AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
    private static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";

    private final Redactor redactor = Redactor.standard();

    private void check(String input, String expected) {
        assertEquals(expected, redactor.redact(input), "redaction of '" + input + "'");
    }

    /** Nothing found: the same instance comes back. */
    private void clean(String input) {
        assertSame(input, redactor.redact(input), "'" + input + "' holds no secret");
    }

    @Test
    void redactsPrivateKeysWholeAndKeepsWhatFollows() {
        check("-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "-----END RSA PRIVATE KEY-----\nloaded", "[REDACTED:private_key]\nloaded");
        check("key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY----- ok", "key: [REDACTED:private_key] ok");
        check("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----", "[REDACTED:private_key]");
        check("-----BEGIN PRIVATE KEY-----\n" + PEM_BODY + "-----END PRIVATE KEY-----", "[REDACTED:private_key]");
        check("-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + PEM_BODY + "-----END ENCRYPTED PRIVATE KEY-----", "[REDACTED:private_key]");
        check("{\"pem\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----\\n\"}", "{\"pem\":\"[REDACTED:private_key]\\n\"}");
        check("bad key -----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "MIIE (truncated)\n\tat Loader.load", "bad key [REDACTED:private_key]");
        check("-----BEGIN PRIVATE KEY-----A-----END PRIVATE KEY----- and -----BEGIN PRIVATE KEY-----B-----END PRIVATE KEY-----",
                "[REDACTED:private_key] and [REDACTED:private_key]");
    }

    @Test
    void redactsAuthorizationCredentialsAndKeepsTheScheme() {
        check("Authorization: Bearer abc.def-ghi_jkl~mno+pq/rs==", "Authorization: Bearer [REDACTED:bearer]");
        check("authorization: bearer s3cr3t", "authorization: bearer [REDACTED:bearer]");
        check("AUTHORIZATION: BEARER Zm9vYmFyYmF6cXV4", "AUTHORIZATION: BEARER [REDACTED:bearer]");
        check("{\"headers\":{\"Authorization\":[\"Bearer " + JWT + "\"]}}", "{\"headers\":{\"Authorization\":[\"Bearer [REDACTED:bearer]\"]}}");
        check("curl -H 'Authorization: Bearer tok_live_12' https://api.example.com", "curl -H 'Authorization: Bearer [REDACTED:bearer]' https://api.example.com");
        check("X-Auth: Bearer qwertyuiop", "X-Auth: Bearer [REDACTED:bearer]");
        check("token: Bearer abc12345", "token: Bearer [REDACTED:bearer]");
        check("sent Bearer 9f8e7d6c5b4a39281706abcd upstream", "sent Bearer [REDACTED:bearer] upstream");
        check("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED:secret_pair]");
    }

    @Test
    void redactsJsonWebTokens() {
        check("jwt " + JWT, "jwt [REDACTED:jwt]");
        check("?id_token_hint=x&jwt=" + JWT + "&next=/", "?id_token_hint=x&jwt=[REDACTED:jwt]&next=/");
        check("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ. accepted", "unsigned [REDACTED:jwt] accepted");
        check("jwe eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ end",
                "jwe [REDACTED:jwt] end");
    }

    @Test
    void redactsCloudAndServiceKeys() {
        check("key " + AWS_KEY_ID + " denied", "key [REDACTED:aws_access_key] denied");
        check("sts ASIAY34FZKBOKMUTVV7A expired", "sts [REDACTED:aws_access_key] expired");
        check("aws_secret_access_key=" + AWS_SECRET, "aws_secret_access_key=[REDACTED:aws_secret]");
        check("AWS_SECRET_ACCESS_KEY: " + AWS_SECRET + " set", "AWS_SECRET_ACCESS_KEY: [REDACTED:aws_secret] set");
        check("{\"SecretAccessKey\": \"" + AWS_SECRET + "\"}", "{\"SecretAccessKey\": \"[REDACTED:aws_secret]\"}");
        check("aws_secret_key=short", "aws_secret_key=[REDACTED:secret_pair]");
        check("push with " + GITHUB, "push with [REDACTED:github_token]");
        check("gho_16C7e42F292c6912E7710c838347Ae178B4a and ghs_16C7e42F292c6912E7710c838347Ae178B4a",
                "[REDACTED:github_token] and [REDACTED:github_token]");
        check("pat github_pat_11ABCDEFG0123456789abcd_efghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 ok", "pat [REDACTED:github_token] ok");
        check("clone with glpat-xYz12AbCdEfGhIjKlMnO failed", "clone with [REDACTED:gitlab_token] failed");
        check("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx ok", "slack [REDACTED:slack_token] ok");
        check("xoxp-1234567890-abcdef", "[REDACTED:slack_token]");
        check("post https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed",
                "post https://hooks.slack.com/services/[REDACTED:slack_token] failed");
        check("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe [REDACTED:stripe_key]");
        check("sk_test_51H8abcDEFghiJKLmnoPQR rk_live_51H8abcDEFghiJKLmnoPQR", "[REDACTED:stripe_key] [REDACTED:stripe_key]");
        check("maps AIzaSyD-abcdefghijklmnopqrstuvwxyz01234 quota", "maps [REDACTED:google_api_key] quota");
        check("openai sk-T3BlbkFJabcdefghijklmnopqrstuvwxyz0123456789ABCD", "openai [REDACTED:openai_key]");
        check("OPENAI_API_KEY is sk-proj-Ab3dEf6hIj9lMn2pQr5tUv8xYz1BcD4fGh7jKl0_x-y", "OPENAI_API_KEY is [REDACTED:openai_key]");
    }

    @Test
    void redactsOnlyThePasswordOfAUrl() {
        check("connect postgres://app:hunter2@db.internal:5432/orders", "connect postgres://app:[REDACTED:url_password]@db.internal:5432/orders");
        check("https://bob:p@ss:w0rd@example.com/x?y=1", "https://bob:[REDACTED:url_password]@example.com/x?y=1");
        check("redis://:s3cret@cache:6379", "redis://:[REDACTED:url_password]@cache:6379");
        check("amqp+ssl://guest:guest@mq/ and mongodb+srv://u:pw@cluster0.example.net", "amqp+ssl://guest:[REDACTED:url_password]@mq/ and mongodb+srv://u:[REDACTED:url_password]@cluster0.example.net");
        check("{\"dsn\":\"mysql://root:toor@localhost/db\"}", "{\"dsn\":\"mysql://root:[REDACTED:url_password]@localhost/db\"}");
    }

    @Test
    void redactsValuesOfSecretKeysInEveryNotation() {
        check("login password=hunter2 ok", "login password=[REDACTED:secret_pair] ok");
        check("passwd=x pwd=y secret=z", "passwd=[REDACTED:secret_pair] pwd=[REDACTED:secret_pair] secret=[REDACTED:secret_pair]");
        check("token=abc api_key=def apikey=ghi", "token=[REDACTED:secret_pair] api_key=[REDACTED:secret_pair] apikey=[REDACTED:secret_pair]");
        check("access_token=a1 client_secret=b2 refresh_token=c3", "access_token=[REDACTED:secret_pair] client_secret=[REDACTED:secret_pair] refresh_token=[REDACTED:secret_pair]");
        check("GET /cb?token=abc&x=1", "GET /cb?token=[REDACTED:secret_pair]&x=1");
        check("{\"user\":\"bob\",\"password\": \"hunter2\",\"n\":1}", "{\"user\":\"bob\",\"password\": \"[REDACTED:secret_pair]\",\"n\":1}");
        check("{\"password\":\"hun\\\"ter\"}", "{\"password\":\"[REDACTED:secret_pair]\"}");
        check("msg=\"{\\\"apiKey\\\":\\\"k-123\\\"}\"", "msg=\"{\\\"apiKey\\\":\\\"[REDACTED:secret_pair]\\\"}\"");
        check("Password: Tr0ub4dor&3", "Password: [REDACTED:secret_pair]");
        check("DB_PASSWORD = 'correct horse'", "DB_PASSWORD = '[REDACTED:secret_pair]'");
        check("X-Api-Key: 0a1b2c3d", "X-Api-Key: [REDACTED:secret_pair]");
        check("{:password => \"s3\"}", "{:password => \"[REDACTED:secret_pair]\"}");
        check("clientSecret=abc;next", "clientSecret=[REDACTED:secret_pair];next");
        check("passphrase: 'a b c'", "passphrase: '[REDACTED:secret_pair]'");
        check("secret: \"unterminated value to the end", "secret: \"[REDACTED:secret_pair]");
        check("private_key=-----BEGIN PRIVATE KEY-----\n" + PEM_BODY + "-----END PRIVATE KEY-----", "private_key=[REDACTED:private_key]");
        check("session token: 9f8e7d6c", "session token: [REDACTED:secret_pair]");
    }

    @Test
    void redactsCardNumbersThatPassLuhnWithACardPrefix() {
        check("card 4111111111111111 charged", "card [REDACTED:credit_card] charged");
        check("card 4111 1111 1111 1111 exp 12/25", "card [REDACTED:credit_card] exp 12/25");
        check("card=4111-1111-1111-1111;", "card=[REDACTED:credit_card];");
        check("mc 5555555555554444 and 2223003122003222", "mc [REDACTED:credit_card] and [REDACTED:credit_card]");
        check("amex 378282246310005 / 3782 822463 10005", "amex [REDACTED:credit_card] / [REDACTED:credit_card]");
        check("discover 6011111111111117 diners 30569309025904 jcb 3530111333300000 unionpay 6200000000000005",
                "discover [REDACTED:credit_card] diners [REDACTED:credit_card] jcb [REDACTED:credit_card] unionpay [REDACTED:credit_card]");
        check("visa13 4222222222222.", "visa13 [REDACTED:credit_card].");
        check("task 4508 0106 0258 7402 207 assigned", "task [REDACTED:credit_card] 207 assigned");
        check("free 4111 1111 1111 1111 407.4 KB", "free [REDACTED:credit_card] 407.4 KB");
    }

    @Test
    void leavesNearMissesAlone() {
        clean("request 550e8400-e29b-41d4-a716-446655440000 done");
        clean("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 pushed");
        clean("order 4111111111111112 shipped");
        clean("order 4532015112830367 shipped");
        clean("order 1234567812345678 shipped");
        clean("GET https://example.com/a?b=c 200");
        clean("mail to bob@example.com bounced; user@host said hi");
        clean("ssh git@github.com:org/repo.git and postgres://app@db:5432/orders");
        clean("password reset email sent");
        clean("2024-01-15T10:30:00.123Z 1705314600123 20171223-22:15:29:606 17/06/09 20:10:40");
        clean("from 10.0.0.1:8080 and [2001:db8::1]:443 via 172.22.149.145:28345");
        clean("payload aGVsbG8gd29ybGQ= decoded");
        clean("the token expired and the secret was rotated");
        clean("invalid token: expired, Token: Token { kind: ContainerToken }, Executing with tokens:");
        clean("sk-1234 sk-learn-compatible-estimators-galore task-0123456789abcdefghijklmnop");
        clean("missing Bearer; Bearer realm=\"api\"; Bearer token expired; Bearer");
        clean("Authorization: Bearer");
        clean("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----");
        clean("-----BEGIN PUBLIC KEY----- x -----END PUBLIC KEY-----");
        clean("password= token=\"\" {\"password\": null} secret=none api_key=false");
        clean("authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4  user=root");
        clean("password=******** token=[REDACTED]");
        clean("sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls");
        clean("app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0}}}");
        clean("Bad activity token: android.os.BinderProxy@2bd79ce");
        clean("max_tokens=256 token_count=3 tokens=5 tokenizer=bpe");
        clean("ghp_short glpat-short xoxb-12 sk_live_short AIzaTooShort");
        clean("XAKIAIOSFODNN7EXAMPLE AKIAIOSFODNN7EXAMPL AKIAIOSFODNN7EXAMPLE1 mask_live_0123456789abcdefghij");
        clean("block blk_-6952295868487656571 and blk_38865049064139660 and id=R02-M1-N0-C:J12-U11");
        clean("score=0.4111111111111111 version 4.111111111111111");
        clean("counts 4111 1111 11 1111 and 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16");
        clean("header eyJhbGciOiJIUzI1NiJ9 alone, eyJ.short.x");
        clean("");
    }

    @Test
    void findsSeveralSecretsAtEitherEndAndAmongUnicode() {
        check(AWS_KEY_ID + " then password=x then " + GITHUB, "[REDACTED:aws_access_key] then password=[REDACTED:secret_pair] then [REDACTED:github_token]");
        check(GITHUB, "[REDACTED:github_token]");
        check("password=x", "password=[REDACTED:secret_pair]");
        check("jeton ➜ " + GITHUB + " ✓ überprüft", "jeton ➜ [REDACTED:github_token] ✓ überprüft");
        check("令牌" + GITHUB + "已泄露", "令牌[REDACTED:github_token]已泄露");
        check("пароль password=пароль123 конец", "пароль password=[REDACTED:secret_pair] конец");
        check("🔑 Authorization: Bearer 🙈abc", "🔑 Authorization: Bearer 🙈abc");
        check("🔑 Authorization: Bearer abc12345🙈", "🔑 Authorization: Bearer [REDACTED:bearer]🙈");
        clean("x" + JWT);
        check(JWT + "x", "[REDACTED:jwt]");
        check("(" + JWT + ")", "([REDACTED:jwt])");
    }

    @Test
    void redactsAttributeValuesWholeUnderSecretKeys() {
        assertEquals("[REDACTED:secret_pair]", redactor.redactAttribute("password", "hunter2"));
        assertEquals("[REDACTED:secret_pair]", redactor.redactAttribute("db_password", "correct horse battery"), "all of it, blanks too");
        assertEquals("[REDACTED:secret_pair]", redactor.redactAttribute("X-Api-Key", "k 1 2"));
        assertEquals("[REDACTED:aws_secret]", redactor.redactAttribute("aws_secret_access_key", AWS_SECRET));
        assertEquals("password=[REDACTED:secret_pair] for bob", redactor.redactAttribute("note", "password=x for bob"));
        assertEquals("[REDACTED:github_token]", redactor.redactAttribute(null, GITHUB));
        for (String[] kept : new String[][] {{"user", "bob"}, {"token", "null"}, {"PWD", "/home/alice"}, {"api_key", ""}, {"secret", "***"}}) {
            assertSame(kept[1], redactor.redactAttribute(kept[0], kept[1]), kept[0] + "=" + kept[1]);
        }
        assertEquals(null, redactor.redactAttribute("password", null));
        assertEquals(4, redactor.redactedCount(RedactionKind.SECRET_PAIR));
    }

    @Test
    void redactingTwiceChangesNothingMore() {
        String once = redactor.redact("password=x " + GITHUB + " https://u:p@h Authorization: Bearer abcdefgh12 4111111111111111");
        assertSame(once, redactor.redact(once));
    }

    @Test
    void aMegabyteWithoutSecretsComesBackAsTheSameInstance() {
        String line = "GET /api/v1/users?id=42&page=3 200 12ms user=alice@example.com ts=2024-01-15T10:30:00Z ip=10.0.0.1 ok\n";
        String megabyte = line.repeat(1_000_000 / line.length());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertSame(megabyte, redactor.redact(megabyte)));
    }

    @Test
    void aMegabyteOfSecretsIsRedactedEverywhereAndCounted() {
        String line = "login ok password=hunter2 key " + AWS_KEY_ID + " card 4111111111111111\n";
        int lines = 1_000_000 / line.length();
        String redacted = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> redactor.redact(line.repeat(lines)));
        assertEquals("login ok password=[REDACTED:secret_pair] key [REDACTED:aws_access_key] card [REDACTED:credit_card]\n".repeat(lines), redacted);
        assertEquals(lines, redactor.redactedCount(RedactionKind.SECRET_PAIR));
        assertEquals(lines, redactor.redactedCount(RedactionKind.AWS_ACCESS_KEY));
        assertEquals(lines, redactor.redactedCount(RedactionKind.CREDIT_CARD));
    }

    @Test
    void adversarialTextsStayLinear() {
        for (String unit : List.of("token:a", "sk-", "AIza-", "-----BEGIN ", "eyJaaaaaaaaaaa.", "a://", "Bearer a-", "password=\"[REDACTED",
                "4111 ", "d_=", "\"secret\":")) {
            String text = unit.repeat(1_000_000 / unit.length());
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> redactor.redact(text), "1 MB of '" + unit + "'");
        }
    }

    @Test
    void countsEachReplacementByKind() {
        redactor.redact("password=a token=b " + JWT);
        redactor.redact("clean text");
        redactor.redact(GITHUB + " " + GITHUB);
        assertEquals(2, redactor.redactedCount(RedactionKind.SECRET_PAIR));
        assertEquals(1, redactor.redactedCount(RedactionKind.JWT));
        assertEquals(2, redactor.redactedCount(RedactionKind.GITHUB_TOKEN));
        assertEquals(0, redactor.redactedCount(RedactionKind.CREDIT_CARD));
        assertEquals(0, Redactor.standard().redactedCount(RedactionKind.SECRET_PAIR), "a new standard redactor counts from zero");
        Redactor project = redactor.withExtraPatterns(List.of("ORD-\\d{6}"));
        project.redact("ORD-123456 and password=c");
        assertEquals(3, redactor.redactedCount(RedactionKind.SECRET_PAIR), "a derived redactor counts into its parent's counts");
        assertEquals(1, redactor.redactedCount(RedactionKind.CUSTOM));
        assertEquals("[REDACTED:aws_secret]", RedactionKind.AWS_SECRET.replacement());
        assertEquals("url_password", RedactionKind.URL_PASSWORD.wireName());
    }

    @Test
    void extraPatternsRedactTheirMatchesAfterTheBuiltIns() {
        Redactor project = redactor.withExtraPatterns(List.of("ORD-\\d{6}", "(?<=employee_id=)\\w+", "(?i)internal-[a-z]+"));
        assertEquals("order [REDACTED:custom] by employee_id=[REDACTED:custom] [REDACTED:custom] password=[REDACTED:secret_pair]",
                project.redact("order ORD-123456 by employee_id=e42 INTERNAL-Zeta password=x"));
        String clean = "nothing to see";
        assertSame(clean, project.redact(clean));
        assertEquals("password=[REDACTED:secret_pair]", redactor.redact("password=x"), "the parent keeps only the built-ins");
    }

    @Test
    void rejectsUnfitExtraPatternsWithWhatToDo() {
        invalid("(unclosed", "extra redaction pattern '(unclosed' does not compile: Unclosed group near index 9; fix it (Java regular expression syntax)");
        invalid("", "extra redaction pattern must not be empty; give a regular expression that matches the secret");
        invalid("a*", "extra redaction pattern 'a*' matches the empty string (in ''); make it require at least one character, e.g. '+' instead of '*'");
        invalid("x|", "extra redaction pattern 'x|' matches the empty string (in ''); make it require at least one character, e.g. '+' instead of '*'");
        invalid("(a+)+$", "extra redaction pattern '(a+)+$' repeats a group that itself repeats ('(a+)+'), which can take exponential time;"
                + " rewrite it without the nesting, or make the inner repetition possessive ('a++') or the group atomic ('(?>...)')");
        invalid("(?:\\w+\\s?)*end", "extra redaction pattern '(?:\\w+\\s?)*end' repeats a group that itself repeats ('(?:\\w+\\s?)*'), which"
                + " can take exponential time; rewrite it without the nesting, or make the inner repetition possessive ('a++') or the group atomic ('(?>...)')");
        invalid("a+a+a+a+a+a+$", "extra redaction pattern 'a+a+a+a+a+a+$' backtracks catastrophically: more than 23000 character reads on the"
                + " 65-character probe 'aaaaaaaa...aaa!'; rewrite it without repetitions that can match the same text");
        String tooLong = "x".repeat(ExtraPattern.MAX_LENGTH + 1);
        invalid(tooLong, "extra redaction pattern '" + "x".repeat(77) + "...' is 513 characters long, at most 512 are allowed; split it into several patterns");
        invalid(Collections.nCopies(Redactor.MAX_EXTRA_PATTERNS + 1, "x"), "33 extra redaction patterns, at most 32 are allowed; join related ones with '|'");
    }

    @Test
    void acceptsPatternsThatDoNotBacktrackIntoThemselves() {
        for (String regex : List.of("(a++)+$", "(?>a+)+$", "(a+)++$", "(ab){2}", "[(+*]+x", "\\(a+\\)+", "\\Q(a+)+\\E", "(?i)(?<key>tok)en=\\w+",
                "\\p{Alpha}{3,}-\\d+", "a{2,}b")) {
            redactor.withExtraPatterns(List.of(regex));
        }
        assertEquals(null, ExtraPattern.nestedRepetition("(a{2})+"), "an exact inner count does not backtrack");
        assertEquals("(.*a){20}", ExtraPattern.nestedRepetition("(.*a){20}"));
        assertEquals("(b+|c)*", ExtraPattern.nestedRepetition("x(b+|c)*y"));
    }

    @Test
    void anExtraPatternThatRunsOutOfBudgetRedactsTheWholeTextAndIsCounted() {
        Redactor evil = redactor.withPatterns(List.of(ExtraPattern.unvalidated("(a+)+$")));
        String input = "a".repeat(5_000) + "! password=x";
        long started = System.nanoTime();
        String redacted = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> evil.redact(input));
        assertEquals("[REDACTED:custom]", redacted);
        assertEquals(1, evil.extraPatternTimeouts());
        assertEquals(1, redactor.redactedCount(RedactionKind.CUSTOM));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(1).toNanos(), "bounded by the read budget, not by the pattern");
        assertEquals("aaa!", evil.redact("aaa!"), "a short text stays within the budget and is matched normally");
    }

    @Test
    void theReadBudgetAlsoBoundsPatternsThatValidationLetThrough() {
        // 'q' is in no probe, so validation cannot see that this is O(n^6) on q...q!; the run-time bound still holds.
        Redactor project = redactor.withExtraPatterns(List.of("q+q+q+q+q+q+$"));
        String redacted = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> project.redact("q".repeat(200) + "!"));
        assertEquals("[REDACTED:custom]", redacted);
        assertEquals(1, project.extraPatternTimeouts());
    }

    private void invalid(String regex, String message) {
        invalid(List.of(regex), message);
    }

    private void invalid(List<String> regexes, String message) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> redactor.withExtraPatterns(regexes));
        assertEquals(message, e.getMessage());
    }
}
