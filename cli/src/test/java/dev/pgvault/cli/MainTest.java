package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CipherKey;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.Compression;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user meets it: exit codes and one-line errors. */
class MainTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream saved = System.out;
        PrintStream savedErr = System.err;
        System.setOut(o); // commands that stream bytes write to System.out
        System.setErr(e); // and some report on System.err, as the process does
        try {
            int code = Main.run(args, o, e);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
    }

    private static void assertOneLine(Result r) {
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void versionAndHelp() {
        Result v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("pgvault "), v.out());
        Result h = run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("archive-push") && h.out().contains("Exit codes"), h.out());
    }

    /** Found by FuzzTrialsTest: picocli's conversion named java.nio.file.Path and an exception class; a newline split the line. */
    @Test
    void aBadPathOrAControlCharacterInAnArgumentStaysOneLineWithoutJavaNames() {
        Result r = run("--config", "abc\u0000def", "info");
        assertEquals(2, r.code());
        assertEquals("pgvault: Invalid value for option '--config': 'abc\\u0000def' is not a usable path (Nul character not allowed)"
                + " (see 'pgvault --help')", r.err().strip());
        Result get = run("--config", "abc\u0000def", "archive-get", "000000010000000000000001", "/tmp/x");
        assertEquals(126, get.code(), "a restore_command that cannot run stops recovery, never 'not found': " + get.err());
        Result split = run("info", "x\ny\rz");
        assertEquals(2, split.code());
        assertOneLine(split);
        assertTrue(split.err().contains("x\\ny\\rz"), split.err());
    }

    @Test
    void aMissingConfigFileIsOneLineAndExit3() {
        Path missing = dir.resolve("none.yaml");
        Result r = run("--config", missing.toString(), "repo-ls");
        assertEquals(3, r.code());
        assertEquals("pgvault: configuration file not found: " + missing, r.err().strip());
        // archive-get: every failure but "not found" is 126, so PostgreSQL stops recovery.
        Result fast = run("--config", missing.toString(), "archive-get", "000000010000000000000001", "/tmp/x");
        assertEquals(126, fast.code());
        assertEquals("pgvault: configuration file not found: " + missing, fast.err().strip());
    }

    @Test
    void aBadKeyIsOneLineNamingKeyAndFile() throws Exception {
        Path cfg = dir.resolve("pgvault.yaml");
        Files.writeString(cfg, "stanza: main\nrepo:\n  path: /r\n  compres: zstd\n");
        Result r = run("--config", cfg.toString(), "repo-ls");
        assertEquals(3, r.code());
        assertOneLine(r);
        assertTrue(r.err().contains("'repo.compres'") && r.err().contains(cfg.toString()), r.err());
    }

    @Test
    void badArgumentsExit2() {
        Result unknown = run("frobnicate");
        assertEquals(2, unknown.code());
        assertOneLine(unknown);
        Result none = run();
        assertEquals(2, none.code());
        assertOneLine(none);
        Result badName = run("--config", "/nonexistent.yaml", "archive-get", "../../etc/passwd", "/tmp/x");
        assertEquals(126, badName.code(), badName.err());
        assertOneLine(badName);
        Result badPush = run("--config", "/nonexistent.yaml", "archive-push", "/tmp/not-a-wal-name");
        assertEquals(2, badPush.code(), badPush.err());
        assertTrue(badPush.err().contains("not a WAL file name"), badPush.err());
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result r = run("--config", dir.resolve("none.yaml").toString(), "--verbose", "repo-ls");
        assertEquals(3, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void repoLsAndRepoGetReadAnEncryptedRepository() throws Exception {
        Path repo = Files.createDirectory(dir.resolve("repo"));
        Path pass = dir.resolve("pass");
        Files.writeString(pass, "s3cret passphrase\n");
        Path cfg = dir.resolve("pgvault.yaml");
        Files.writeString(cfg, "stanza: main\nrepo:\n  path: " + repo + "\n  cipher-pass-file: " + pass + "\n");
        byte[] data = "hello, repository\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        CodecSpec spec = new CodecSpec(Compression.ZSTD, 3, Optional.of(CipherKey.fromPassphrase("s3cret passphrase".getBytes())));
        try (EncodedStore store = new EncodedStore(new FsBlobStore(repo), spec)) {
            store.put("main/some/object", BlobWriter.of(data));
        }
        Result ls = run("--config", cfg.toString(), "repo-ls", "main/");
        assertEquals(0, ls.code(), ls.err());
        assertTrue(ls.out().strip().endsWith("main/some/object"), ls.out());
        Result get = run("--config", cfg.toString(), "repo-get", "main/some/object");
        assertEquals(0, get.code(), get.err());
        assertArrayEquals(data, get.out().getBytes(StandardCharsets.UTF_8));
        Result missing = run("--config", cfg.toString(), "repo-get", "main/nothing");
        assertEquals(1, missing.code());
        assertOneLine(missing);

        Files.writeString(pass, "another passphrase\n");
        Result wrong = run("--config", cfg.toString(), "repo-get", "main/some/object");
        assertEquals(6, wrong.code(), wrong.err());
        assertOneLine(wrong);
        assertFalse(wrong.out().contains("hello"), "no plaintext with a wrong key");
        assertFalse(wrong.err().contains("another passphrase"), wrong.err());
    }
}
