package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Reads the WAL from a parent backup's start to a new backup's start with pg_waldump, keeping the
 * Storage and Database records ({@link RelationChanges}). Each segment is taken from the local
 * pg_wal where it still is, else from the repository, into a temporary directory removed after.
 */
final class WalChangeScan {
    private WalChangeScan() {}

    static RelationChanges scan(Path pgdata, WalArchive archive, Path pgBin, Path tempParent, int timeline, Lsn from,
            Lsn to, long segmentSize) throws IOException, InterruptedException {
        if (from.compareTo(to) >= 0) {
            return RelationChanges.NONE;
        }
        String first = WalFileName.segmentName(timeline, from.segmentNumber(segmentSize), segmentSize);
        String last = WalFileName.segmentName(timeline, to.segmentNumber(segmentSize), segmentSize);
        Path dir = Files.createTempDirectory(tempParent, "pgvault-walscan-");
        try {
            for (String name : WalArrival.segments(first, last, segmentSize)) {
                fetch(pgdata, archive, name, dir.resolve(name));
            }
            return RelationChanges.parse(waldump(pgBin, dir, timeline, from, to));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void fetch(Path pgdata, WalArchive archive, String name, Path dest) throws IOException {
        Path local = pgdata.resolve("pg_wal").resolve(name);
        try {
            Files.copy(local, dest);
            return;
        } catch (NoSuchFileException e) {
            // removed after archiving: the repository has it
        }
        if (!archive.get(WalFileName.parse(name), dest)) {
            throw new BrokenChainException("WAL segment " + name + ", between the parent backup's start and this backup's,"
                    + " is neither in pg_wal nor in the repository: an incremental backup cannot tell which relations"
                    + " changed; take a full backup (--type full)");
        }
    }

    private static List<String> waldump(Path pgBin, Path dir, int timeline, Lsn from, Lsn to)
            throws IOException, InterruptedException {
        String exe = pgBin == null ? "pg_waldump" : pgBin.resolve("pg_waldump").toString();
        List<String> cmd = List.of(exe, "--path=" + dir, "--timeline=" + timeline, "--start=" + from, "--end=" + to,
                "--rmgr=Storage", "--rmgr=Database", "--rmgr=XLOG");
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // failedPast reads pg_waldump's English messages: no translation
            pb.environment().put("LC_ALL", "C");
            pb.environment().remove("LANGUAGE");
            p = pb.start();
        } catch (IOException e) {
            throw new BackupRefusedException("cannot run " + exe + " (" + e.getMessage() + "): an incremental backup reads"
                    + " the WAL since its parent with it; set pg.bin to PostgreSQL's bin directory");
        }
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        List<String> lines = new ArrayList<>();
        try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                // of the XLOG records (checkpoints, full-page images) only the parameter changes matter
                if (!line.startsWith("rmgr: XLOG") || line.contains("PARAMETER_CHANGE")) {
                    lines.add(line);
                }
            }
        }
        int rc = p.waitFor();
        String why = err.join().strip().replace('\n', ' ');
        if (rc != 0 && !failedPast(why, to)) {
            throw new BackupRefusedException("pg_waldump could not read the WAL from the parent backup's start " + from + " to "
                    + to + " (exit " + rc + (why.isEmpty() ? "" : ": " + why) + "); take a full backup (--type full)");
        }
        return lines;
    }

    private static final java.util.regex.Pattern AT = java.util.regex.Pattern.compile(" at ([0-9A-F]+/[0-9A-F]+)");

    /**
     * Whether pg_waldump's error is about a record at or past {@code to}, so every record before it
     * was read. pg_waldump 15 stops with an error when it looks for the record at its end
     * position and that spot is still being written, or when it asks for the rest of a page past
     * the end it was given (a record that starts a segment, after a WAL switch: the page it then
     * decodes is the previous one's), instead of stopping quietly.
     */
    static boolean failedPast(String error, Lsn to) {
        java.util.regex.Matcher m = AT.matcher(error);
        Lsn last = null;
        while (m.find()) {
            last = Lsn.parse(m.group(1));
        }
        return last != null && last.compareTo(to) >= 0;
    }
}
