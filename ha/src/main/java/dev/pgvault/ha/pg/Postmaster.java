package dev.pgvault.ha.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The postmaster named by a data directory's postmaster.pid, if it still runs. */
final class Postmaster {
    private Postmaster() {}

    /**
     * True when postmaster.pid names a live process that is a PostgreSQL server. A crash leaves the
     * file behind, and its pid may since belong to another program: when the command is visible it
     * must be postgres.
     */
    static boolean alive(Path dataDirectory) {
        Optional<Long> pid = pid(dataDirectory);
        if (pid.isEmpty()) {
            return false;
        }
        return ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive)
                .map(h -> h.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("/postmaster")).orElse(true))
                .orElse(false);
    }

    private static Optional<Long> pid(Path dataDirectory) {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no file, or one being written: no postmaster to speak of
        }
    }
}
