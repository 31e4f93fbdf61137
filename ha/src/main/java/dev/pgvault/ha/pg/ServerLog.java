package dev.pgvault.ha.pg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server log pg_ctl appends to. A failed start is explained by what the server wrote during
 * that start only: the log also holds older errors, such as the FATAL lines of the agent's own
 * status queries while an earlier start was in progress.
 */
record ServerLog(Path file) {

    /** Where the log ends now: read from here after a start. */
    long end() {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last error line written since {@code from}, or null. */
    String lastErrorSince(long from) {
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(Math.min(from, Files.size(file)));
            return ErrorLine.marked(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }
}
