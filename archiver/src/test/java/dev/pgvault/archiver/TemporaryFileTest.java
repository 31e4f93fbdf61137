package dev.pgvault.archiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary files beside a destination, in real processes: a JVM stopped by SIGTERM (PostgreSQL's
 * fast shutdown of a restore_command) deletes its own; one killed with -9 leaves its file, which
 * a later sweep of the directory removes once it is old, while a running process's file, a fresh
 * one and other files (names without a process id among them) stay.
 */
@Timeout(120)
class TemporaryFileTest {
    private static final String SAYS = "temporary file: ";

    @TempDir
    Path dir;

    /** Run in a child JVM: makes a temporary file beside its argument, says so, and waits. */
    public static void main(String[] args) throws Exception {
        TemporaryFile temp = TemporaryFile.beside(Path.of(args[0]));
        Files.write(temp.path(), new byte[4096]);
        System.out.println(SAYS + temp.path());
        System.out.flush();
        Thread.sleep(60_000);
    }

    private record Child(Process process, Path temp) {
    }

    private Child child(String dest) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                TemporaryFileTest.class.getName(), dir.resolve(dest).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            StringBuilder said = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) { // a JVM notice may come first
                if (line.startsWith(SAYS)) {
                    Path temp = Path.of(line.substring(SAYS.length()));
                    assertTrue(Files.exists(temp), "the child's file is not there: " + temp);
                    return new Child(p, temp);
                }
                said.append(line).append('\n');
            }
            throw new AssertionError("the child made no file:\n" + said);
        } catch (IOException | RuntimeException | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static void age(Path file) throws IOException {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()
                - TemporaryFile.UNTOUCHED.toMillis() - 60_000));
    }

    @Test
    void aProcessStoppedBySigtermDeletesItsTemporaryFile() throws Exception {
        Child c = child("000000010000000000000003");
        c.process().destroy(); // SIGTERM
        assertTrue(c.process().waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(c.temp()), "left by a SIGTERM: " + c.temp());
    }

    @Test
    void aSweepRemovesOnlyOldFilesOfProcessesNoLongerRunning() throws Exception {
        Child killed = child("000000010000000000000004");
        killed.process().destroyForcibly(); // SIGKILL: nothing runs
        assertTrue(killed.process().waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(killed.temp()), "a -9 runs no hook");
        Child fresh = child("000000010000000000000005");
        fresh.process().destroyForcibly().waitFor();
        Child running = child("000000010000000000000006.stream");
        Path segment = Files.write(dir.resolve("000000010000000000000007"), new byte[10]);
        Path someoneElses = Files.write(dir.resolve("000000010000000000000008.pgvault-tmp-x-1"), new byte[10]);
        Path unnamed = Files.write(dir.resolve(".000000010000000000000009.missing.pgvault-tmp"), new byte[10]);
        for (Path p : List.of(killed.temp(), running.temp(), segment, someoneElses, unnamed)) {
            age(p);
        }
        try {
            TemporaryFile.sweep(dir);
            assertFalse(Files.exists(killed.temp()), "an old file of a dead process stays: " + killed.temp());
            assertTrue(Files.exists(unnamed), "a name without a process (the async fetcher's marks) was deleted");
            assertTrue(Files.exists(fresh.temp()), "a file written lately was deleted (its writer may be out of sight)");
            assertTrue(Files.exists(running.temp()), "a running process's file was deleted");
            assertTrue(Files.exists(segment) && Files.exists(someoneElses));
        } finally {
            running.process().destroyForcibly().waitFor();
        }
        // once per process and directory: a second sweep does not look again
        age(fresh.temp());
        TemporaryFile.sweep(dir);
        assertTrue(Files.exists(fresh.temp()));
    }

    @Test
    void onlyNamesWithAProcessIdAreOurs() {
        assertEquals(123, TemporaryFile.writer("000000010000000000000001.pgvault-tmp-123-1"));
        assertEquals(123, TemporaryFile.writer("000000010000000000000001.stream.pgvault-tmp-123-45"));
        for (String other : List.of(".000000010000000000000001.missing.pgvault-tmp", "00000002.history.pgvault-tmp",
                "x.pgvault-tmp-x-1", "x.pgvault-tmp-12-", "x.pgvault-tmp--1", "x.pgvault-tmp-12-3a", "x.pgvault-tmp-12",
                ".pgvault-tmp.main/wal/x.0123abcd", "000000010000000000000001", "x.pgvault-tmp-1234567890123456789012-1")) {
            assertEquals(-1, TemporaryFile.writer(other), other);
        }
    }

    @Test
    void closingDeletesAndAnExceptionInTheBodyIsNotHiddenByIt() throws Exception {
        Path dest = dir.resolve("00000001000000000000000A");
        Path made;
        try (TemporaryFile temp = TemporaryFile.beside(dest)) {
            made = Files.write(temp.path(), new byte[1]);
        }
        assertFalse(Files.exists(made));
        // a directory where the file was: its delete fails after the body failed, and is only suppressed
        IOException e = assertThrows(IOException.class, () -> {
            try (TemporaryFile temp = TemporaryFile.beside(dest)) {
                Files.createDirectories(temp.path().resolve("x"));
                throw new IOException("the fetch failed");
            }
        });
        assertEquals("the fetch failed", e.getMessage());
        assertEquals(List.of(java.nio.file.DirectoryNotEmptyException.class),
                java.util.Arrays.stream(e.getSuppressed()).map(Object::getClass).toList());
    }
}
