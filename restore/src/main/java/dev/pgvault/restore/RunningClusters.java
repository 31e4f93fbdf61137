package dev.pgvault.restore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL clusters running on this host, as far as this user can see them: a process whose
 * working directory holds a {@code postmaster.pid} naming that process is a postmaster, and that
 * directory its data directory (PostgreSQL changes into it at start). Processes of other users,
 * PID namespaces or hosts are not seen: this narrows what a delta restore may touch, it never
 * proves a location unused.
 */
final class RunningClusters {
    private static final Path PROC = Path.of("/proc");

    private RunningClusters() {}

    /** A running postmaster: its pid and data directory. */
    record Postmaster(long pid, Path dataDirectory) {}

    /**
     * Every tablespace location (its real path) that a running cluster's {@code pg_tblspc} links
     * to, with that cluster; {@code except} (a data directory, real path) left out.
     */
    static Map<Path, Postmaster> tablespaceLocations(Path except) {
        Map<Path, Postmaster> in = new HashMap<>();
        if (!Files.isDirectory(PROC)) {
            return in;
        }
        for (Postmaster p : postmasters()) {
            if (p.dataDirectory().equals(except)) {
                continue;
            }
            try (DirectoryStream<Path> links = Files.newDirectoryStream(p.dataDirectory().resolve("pg_tblspc"))) {
                for (Path link : links) {
                    real(link).ifPresent(location -> in.put(location, p));
                }
            } catch (IOException | SecurityException e) {
                // not readable by this user, or gone meanwhile: not seen
            }
        }
        return in;
    }

    /** The real path of {@code path} (links followed), or empty when it cannot be resolved. */
    static Optional<Path> real(Path path) {
        try {
            return Optional.of(path.toRealPath());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    private static List<Postmaster> postmasters() {
        return ProcessHandle.allProcesses().map(RunningClusters::postmaster).flatMap(Optional::stream).toList();
    }

    private static Optional<Postmaster> postmaster(ProcessHandle process) {
        try {
            Path cwd = Files.readSymbolicLink(PROC.resolve(Long.toString(process.pid())).resolve("cwd"));
            Path pidFile = cwd.resolve("postmaster.pid");
            if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            String first;
            try (var lines = Files.lines(pidFile)) {
                first = lines.findFirst().orElse("").strip();
            }
            return first.equals(Long.toString(process.pid())) ? Optional.of(new Postmaster(process.pid(), cwd.toRealPath()))
                    : Optional.empty();
        } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
            return Optional.empty(); // another user's process, or one that ended
        }
    }
}
