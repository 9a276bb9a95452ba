package io.larch.ingest.protocol.vercel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.model.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Vercel drain entries and deployment events onto Larch events, one case per line. */
class VercelEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The mapped event of {@code entry} (single quotes for double), minus attrs, as JSON; then its attrs. */
    private static void check(String entry, String expectedEvent, String expectedAttrs) throws Exception {
        ObjectNode event = VercelEvents.event(JSON.readTree(entry.replace('\'', '"')));
        JsonNode attrs = event.remove("attrs");
        assertEquals(expectedEvent.replace('\'', '"'), event.toString(), entry);
        assertEquals(expectedAttrs.replace('\'', '"'), attrs.toString(), entry);
    }

    @Test
    void mapsDrainEntries() throws Exception {
        check("{'message':'built','timestamp':5,'source':'build','buildId':'bld_1','deploymentId':'dpl_1','type':'stdout'}",
                "{'ts':5,'kind':'build','level':'info','message':'built','deploymentId':'dpl_1','buildId':'bld_1'}",
                "{'vercelSource':'build','buildId':'bld_1','vercelType':'stdout'}");
        check("{'message':'b','source':'build','deploymentId':'dpl_2'}",
                "{'kind':'build','level':'info','message':'b','deploymentId':'dpl_2','buildId':'dpl_2'}",
                "{'vercelSource':'build'}");
        check("{'id':'x','message':'m','source':'lambda','statusCode':502,'projectName':'shop','traceId':'t1'}",
                "{'kind':'app','level':'error','message':'m','traceId':'t1','source':'shop'}",
                "{'vercelId':'x','vercelSource':'lambda','statusCode':502,'projectName':'shop'}");
        check("{'message':'m','source':'edge','statusCode':-1}", "{'kind':'app','level':'error','message':'m'}",
                "{'vercelSource':'edge','statusCode':-1}");
        check("{'source':'static','path':'/a.png','proxy':{'method':'GET','statusCode':404,'userAgent':['A','B']}}",
                "{'kind':'app','level':'warn','message':'GET /a.png 404'}",
                "{'vercelSource':'static','path':'/a.png','proxy.method':'GET','proxy.statusCode':404,'proxy.userAgent':'A, B'}");
        check("{'message':'m','level':'warning','statusCode':500}", "{'kind':'app','level':'warn','message':'m'}",
                "{'statusCode':500}");
        check("{'message':'m','type':'stderr','projectId':'prj_1'}", "{'kind':'app','level':'error','message':'m','source':'prj_1'}",
                "{'vercelType':'stderr','projectId':'prj_1'}");
        check("{'source':'firewall'}", "{'kind':'app','level':'info','message':'(vercel firewall entry without a message)'}",
                "{'vercelSource':'firewall'}");
    }

    @Test
    void readsArraysAndNdjsonAndNamesWhatIsWrong() {
        assertEquals(2, VercelEvents.entries("[{\"a\":1},{\"b\":2}]".getBytes(StandardCharsets.UTF_8)).size());
        assertEquals(2, VercelEvents.entries("{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8)).size());
        assertEquals(1, VercelEvents.entries("{\"a\":1}".getBytes(StandardCharsets.UTF_8)).size());
        assertEquals(0, VercelEvents.entries(new byte[0]).size());
        assertTrue(assertThrows(InvalidInputException.class, () -> VercelEvents.entries("[{\"a\":1}] x".getBytes(
                StandardCharsets.UTF_8))).getMessage().contains("not a JSON array or NDJSON"));
        assertTrue(assertThrows(InvalidInputException.class, () -> VercelEvents.entries("{\"a\":1}\n7".getBytes(
                StandardCharsets.UTF_8))).getMessage().contains("entry 1: a log drain entry must be a JSON object"));
    }

    @Test
    void mapsDeploymentEvents() throws Exception {
        JsonNode wrapped = JSON.readTree("{\"type\":\"stderr\",\"created\":9,\"payload\":{\"id\":\"e1\",\"date\":8,\"text\":\"boom\","
                + "\"deploymentId\":\"dpl_1\",\"info\":{\"type\":\"build\",\"name\":\"bld_1\"}}}");
        ObjectNode event = VercelEvents.deploymentEvent(wrapped, "dpl_followed");
        assertEquals("{\"ts\":8,\"kind\":\"build\",\"level\":\"error\",\"message\":\"boom\",\"deploymentId\":\"dpl_1\","
                + "\"buildId\":\"bld_1\",\"source\":\"vercel\",\"attrs\":{\"vercelId\":\"e1\",\"info.type\":\"build\","
                + "\"info.name\":\"bld_1\",\"vercelType\":\"stderr\"}}", event.toString());
        JsonNode flat = JSON.readTree("{\"type\":\"stdout\",\"created\":7,\"text\":\"hi\",\"serial\":\"s7\"}");
        assertEquals("{\"ts\":7,\"kind\":\"build\",\"level\":\"info\",\"message\":\"hi\",\"deploymentId\":\"dpl_followed\","
                        + "\"buildId\":\"dpl_followed\",\"source\":\"vercel\",\"attrs\":{\"vercelId\":\"s7\",\"serial\":\"s7\","
                        + "\"vercelType\":\"stdout\"}}",
                VercelEvents.deploymentEvent(flat, "dpl_followed").toString());
        assertEquals("s7", VercelEvents.eventId(flat));
        assertEquals(7, VercelEvents.eventTime(flat));
        assertNull(VercelEvents.deploymentEvent(JSON.readTree("{\"type\":\"delimiter\",\"created\":1,\"payload\":{\"text\":\"\"}}"),
                "d"));
    }
}
