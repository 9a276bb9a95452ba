package io.larch.ingest.protocol.loki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LokiLabelsTest {
    private static void check(String text, Map<String, String> expected) {
        assertEquals(expected, LokiLabels.parse(text), text);
    }

    private static void refused(String text, String reason) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> LokiLabels.parse(text), text);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void parsesPrometheusTextForm() {
        check("{}", Map.of());
        check("", Map.of());
        check("  { app = \"shop\" , level=\"error\", }  ", Map.of("app", "shop", "level", "error"));
        check("{app=\"shop\",level=\"error\"}", Map.of("app", "shop", "level", "error"));
        check("{a=\"\"}", Map.of("a", ""));
        check("{_x9=\"1\"}", Map.of("_x9", "1"));
        check("{\"service.name\"=\"utf8 name\"}", Map.of("service.name", "utf8 name"));
        check("{k8s.pod=\"p\"}", Map.of("k8s.pod", "p"));
        check("{a=`raw \\n`}", Map.of("a", "raw \\n"));
        check("{a=\"x\", a=\"y\"}", Map.of("a", "y"));
    }

    @Test
    void resolvesEscapes() {
        check("{a=\"say \\\"hi\\\"\"}", Map.of("a", "say \"hi\""));
        check("{a=\"back\\\\slash\"}", Map.of("a", "back\\slash"));
        check("{a=\"tab\\tnl\\ncr\\r\"}", Map.of("a", "tab\tnl\ncr\r"));
        check("{a=\"\\u00e9t\\u00e9 \\x41 \\101 \\U0001F600\"}", Map.of("a", "été A A \uD83D\uDE00"));
        check("{a=\"caf\u00e9 \u65e5\u672c\"}", Map.of("a", "café 日本"));
        check("{a=\"C:\\dir\\sub\"}", Map.of("a", "C:\\dir\\sub"));
        check("{a=\"\\xZZ \\9\"}", Map.of("a", "\\xZZ \\9"));
        check("{a=\"a,b=c}\"}", Map.of("a", "a,b=c}"));
    }

    @Test
    void refusesWhatIsNotLabelText() {
        refused("app=\"x\"", "expected '{', found 'a'");
        refused("{app=\"x\"", "expected '}' at the end");
        refused("{app=\"x\" level=\"y\"}", "at character 10 of {app=\"x\" level=\"y\"}: expected '}', found 'l'");
        refused("{app=x}", "expected a double-quoted value");
        refused("{app=\"x}", "unterminated quoted string");
        refused("{app=\"x\\", "unterminated quoted string");
        refused("{=\"x\"}", "expected a label name, found '='");
        refused("{9a=\"x\"}", "expected a label name, found '9'");
        refused("{app!=\"x\"}", "matchers like != and =~ belong in queries");
        refused("{app=~\"x\"}", "matchers like != and =~ belong in queries");
        refused("{app=\"x\"} extra", "unexpected text after '}'");
        refused("{app=`x}", "unterminated `raw` value");
        refused("{app}", "expected '='");
    }
}
