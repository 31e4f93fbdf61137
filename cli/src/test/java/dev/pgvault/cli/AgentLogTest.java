package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentLogTest {
    private static final Instant AT = Instant.parse("2026-12-04T10:00:00.123456Z");

    @Test
    void textIsTimeMemberMessage() {
        assertEquals("2026-12-04T10:00:00.123Z n1 leader: renewed the lease",
                new AgentLog(System.out, AgentLog.Format.text, "n1", "demo").line(AT, "leader: renewed the lease"));
    }

    @Test
    void jsonIsOneObjectPerLineWithEveryCharacterEscaped() {
        assertEquals("{\"time\":\"2026-12-04T10:00:00.123Z\",\"member\":\"n1\",\"cluster\":\"demo\","
                + "\"message\":\"replica: \\\"n2\\\" said C:\\\\x\\nnext\\u0001\"}",
                new AgentLog(System.out, AgentLog.Format.json, "n1", "demo").line(AT, "replica: \"n2\" said C:\\x\nnext\u0001"));
    }
}
