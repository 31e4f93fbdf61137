package dev.pgvault.it;

import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.fs.FsBlobStore;
import dev.pgvault.storage.s3.S3BlobStore;
import dev.pgvault.storage.s3.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A repository for one test: a directory owned by PostgreSQL's OS user, or a fresh bucket on an
 * in-process S3Proxy; optionally encrypted. Writes the pgvault.yaml that points at it.
 */
final class TestRepo implements AutoCloseable {
    enum Kind { FS, S3 }

    private static final String PREFIX = "pgvault/test";
    private static S3ProxyServer s3;

    final Kind kind;
    final boolean encrypted;
    final Path dir;
    private final String yaml;
    /** The S3 bucket, or null for a filesystem repository. */
    private final String bucket;

    private TestRepo(Kind kind, boolean encrypted, Path dir, String yaml, String bucket) {
        this.kind = kind;
        this.encrypted = encrypted;
        this.dir = dir;
        this.yaml = yaml;
        this.bucket = bucket;
    }

    static TestRepo create(Kind kind, boolean encrypted, OsUser user) throws Exception {
        Path dir = user.newDirectory("pgvault-repo");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        StringBuilder repo = new StringBuilder("repo:\n");
        String bucket = null;
        if (kind == Kind.FS) {
            Path path = dir.resolve("repo");
            Files.createDirectory(path);
            user.own(path);
            repo.append("  type: fs\n  path: ").append(path).append('\n');
        } else {
            S3ProxyServer server = s3();
            bucket = server.createBucket();
            repo.append("  type: s3\n  s3:\n")
                    .append("    endpoint: ").append(server.uri()).append('\n')
                    .append("    region: us-east-1\n")
                    .append("    bucket: ").append(bucket).append('\n')
                    .append("    prefix: ").append(PREFIX).append('\n')
                    .append("    path-style: true\n")
                    .append("    access-key: ").append(S3ProxyServer.ACCESS_KEY).append('\n')
                    .append("    secret-key: ").append(S3ProxyServer.SECRET_KEY).append('\n');
        }
        if (encrypted) {
            Path pass = dir.resolve("passphrase");
            Files.writeString(pass, "correct horse battery staple " + System.nanoTime() + "\n");
            user.own(pass);
            repo.append("  cipher-pass-file: ").append(pass).append('\n');
        }
        return new TestRepo(kind, encrypted, dir, repo.toString(), bucket);
    }

    /**
     * The repository's raw blob store, as pgvault's configuration opens it: for a test to look at
     * or damage stored objects behind pgvault's back (keys relative to the repository, as in
     * repo-ls).
     */
    BlobStore blobs() throws Exception {
        return kind == Kind.FS ? new FsBlobStore(dir.resolve("repo")) : new S3BlobStore(s3().settings(bucket, PREFIX));
    }

    /**
     * The configuration's {@code repo:} section, with an S3 repository reached through {@code
     * relay} instead of directly: for a test to make the repository stop answering.
     */
    String repoSectionVia(TcpRelay relay) throws Exception {
        String endpoint = "endpoint: " + s3().uri();
        if (kind != Kind.S3 || !yaml.contains(endpoint)) {
            throw new IllegalStateException("not an S3 repository on " + s3().uri() + ": " + yaml);
        }
        return yaml.replace(endpoint, "endpoint: " + relay.url());
    }

    /** The in-process S3 server every S3 repository of the tests lives on. */
    static synchronized S3ProxyServer s3() throws Exception {
        if (s3 == null) {
            s3 = S3ProxyServer.start();
        }
        return s3;
    }

    /** Writes a config for {@code stanza} and {@code cluster}, readable by the cluster's OS user. */
    Path config(String stanza, PgCluster cluster) throws IOException {
        Path file = dir.resolve(stanza + ".yaml");
        Files.writeString(file, "stanza: " + stanza + "\n"
                + "pg:\n  data: " + cluster.data + "\n  host: 127.0.0.1\n  port: " + cluster.port + "\n"
                + "  user: postgres\n  bin: " + PgCluster.BIN + "\n"
                + yaml + "process-max: 2\n");
        cluster.user.own(file);
        return file;
    }

    /**
     * Writes a config as {@link #config} does, with archive.async on: its spool under the
     * repository's directory (one for every stanza of the repository), owned by the cluster's user.
     */
    Path asyncConfig(String stanza, PgCluster cluster) throws IOException {
        Path config = config(stanza, cluster);
        Path spool = dir.resolve("spool");
        if (!Files.isDirectory(spool)) {
            Files.createDirectory(spool);
            cluster.user.own(spool);
        }
        Files.writeString(config, "archive:\n  async: true\n  spool: " + spool + "\n  idle-exit: 30\n",
                java.nio.file.StandardOpenOption.APPEND);
        return config;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + (encrypted ? "+encrypted" : "");
    }

    @Override
    public void close() {
        PgvaultDist.deleteTree(dir);
    }
}
