package dev.pgvault.cli;

import dev.pgvault.storage.Progress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line on the terminal, redrawn five times a second, as {@code pg_basebackup -P} draws its
 * own: bytes done of the total, the percentage, the rate, files, and the time left. Workers only
 * add to counters; a thread of its own draws, so a slow terminal never slows the copy. Closing it
 * draws the last state and ends the line, so the command's own output starts on a fresh one.
 */
final class TerminalProgress implements Progress, AutoCloseable {
    private static final long PERIOD_MS = 200;

    private final String what;
    private final String units;
    private final PrintStream out;
    private final LongAdder bytes = new LongAdder();
    private final LongAdder files = new LongAdder();
    private final AtomicLong totalBytes = new AtomicLong(-1);
    private final AtomicLong totalFiles = new AtomicLong(-1);
    private final long started = System.nanoTime();
    private final Thread drawer;
    private volatile boolean running = true;
    private int drawnWidth;

    TerminalProgress(String what, PrintStream out) {
        this(what, "files", out);
    }

    /** {@code units}: what the count counts (files; objects for verify). */
    TerminalProgress(String what, String units, PrintStream out) {
        this.what = what;
        this.units = units;
        this.out = out;
        this.drawer = new Thread(this::drawLoop, "pgvault-progress");
        drawer.setDaemon(true);
        drawer.start();
    }

    @Override
    public void total(long bytes, long files) {
        totalBytes.set(bytes);
        totalFiles.set(files);
    }

    @Override
    public void add(long bytes, long files) {
        if (bytes != 0) {
            this.bytes.add(bytes);
        }
        if (files != 0) {
            this.files.add(files);
        }
    }

    private void drawLoop() {
        while (running) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (running && totalBytes.get() >= 0) {
                draw();
            }
        }
    }

    private synchronized void draw() {
        String line = line(bytes.sum(), totalBytes.get(), files.sum(), totalFiles.get(),
                (System.nanoTime() - started) / 1e9, what, units);
        int pad = Math.max(0, drawnWidth - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        drawnWidth = line.length();
    }

    /** The line for a state: {@code total} -1 while unknown. */
    static String line(long done, long total, long filesDone, long filesTotal, double seconds, String what) {
        return line(done, total, filesDone, filesTotal, seconds, what, "files");
    }

    static String line(long done, long total, long filesDone, long filesTotal, double seconds, String what, String units) {
        StringBuilder s = new StringBuilder(what).append(": ").append(Sizes.human(done));
        if (total > 0) {
            long shown = Math.min(done, total);
            s.append(" of ").append(Sizes.human(total))
                    .append(String.format(Locale.ROOT, " (%d%%)", Math.min(100, shown * 100 / total)));
        }
        double rate = seconds > 0 ? done / seconds : 0;
        s.append(", ").append(Sizes.human((long) rate)).append("/s");
        if (filesTotal >= 0) {
            s.append(String.format(Locale.ROOT, ", %,d of %,d %s", Math.min(filesDone, filesTotal), filesTotal, units));
        }
        if (total > 0 && rate > 0 && done < total) {
            long left = (long) Math.ceil((total - done) / rate);
            s.append(String.format(Locale.ROOT, ", ETA %d:%02d", left / 60, left % 60));
        }
        return s.toString();
    }

    @Override
    public void close() {
        running = false;
        drawer.interrupt();
        try {
            drawer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (totalBytes.get() >= 0) {
            draw();
            out.println();
            out.flush();
        }
    }
}
