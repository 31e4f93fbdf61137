package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.cli.config.ConfigLoader;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The launcher's --build-cds runs this under -XX:DumpLoadedClassList to record the classes that short
 * commands load into lib/pgvault.jsa: an archive-push and an archive-get of a synthetic WAL
 * segment through a filesystem repository, with and without encryption, a small restore, the
 * help screen; with {@code --s3} (for lib/pgvault-s3.jsa), also the same push and get through an
 * S3 repository, against {@link CdsS3Responder}, and a get over https; with {@code --ha} (for
 * lib/pgvault-ha.jsa), only {@link HaTraining}'s run of the {@code ha} commands' start.
 * Not a user command.
 */
public final class CdsTraining {
    private static final int SEGMENT_SIZE = 16 * 1024 * 1024;
    private static final long SYSTEM_ID = 7_000_000_000_000_000_001L;

    private CdsTraining() {}

    /** A training that has not ended by then never will: an installation must not wait on it. */
    private static final long GIVE_UP_MS = 120_000;

    public static void main(String[] args) {
        Thread giveUp = new Thread(() -> {
            try {
                Thread.sleep(GIVE_UP_MS);
                System.err.println("pgvault: class-data training " + java.util.List.of(args) + " did not end within "
                        + GIVE_UP_MS / 1000 + " s");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pgvault-cds-give-up");
        giveUp.setDaemon(true);
        giveUp.start();
        try {
            run(args);
        } catch (Exception | Error e) {
            System.err.println("pgvault: class-data training " + java.util.List.of(args) + " failed: " + e);
            System.exit(1);
        }
        // a thread a library left running must not keep the build waiting
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("pgvault-cds");
        try {
            if (java.util.List.of(args).contains("--ha")) {
                HaTraining.run(dir);
                return;
            }
            train(dir, false);
            train(dir, true);
            if (java.util.List.of(args).contains("--s3")) {
                trainS3(dir);
            }
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            Main.run(new String[] {"--help"}, sink, sink);
            Main.run(new String[] {"archive-push", "--help"}, sink, sink);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void train(Path dir, boolean encrypted) throws Exception {
        String name = encrypted ? "enc" : "plain";
        Path repo = Files.createDirectories(dir.resolve(name + "-repo"));
        // the spool (where archive-push keeps its counters) in the scratch directory: a build leaves nothing behind
        StringBuilder yaml = new StringBuilder("stanza: training\narchive:\n  spool: " + dir.resolve(name + "-spool")
                + "\nrepo:\n  path: " + repo + "\n");
        if (encrypted) {
            Path pass = dir.resolve("passphrase");
            Files.writeString(pass, "training passphrase\n");
            yaml.append("  cipher-pass-file: ").append(pass).append('\n');
        }
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);

        try (EncodedStore store = Repositories.openEncoded(ConfigLoader.load(config).repo())) {
            new StanzaStore(store, new RepositoryLayout("training"))
                    .init(new ClusterIdentity(SYSTEM_ID, 150000, SEGMENT_SIZE, Instant.now()));
        }
        Path wal = Files.createDirectories(dir.resolve(name + "-wal"));
        Path segment = wal.resolve("000000010000000000000003");
        Files.write(segment, syntheticSegment(3));
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        expect(0, Main.run(new String[] {"--config", config.toString(), "archive-push", segment.toString()}, sink, sink));
        expect(0, Main.run(new String[] {"--config", config.toString(), "archive-push", segment.toString()}, sink, sink));
        expect(0, Main.run(new String[] {"--config", config.toString(), "archive-get", segment.getFileName().toString(),
                wal.resolve("RECOVERYXLOG").toString()}, sink, sink));
        expect(1, Main.run(new String[] {"--config", config.toString(), "archive-get", "000000010000000000000009",
                wal.resolve("RECOVERYXLOG").toString()}, sink, sink));
        RestoreTraining.run(Files.createDirectories(dir.resolve(name + "-restore")), config, "training");
    }

    /** Exit codes are not checked: the responder stores nothing, and only the classes loaded count. */
    private static void trainS3(Path dir) throws Exception {
        try (CdsS3Responder s3 = new CdsS3Responder()) {
            Path config = dir.resolve("s3.yaml");
            Files.writeString(config, "stanza: training\narchive:\n  spool: " + dir.resolve("s3-spool") + "\n"
                    + "repo:\n  type: s3\n  s3:\n    endpoint: " + s3.uri() + "\n    region: us-east-1\n"
                    + "    bucket: training\n    path-style: true\n    max-attempts: 1\n"
                    + "    access-key: training\n    secret-key: training\n");
            Path wal = Files.createDirectories(dir.resolve("s3-wal"));
            Path segment = wal.resolve("000000010000000000000003");
            Files.write(segment, syntheticSegment(3));
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            Main.run(new String[] {"--config", config.toString(), "info"}, sink, sink);
            Main.run(new String[] {"--config", config.toString(), "archive-push", segment.toString()}, sink, sink);
            Main.run(new String[] {"--config", config.toString(), "archive-get", segment.getFileName().toString(),
                    wal.resolve("RECOVERYXLOG").toString()}, sink, sink);
            // https, as most S3 endpoints are: the handshake fails (the connection is closed after
            // the client's hello), but not before the TLS classes are loaded and the certificates parsed.
            Path tls = dir.resolve("s3-tls.yaml");
            Files.writeString(tls, Files.readString(config).replace("endpoint: " + s3.uri(), "endpoint: " + s3.tlsUri()));
            Main.run(new String[] {"--config", tls.toString(), "archive-get", segment.getFileName().toString(),
                    wal.resolve("RECOVERYXLOG").toString()}, sink, sink);
        }
    }

    private static void expect(int code, int actual) throws IOException {
        if (code != actual) {
            throw new IOException("CDS training run: expected exit " + code + ", got " + actual);
        }
    }

    /** A segment whose long page header says it belongs to the training cluster; the rest is WAL-like noise. */
    private static byte[] syntheticSegment(long segmentNumber) {
        byte[] b = new byte[SEGMENT_SIZE];
        java.util.Random r = new java.util.Random(segmentNumber);
        for (int i = 64; i < b.length; i += 97) {
            b[i] = (byte) r.nextInt(256);
        }
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        h.putShort(0, (short) 0xD110);
        h.putShort(2, (short) 0x0002);
        h.putInt(4, 1);
        h.putLong(8, segmentNumber * SEGMENT_SIZE);
        h.putLong(24, SYSTEM_ID);
        h.putInt(32, SEGMENT_SIZE);
        h.putInt(36, 8192);
        return b;
    }
}
