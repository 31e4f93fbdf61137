package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {
    @Test
    void theLineSaysBytesRateFilesAndTimeLeft() {
        assertEquals("restore: 512.0 MiB of 1.0 GiB (50%), 128.0 MiB/s, 1,200 of 2,400 files, ETA 0:04",
                TerminalProgress.line(512L << 20, 1L << 30, 1200, 2400, 4.0, "restore"));
        assertEquals("backup: 2.0 GiB of 2.0 GiB (100%), 1.0 GiB/s, 7 of 7 files",
                TerminalProgress.line(2L << 30, 2L << 30, 7, 7, 2.0, "backup"), "no time left at the end");
        assertEquals("backup: 0 B, 0 B/s", TerminalProgress.line(0, -1, 0, -1, 0, "backup"), "before the plan is known");
    }

    @Test
    void closingDrawsTheLastStateAndEndsTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TerminalProgress p = new TerminalProgress("restore", new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            p.total(100, 2);
            p.add(60, 1);
            p.add(40, 1);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r") && out.endsWith("\n"), out);
        String last = out.substring(out.lastIndexOf('\r') + 1).strip();
        assertTrue(last.startsWith("restore: 100 B of 100 B (100%), ") && last.endsWith(", 2 of 2 files"), last);
    }
}
