package dev.pgvault.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.codec.Compression;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("pgvault.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private String errorOf(String yaml) throws IOException {
        Path f = write(yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).getMessage();
    }

    @Test
    void theReadmeExampleLoads() throws Exception {
        PgvaultConfig c = ConfigLoader.load(write("""
                stanza: main
                pg:
                  data: /var/lib/postgresql/15/main
                  host: 127.0.0.1
                  port: 5433
                  user: postgres
                  database: postgres
                  bin: /usr/lib/postgresql/15/bin
                repo:
                  type: s3
                  s3:
                    endpoint: https://s3.us-east-1.amazonaws.com
                    region: us-east-1
                    bucket: my-backups
                    prefix: pgvault
                    path-style: false
                    access-key: AKIAEXAMPLE
                    secret-key: sEcReT/with+chars
                  compress: zstd
                  compress-level: 3
                  cipher-pass-file: /etc/pgvault/passphrase
                process-max: 2
                """));
        assertEquals("main", c.stanza());
        assertEquals(Path.of("/var/lib/postgresql/15/main"), c.pg().data());
        assertEquals(5433, c.pg().port());
        assertEquals(Path.of("/usr/lib/postgresql/15/bin"), c.pg().bin());
        assertEquals(RepoType.S3, c.repo().type());
        assertEquals(URI.create("https://s3.us-east-1.amazonaws.com"), c.repo().s3().endpoint());
        assertEquals("my-backups", c.repo().s3().bucket());
        assertEquals("pgvault", c.repo().s3().prefix());
        assertFalse(c.repo().s3().pathStyle());
        assertEquals("sEcReT/with+chars", c.repo().s3().secretKey());
        assertFalse(c.repo().s3().toString().contains("sEcReT"), "toString hides the secret key");
        assertEquals(Compression.ZSTD, c.repo().compress());
        assertEquals(3, c.repo().compressLevel());
        assertEquals(Path.of("/etc/pgvault/passphrase"), c.repo().cipherPassFile());
        assertEquals(2, c.processMax());
    }

    @Test
    void aByteOrderMarkIsDropped() throws Exception {
        Path f = dir.resolve("bom.yaml");
        Files.write(f, ("\uFEFFstanza: main\nrepo:\n  path: /srv/repo\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("main", ConfigLoader.load(f).stanza());
    }

    @Test
    void aByteThatIsNotUtf8IsNamedWithItsLine() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, "stanza: main\nrepo:\n  path: /srv/r\u00e9po\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals("configuration file " + f + " is not UTF-8: byte 0xE9 at line 3; save it as UTF-8",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).getMessage());
    }

    @Test
    void aMissingSpaceAfterTheColonIsReportedAtItsOwnLine() throws Exception {
        String hint = "expected 'key: value', with a space after ':'";
        assertEquals("invalid YAML in " + dir.resolve("pgvault.yaml") + " at line 1: " + hint,
                errorOf("stanza:main\nrepo:\n  path: /srv/repo\n"));
        assertEquals("invalid YAML in " + dir.resolve("pgvault.yaml") + " at line 3: " + hint,
                errorOf("repo:\n  path: /srv/repo\nstanza:main\n"));
    }

    @Test
    void anEmptyOrDirectoryPathIsNamedForWhatItIs() {
        assertEquals("--config names no file: give the configuration file's path",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of(""))).getMessage());
        assertEquals("configuration file " + dir + " is a directory",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(dir)).getMessage());
    }

    @Test
    void defaultsForAMinimalFsFile() throws Exception {
        PgvaultConfig c = ConfigLoader.load(write("stanza: s1\nrepo:\n  path: /srv/repo\n"));
        assertEquals(RepoType.FS, c.repo().type());
        assertEquals(Path.of("/srv/repo"), c.repo().path());
        assertEquals(Compression.ZSTD, c.repo().compress());
        assertEquals(3, c.repo().compressLevel());
        assertNull(c.repo().cipherPassFile());
        assertEquals(1000, c.repo().cipherKdfIterations());
        assertEquals(5432, c.pg().port());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.processMax());
    }

    @Test
    void theKdfIterationCountIsCheckedAndNeverBelowTheDefault() throws Exception {
        assertEquals(600_000, ConfigLoader.load(write("stanza: s\nrepo:\n  path: /r\n  cipher-kdf-iterations: 600000\n"))
                .repo().cipherKdfIterations());
        for (String bad : new String[] {"999", "0", "-5", "10000001", "many"}) {
            String message = errorOf("stanza: s\nrepo:\n  path: /r\n  cipher-kdf-iterations: " + bad + "\n");
            assertTrue(message.contains("'repo.cipher-kdf-iterations'"), message);
        }
    }

    @Test
    void everyCompressionWorksWithItsDefaultLevel() throws Exception {
        for (String c : new String[] {"zstd", "lz4", "gzip", "none"}) {
            PgvaultConfig cfg = ConfigLoader.load(write("stanza: s\nrepo:\n  path: /r\n  compress: " + c + "\n"));
            dev.pgvault.storage.codec.CodecSpec spec = new dev.pgvault.storage.codec.CodecSpec(
                    cfg.repo().compress(), cfg.repo().compressLevel(), java.util.Optional.empty());
            assertEquals(c, spec.compression().configName());
        }
        assertTrue(errorOf("stanza: s\nrepo:\n  path: /r\n  compress: none\n  compress-level: 3\n")
                .contains("'repo.compress-level'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  type: s3\n  s3:\n    bucket: b\n    prefix: a/./b\n")
                .contains("'repo.s3.prefix'"));
        assertEquals("007", ConfigLoader.load(write("stanza: 007\nrepo:\n  path: /r\n")).stanza());
    }

    @Test
    void anUnknownKeyIsNamedWithItsFile() throws Exception {
        String m = errorOf("stanza: s\nrepo:\n  path: /r\n  s3:\n    buckett: x\n");
        assertTrue(m.contains("'repo.s3'") || m.contains("repo.s3.buckett"), m);
        m = errorOf("stanza: s\nrepo:\n  path: /r\n  compres: zstd\n");
        assertEquals("unknown key: 'repo.compres' in " + dir.resolve("pgvault.yaml"), m);
        m = errorOf("stanza: s\nrepo:\n  path: /r\nprocess_max: 2\n");
        assertTrue(m.startsWith("unknown key: 'process_max' in "), m);
    }

    @Test
    void badValuesAreNamed() throws Exception {
        assertEquals("'lzma' is not one of none, zstd, lz4, gzip: 'repo.compress' in " + dir.resolve("pgvault.yaml"),
                errorOf("stanza: s\nrepo:\n  path: /r\n  compress: lzma\n"));
        assertTrue(errorOf("stanza: s\npg:\n  port: seventy\nrepo:\n  path: /r\n").contains("'pg.port'"));
        assertTrue(errorOf("stanza: s\npg:\n  port: 70000\nrepo:\n  path: /r\n").contains("out of range"));
        assertTrue(errorOf("stanza: s\nrepo:\n  path: relative/dir\n").contains("'repo.path'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  path: /r\n  compress-level: 40\n").contains("'repo.compress-level'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  type: nfs\n  path: /r\n").contains("'repo.type'"));
        assertTrue(errorOf("stanza: 'a/b'\nrepo:\n  path: /r\n").contains("'stanza'"));
        assertTrue(errorOf("repo:\n  path: /r\n").contains("missing required key: 'stanza'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  type: s3\n  s3:\n    region: x\n").contains("'repo.s3.bucket'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  type: s3\n  s3:\n    bucket: b\n    endpoint: ftp://h\n")
                .contains("'repo.s3.endpoint'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  type: fs\n").contains("'repo.path'"));
        assertTrue(errorOf("stanza: s\nrepo:\n  path: /r\n  s3:\n    bucket: b\n").contains("'repo.s3'"));
    }

    @Test
    void aSecretIsNeverEchoedInAnError() throws Exception {
        String m = errorOf("stanza: s\nrepo:\n  type: s3\n  s3:\n    bucket: b\n    secret-key: TOPSECRET123\n");
        assertTrue(m.contains("'repo.s3.access-key'"), m);
        assertFalse(m.contains("TOPSECRET123"), m);
        m = errorOf("stanza: s\nrepo:\n  type: s3\n  s3:\n    bucket: b\n    access-key: a\n    secret-key: [TOPSECRET123]\n");
        assertFalse(m.contains("TOPSECRET123"), m);
    }

    @Test
    void missingFileAndBrokenYamlAreOneLine() throws Exception {
        Path missing = dir.resolve("nope.yaml");
        assertEquals("configuration file not found: " + missing,
                assertThrows(ConfigException.class, () -> ConfigLoader.load(missing)).getMessage());
        String m = errorOf("stanza: s\nrepo: [unclosed\n");
        assertTrue(m.startsWith("invalid YAML in " + dir.resolve("pgvault.yaml") + " at line"), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(errorOf("just a string\n").contains("not a mapping"));
    }

    @Test
    void locateTakesOptionThenEnvironmentThenDefault() {
        Path opt = Path.of("/x/opt.yaml");
        assertEquals(opt, ConfigLoader.locate(opt, Map.of("PGVAULT_CONFIG", "/x/env.yaml")));
        assertEquals(Path.of("/x/env.yaml"), ConfigLoader.locate(null, Map.of("PGVAULT_CONFIG", "/x/env.yaml")));
        assertEquals(Path.of("/etc/pgvault/pgvault.yaml"), ConfigLoader.locate(null, Map.of()));
    }

    @Test
    void retentionRulesLoadAndBadValuesNameTheirKey() throws Exception {
        String base = "stanza: main\nrepo:\n  path: /r\n";
        PgvaultConfig none = ConfigLoader.load(write(base));
        assertFalse(none.retention().policy().isSet());
        assertEquals(java.time.Duration.ofHours(6), none.retention().garbageAge());
        PgvaultConfig c = ConfigLoader.load(write(base + "retention:\n  full: 2\n  window: 14d\n  garbage-age: 12h\n"));
        assertEquals("full=2, window=14d", c.retention().policy().describe());
        assertEquals(java.time.Duration.ofHours(12), c.retention().garbageAge());
        assertEquals("window=3w", ConfigLoader.load(write(base + "retention:\n  window: 3w\n")).retention().policy()
                .describe().replace("21d", "3w"));

        String f = dir.resolve("pgvault.yaml").toString();
        assertEquals("out of range 1..100000 (0): 'retention.full' in " + f, errorOf(base + "retention:\n  full: 0\n"));
        assertEquals("out of range 1..100000 (-2): 'retention.full' in " + f, errorOf(base + "retention:\n  full: -2\n"));
        assertEquals("not a whole number ('two'): 'retention.full' in " + f, errorOf(base + "retention:\n  full: two\n"));
        assertEquals("'3x' is not a duration (a whole number and a unit: s, m, h, d or w, as in 14d): 'retention.window' in "
                + f, errorOf(base + "retention:\n  window: 3x\n"));
        assertEquals("'0h' is zero: a duration must be positive: 'retention.garbage-age' in " + f,
                errorOf(base + "retention:\n  garbage-age: 0h\n"));
        assertEquals("unknown key: 'retention.keep' in " + f, errorOf(base + "retention:\n  keep: 2\n"));
    }

    @Test
    void archiveSettingsLoadWithDefaultsAndBadValuesNameTheirKey() throws Exception {
        String base = "stanza: main\nrepo:\n  path: /r\n";
        ArchiveSettings off = ConfigLoader.load(write(base)).archive();
        assertFalse(off.async());
        assertEquals(Path.of("/var/spool/pgvault"), off.spool());
        assertEquals(4, off.pushMax());
        assertEquals(16, off.getAhead());
        assertEquals(java.time.Duration.ofSeconds(60), off.idleExit());
        ArchiveSettings on = ConfigLoader.load(write(base + "archive:\n  async: true\n  spool: /s\n  push-max: 8\n"
                + "  get-ahead: 32\n  idle-exit: 120\n")).archive();
        assertEquals(new ArchiveSettings(true, Path.of("/s"), 8, 32, java.time.Duration.ofSeconds(120),
                ArchiveSettings.StreamSettings.DEFAULT), on);
        ArchiveSettings streaming = ConfigLoader.load(write(base + "archive:\n  stream-flush: 3\n  stream-sync: true\n"
                + "  stream-name: vault_a\n  stream-sync-timeout: 4\n")).archive();
        assertEquals(new ArchiveSettings.StreamSettings(java.time.Duration.ofSeconds(3), true, java.util.Optional.of("vault_a"),
                java.time.Duration.ofSeconds(4)), streaming.stream());
        assertEquals(java.time.Duration.ofSeconds(10), ArchiveSettings.StreamSettings.DEFAULT.syncTimeout());
        String f = dir.resolve("pgvault.yaml").toString();
        assertEquals("expected true or false ('yes please'): 'archive.async' in " + f,
                errorOf(base + "archive:\n  async: yes please\n"));
        assertEquals("expected an absolute path ('spool'): 'archive.spool' in " + f, errorOf(base + "archive:\n  spool: spool\n"));
        assertEquals("out of range 1..64 (0): 'archive.push-max' in " + f, errorOf(base + "archive:\n  push-max: 0\n"));
        assertEquals("unknown key: 'archive.queue-max' in " + f, errorOf(base + "archive:\n  queue-max: 10\n"));
        assertEquals("out of range 1..3600 (0): 'archive.stream-flush' in " + f, errorOf(base + "archive:\n  stream-flush: 0\n"));
        assertEquals("out of range 1..3600 (0): 'archive.stream-sync-timeout' in " + f,
                errorOf(base + "archive:\n  stream-sync-timeout: 0\n"));
        assertEquals("expected 1 to 63 printable ASCII characters without spaces ('a b'): 'archive.stream-name' in " + f,
                errorOf(base + "archive:\n  stream-name: a b\n"));
    }
}
