package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** The one line a failure becomes. */
class FailuresTest {

    private static String line(Throwable t) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Failures.report(t, false, new PrintStream(err, true, StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8).strip();
    }

    /** The JDK's message of these is the bare path, which reads as nothing at all. */
    @Test
    void fileSystemErrorsSayWhatHappenedToThePath() {
        assertEquals("pgvault: permission denied: /tmp/x/pg_wal/RECOVERYXLOG.pgvault-tmp",
                line(new AccessDeniedException("/tmp/x/pg_wal/RECOVERYXLOG.pgvault-tmp")));
        assertEquals("pgvault: no such file or directory: /nowhere", line(new NoSuchFileException("/nowhere")));
        assertEquals("pgvault: x: cannot open: because", line(new AccessDeniedException("x", null, "cannot open: because")));
    }
}
