package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A data directory made by PostgreSQL's own initdb with data checksums, never started: real
 * relation pages for the page checksum tests. initdb refuses to run as root; then it runs as
 * the {@code postgres} OS user.
 */
final class InitdbCluster implements AutoCloseable {
    static final Path BIN = Path.of(System.getProperty("pg.bin", "/usr/lib/postgresql/15/bin"));

    final Path base;
    final Path data;

    private InitdbCluster(Path base, Path data) {
        this.base = base;
        this.data = data;
    }

    static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb"));
    }

    static InitdbCluster create() throws IOException, InterruptedException {
        boolean root = System.getProperty("user.name").equals("root");
        Path base = Files.createTempDirectory(Path.of("/tmp"), "pgvault-initdb");
        if (root) {
            UserPrincipal pg = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(base, pg);
        }
        Path data = base.resolve("data");
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "--data-checksums", "--no-sync"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(base.resolve("initdb.log").toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("initdb failed: " + Files.readString(base.resolve("initdb.log")));
        }
        return new InitdbCluster(base, data);
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
