package dev.pgvault.cli.config;

import dev.pgvault.archiver.expire.ExpireOptions;
import dev.pgvault.archiver.expire.RetentionDuration;
import dev.pgvault.archiver.expire.RetentionPolicy;
import dev.pgvault.storage.codec.CipherKey;
import dev.pgvault.storage.codec.Compression;
import dev.pgvault.storage.codec.KdfParams;
import dev.pgvault.storage.s3.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Finds, parses and validates pgvault.yaml. */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("/etc/pgvault/pgvault.yaml");
    public static final String ENV_VARIABLE = "PGVAULT_CONFIG";


    private ConfigLoader() {}

    /** {@code --config FILE}, else {@code $PGVAULT_CONFIG}, else /etc/pgvault/pgvault.yaml. */
    public static Path locate(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get(ENV_VARIABLE);
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : DEFAULT_FILE;
    }

    public static PgvaultConfig load(Path file) throws ConfigException {
        if (file.toString().isEmpty()) {
            throw new ConfigException("--config names no file: give the configuration file's path");
        }
        if (Files.isDirectory(file)) {
            throw new ConfigException("configuration file " + file + " is a directory");
        }
        String text;
        try {
            text = ConfigText.read(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file not found: " + file);
        } catch (AccessDeniedException e) {
            throw new ConfigException("configuration file not readable: " + file);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Object doc;
        try {
            doc = YamlReader.parse(text);
        } catch (YamlReader.YamlException e) {
            throw new ConfigException("invalid YAML in " + file + " at line " + e.line + ": " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new ConfigException("configuration file " + file + " is not a mapping of keys");
        }
        return parse(file, new YamlSection(file, "", top));
    }

    static PgvaultConfig parse(Path file, YamlSection top) throws ConfigException {
        String stanza = top.requiredString("stanza");
        if (!validStanza(stanza)) {
            throw top.error("stanza", "'" + stanza + "' is not a valid name (letters, digits, '_', '.', '-')");
        }
        PgSettings pg = pg(top.section("pg"));
        RepoSettings repo = repo(top.section("repo"));
        int processMax = top.integer("process-max", Runtime.getRuntime().availableProcessors(), 1, 256);
        YamlSection haSection = top.section("ha");
        HaConfig ha = top.has("ha") ? HaConfigs.parse(haSection, pg) : null;
        RetentionSettings retention = retention(top.section("retention"));
        ArchiveSettings archive = archive(top.section("archive"));
        top.finish();
        return new PgvaultConfig(file, stanza, pg, repo, processMax, ha, retention, archive);
    }

    /** Letters, digits, '_', '.', '-'; starting with a letter or digit; at most 64. No regex: start-up. */
    static boolean validStanza(String s) {
        if (s.isEmpty() || s.length() > 64 || !Character.isLetterOrDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static PgSettings pg(YamlSection s) throws ConfigException {
        PgSettings pg = new PgSettings(
                s.path("data", null),
                s.string("host", "127.0.0.1"),
                s.integer("port", 5432, 1, 65535),
                s.string("user", "postgres"),
                s.string("database", "postgres"),
                s.path("bin", null),
                s.scalars("parameters"));
        s.finish();
        return pg;
    }

    private static RepoSettings repo(YamlSection s) throws ConfigException {
        RepoType type = s.choice("type", RepoType.FS, RepoType.class);
        Path path = s.path("path", null);
        YamlSection s3Section = s.section("s3");
        S3Settings s3 = null;
        if (type == RepoType.FS) {
            if (path == null) {
                throw s.error("path", "missing required key for repo type fs");
            }
            if (s.has("s3")) {
                throw s.error("s3", "set for repo type fs (set 'repo.type: s3' or remove it)");
            }
        } else {
            if (path != null) {
                throw s.error("path", "set for repo type s3 (the S3 location is repo.s3.bucket and repo.s3.prefix)");
            }
            if (!s.has("s3")) {
                throw s.error("s3", "missing required section for repo type s3");
            }
            s3 = s3(s3Section);
        }
        Compression compress = s.choice("compress", Compression.ZSTD, Compression.class);
        int level = compressLevel(s, compress);
        Path cipherPassFile = s.path("cipher-pass-file", null);
        int kdfIterations = s.integer("cipher-kdf-iterations", CipherKey.DEFAULT_ITERATIONS, CipherKey.DEFAULT_ITERATIONS,
                KdfParams.MAX_ITERATIONS);
        s.finish();
        return new RepoSettings(type, path, s3, compress, level, cipherPassFile, kdfIterations);
    }

    private static ArchiveSettings archive(YamlSection s) throws ConfigException {
        ArchiveSettings d = ArchiveSettings.SYNCHRONOUS;
        ArchiveSettings a = new ArchiveSettings(s.bool("async", d.async()), s.path("spool", d.spool()),
                s.integer("push-max", d.pushMax(), 1, 64), s.integer("get-ahead", d.getAhead(), 1, 1024),
                Duration.ofSeconds(s.integer("idle-exit", (int) d.idleExit().toSeconds(), 1, 86_400)),
                new ArchiveSettings.StreamSettings(
                        Duration.ofSeconds(s.integer("stream-flush", (int) d.stream().flush().toSeconds(), 1, 3600)),
                        s.bool("stream-sync", d.stream().sync()), streamName(s),
                        Duration.ofSeconds(s.integer("stream-sync-timeout", (int) d.stream().syncTimeout().toSeconds(), 1,
                                3600))));
        s.finish();
        return a;
    }

    /** An application_name PostgreSQL keeps as given: printable ASCII, at most 63 bytes. */
    private static Optional<String> streamName(YamlSection s) throws ConfigException {
        String name = s.string("stream-name", null);
        if (name == null) {
            return Optional.empty();
        }
        if (name.isEmpty() || name.length() > 63 || !name.matches("[\\x21-\\x7e]+")) {
            throw s.error("stream-name", "expected 1 to 63 printable ASCII characters without spaces ('" + name + "')");
        }
        return Optional.of(name);
    }

    private static RetentionSettings retention(YamlSection s) throws ConfigException {
        OptionalInt full = s.string("full", null) == null ? OptionalInt.empty()
                : OptionalInt.of(s.integer("full", 0, 1, 100_000));
        Optional<Duration> window = s.string("window", null) == null ? Optional.empty() : Optional.of(duration(s, "window"));
        Duration garbageAge = s.string("garbage-age", null) == null ? ExpireOptions.DEFAULT_GARBAGE_AGE
                : duration(s, "garbage-age");
        s.finish();
        return new RetentionSettings(new RetentionPolicy(full, window), garbageAge);
    }

    private static Duration duration(YamlSection s, String key) throws ConfigException {
        String text = s.string(key, null);
        try {
            return RetentionDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw s.error(key, e.getMessage());
        }
    }

    /** The codec's own table of valid levels, so a level accepted here always works there. */
    private static int compressLevel(YamlSection s, Compression c) throws ConfigException {
        int level = s.integer("compress-level", c.defaultLevel(), Integer.MIN_VALUE, Integer.MAX_VALUE);
        try {
            return c.checkLevel(level);
        } catch (IllegalArgumentException e) {
            throw s.error("compress-level", e.getMessage());
        }
    }

    private static S3Settings s3(YamlSection s) throws ConfigException {
        URI endpoint = null;
        String e = s.string("endpoint", null);
        if (e != null) {
            try {
                endpoint = new URI(e);
            } catch (URISyntaxException x) {
                throw s.error("endpoint", "not a URL ('" + e + "')");
            }
            if (endpoint.getScheme() == null || endpoint.getHost() == null
                    || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
                throw s.error("endpoint", "expected an http:// or https:// URL ('" + e + "')");
            }
        }
        String region = s.string("region", "us-east-1");
        String bucket = s.requiredString("bucket");
        String prefix = s.string("prefix", "");
        if (prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")) {
            throw s.error("prefix", "must not start or end with '/' ('" + prefix + "')");
        }
        boolean pathStyle = s.bool("path-style", false);
        String accessKey = s.string("access-key", null);
        String secretKey = s.secret("secret-key");
        if ((accessKey == null) != (secretKey == null)) {
            throw s.error(accessKey == null ? "access-key" : "secret-key",
                    "missing: access-key and secret-key go together");
        }
        int partSizeMiB = s.integer("part-size-mib", 16, 5, 5 * 1024);
        int maxAttempts = s.integer("max-attempts", 5, 1, 20);
        boolean conditional = s.bool("conditional-writes", true);
        s.finish();
        try {
            dev.pgvault.storage.BlobKeys.check(prefix.isEmpty() ? "x" : prefix);
        } catch (IllegalArgumentException bad) {
            throw s.error("prefix", "not a valid key prefix ('" + prefix + "')");
        }
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey,
                partSizeMiB * 1024 * 1024, maxAttempts, conditional);
    }
}
