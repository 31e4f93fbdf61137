package dev.pgvault.archiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary files beside a destination, in real processes: a JVM stopped by SIGTERM (PostgreSQL's
 * fast shutdown of a restore_command) deletes its own; one killed with -9 leaves its file, which
 * the next sweep of the directory removes, while a running process's file and other files stay.
 */
class TemporaryFileTest {
    @TempDir
    Path dir;

    /** Run in a child JVM: makes a temporary file beside its argument, says so, and waits. */
    public static void main(String[] args) throws Exception {
        TemporaryFile temp = TemporaryFile.beside(Path.of(args[0]));
        Files.write(temp.path(), new byte[4096]);
        System.out.println(temp.path());
        System.out.flush();
        Thread.sleep(60_000);
    }

    private record Child(Process process, Path temp) {
    }

    private Child child(String dest) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                TemporaryFileTest.class.getName(), dir.resolve(dest).toString()).redirectErrorStream(true).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        assertTrue(line != null && Files.exists(Path.of(line)), "the child made no file: " + line);
        return new Child(p, Path.of(line));
    }

    @Test
    void aProcessStoppedBySigtermDeletesItsTemporaryFile() throws Exception {
        Child c = child("000000010000000000000003");
        c.process().destroy(); // SIGTERM
        assertTrue(c.process().waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(c.temp()), "left by a SIGTERM: " + c.temp());
    }

    @Test
    void aSweepRemovesOnlyTheFilesOfProcessesNoLongerRunning() throws Exception {
        Child killed = child("000000010000000000000004");
        killed.process().destroyForcibly(); // SIGKILL: nothing runs
        assertTrue(killed.process().waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(killed.temp()), "a -9 runs no hook");
        Child running = child("000000010000000000000005.stream");
        Path segment = Files.write(dir.resolve("000000010000000000000006"), new byte[10]);
        Path someoneElses = Files.write(dir.resolve("000000010000000000000007.pgvault-tmp-x-1"), new byte[10]);
        try {
            TemporaryFile.sweep(dir);
            assertFalse(Files.exists(killed.temp()), "a dead process's file stays: " + killed.temp());
            assertTrue(Files.exists(running.temp()), "a running process's file was deleted");
            assertTrue(Files.exists(segment) && Files.exists(someoneElses));
        } finally {
            running.process().destroyForcibly().waitFor();
        }
        // once per process and directory: a second sweep does not look again
        Child later = child("000000010000000000000008");
        later.process().destroyForcibly().waitFor();
        TemporaryFile.sweep(dir);
        assertTrue(Files.exists(later.temp()));
    }

    @Test
    void closingDeletesAndAnExceptionInTheBodyIsNotHiddenByIt() throws Exception {
        Path dest = dir.resolve("000000010000000000000009");
        Path made;
        try (TemporaryFile temp = TemporaryFile.beside(dest)) {
            made = Files.write(temp.path(), new byte[1]);
        }
        assertFalse(Files.exists(made));
        // a directory where the file was: its delete fails after the body failed, and is only suppressed
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
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
