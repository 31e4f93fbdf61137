package dev.pgvault.storage.codec;

import static dev.pgvault.storage.codec.CodecFixtures.KEY;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

/** Prints figures, asserts nothing: a sanity check that the chain is not pathologically slow. */
class CodecThroughputTest {
    private static final int SIZE = 64 * 1024 * 1024;

    @Test
    void printsZstd3ThroughputWithAndWithoutEncryption() throws Exception {
        byte[] plain = CodecFixtures.compressible(SIZE, 99);
        for (CodecSpec spec : new CodecSpec[] {CodecSpec.DEFAULT, CodecSpec.DEFAULT.withKey(KEY)}) {
            for (int round = 1; round <= 3; round++) {
                measure(spec, plain, round);
            }
        }
    }

    private static void measure(CodecSpec spec, byte[] plain, int round) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream(SIZE / 2);
        long t0 = System.nanoTime();
        try (OutputStream out = new ObjectEncoder(spec).open(sink)) {
            for (int off = 0; off < plain.length; off += 1 << 20) {
                out.write(plain, off, Math.min(1 << 20, plain.length - off));
            }
        }
        long t1 = System.nanoTime();
        byte[] stored = sink.toByteArray();
        byte[] buf = new byte[1 << 20];
        long total = 0;
        try (InputStream in = new ObjectDecoder().open(new ByteArrayInputStream(stored), spec.key())) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
        }
        long t2 = System.nanoTime();
        if (total != plain.length) {
            throw new AssertionError("decoded " + total + " of " + plain.length);
        }
        double mb = plain.length / 1e6;
        System.out.printf("throughput %-9s round %d: 64 MiB -> %.1f MiB (%.2fx), encode %.0f MB/s, decode %.0f MB/s%n",
                CodecFixtures.describe(spec) + "-" + spec.level(), round, stored.length / 1048576.0, (double) plain.length / stored.length,
                mb / ((t1 - t0) / 1e9), mb / ((t2 - t1) / 1e9));
    }
}
