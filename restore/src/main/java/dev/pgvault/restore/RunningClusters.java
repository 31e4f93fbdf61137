package dev.pgvault.restore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The PostgreSQL clusters running on this host, as far as this user can see them (all of them as
 * root): a process whose working directory holds a {@code postmaster.pid} naming that process
 * (negated for a single-user backend) is a postmaster, and that directory its data directory
 * (PostgreSQL changes into it at start). Processes of other users (unless root), of other PID or
 * mount namespaces, or of other hosts are not seen: this narrows what a restore may touch and
 * where it may run ({@link SameHostOriginal}), it never proves a place unused.
 */
final class RunningClusters {
    private static final Path PROC = Path.of("/proc");

    private RunningClusters() {}

    /**
     * A running postmaster: its pid, its data directory, the real paths of its tablespace
     * locations, and the OIDs of its tablespaces that are links (not in-place directories).
     */
    record Postmaster(long pid, Path dataDirectory, List<Path> locations, Set<String> linkedOids) {
        /** The data directory or location of this cluster that {@code place} (a real path) is inside of or holds, if any. */
        Optional<Path> overlapping(Path place) {
            List<Path> mine = new ArrayList<>(locations);
            mine.add(0, dataDirectory);
            return mine.stream().filter(m -> place.startsWith(m) || m.startsWith(place)).findFirst();
        }
    }

    /** The running postmasters this user can see, but the one whose data directory is {@code pgdata}. */
    static List<Postmaster> besides(Path pgdata) {
        return postmasters(real(pgdata).orElse(pgdata.toAbsolutePath().normalize()));
    }

    /** The running postmasters this user can see, but the one of data directory {@code except} (a real path). */
    static List<Postmaster> postmasters(Path except) {
        if (!Files.isDirectory(PROC)) {
            return List.of();
        }
        return ProcessHandle.allProcesses().map(RunningClusters::postmaster).flatMap(Optional::stream)
                .filter(p -> !p.dataDirectory().equals(except)).toList();
    }

    /** The real path of {@code path} (links followed), or empty when it cannot be resolved. */
    static Optional<Path> real(Path path) {
        try {
            return Optional.of(path.toRealPath());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Where {@code path} is or would be: its real path, or for one that does not exist yet, its
     * nearest existing parent's real path and the rest of it (a linked parent followed).
     */
    static Path whereItLies(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        for (Path p = absolute; p != null; p = p.getParent()) {
            Optional<Path> r = real(p);
            if (r.isPresent()) {
                return r.get().resolve(p.relativize(absolute));
            }
        }
        return absolute;
    }

    /**
     * The first line of a {@code postmaster.pid}, stripped, read without following a link and at
     * most {@value #PID_LINE_MAX} bytes of it (a pid, negated by a single-user backend); "" when
     * there is none to read.
     */
    static String firstLineOf(Path pidFile) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(pidFile,
                java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(PID_LINE_MAX);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // up to the first bytes only
            }
            String text = new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.US_ASCII);
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).strip();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static final int PID_LINE_MAX = 32;

    /** The real paths of a data directory's tablespace locations, and the OIDs of those that are links. */
    record Tablespaces(List<Path> locations, Set<String> linkedOids) {}

    /** What {@code dataDirectory}'s pg_tblspc holds; nothing when it cannot be read. */
    static Tablespaces tablespaces(Path dataDirectory) {
        List<Path> locations = new ArrayList<>();
        Set<String> oids = new TreeSet<>();
        try (DirectoryStream<Path> links = Files.newDirectoryStream(dataDirectory.resolve("pg_tblspc"))) {
            for (Path link : links) {
                real(link).ifPresent(locations::add);
                if (Files.isSymbolicLink(link)) {
                    oids.add(link.getFileName().toString());
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException | SecurityException e) {
            // no pg_tblspc readable: no locations seen
        }
        return new Tablespaces(locations, oids);
    }

    private static Optional<Postmaster> postmaster(ProcessHandle process) {
        // read through the process's own link: what it names is the process's working directory
        Path cwd = PROC.resolve(Long.toString(process.pid())).resolve("cwd");
        try {
            Path pidFile = cwd.resolve("postmaster.pid");
            if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            String first = firstLineOf(pidFile);
            if (!first.matches("-?\\d{1,10}") || Math.abs(Long.parseLong(first)) != process.pid()) {
                return Optional.empty(); // a backend, or a shell that changed into the directory
            }
            Tablespaces t = tablespaces(cwd);
            return Optional.of(new Postmaster(process.pid(), cwd.toRealPath(), t.locations(), t.linkedOids()));
        } catch (IOException | SecurityException | java.io.UncheckedIOException | NumberFormatException e) {
            return Optional.empty(); // another user's process, or one that ended
        }
    }
}
