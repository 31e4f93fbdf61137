package dev.pgvault.archiver.async;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The resident archiver as {@code info} shows it: whether async archiving is on, its spool on
 * this host, whether it runs now, and the status it last wrote (queued segments, the last one
 * pushed and when, the last failure).
 *
 * @param status the archiver's status.json, or empty when none was written on this host
 */
public record ArchiverState(boolean async, Path spool, boolean running, Optional<String> status) {
    public static final ArchiverState OFF = new ArchiverState(false, null, false, Optional.empty());

    /** What the spool of this host says; a spool that does not exist says "never ran here". */
    public static ArchiverState read(Spool spool) throws IOException {
        boolean running = false;
        Optional<String> pid = Spool.read(spool.pidFile());
        if (pid.isPresent()) {
            try {
                running = ProcessHandle.of(Long.parseLong(pid.get().strip())).map(ProcessHandle::isAlive).orElse(false);
            } catch (NumberFormatException e) {
                running = false;
            }
        }
        return new ArchiverState(true, spool.dir(), running, Files.isDirectory(spool.dir())
                ? ArchiverDaemon.status(spool) : Optional.empty());
    }

    /** {@code "archiver": {"async", "spool", "running", "status": {...} or null}}. */
    public void writeJson(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("archiver");
        g.writeBooleanField("async", async);
        g.writeStringField("spool", spool == null ? null : spool.toString());
        g.writeBooleanField("running", running);
        if (status.isPresent()) {
            g.writeFieldName("status");
            g.writeRawValue(status.get());
        } else {
            g.writeNullField("status");
        }
        g.writeEndObject();
    }
}
