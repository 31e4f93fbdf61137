package dev.pgvault.storage.trials;

import java.util.Arrays;
import java.util.Random;

/**
 * The damages the corruption trials do to a stored object's bytes (header and encoding included),
 * as a failing disk, a truncated copy or a stray write would. Deleting and swapping objects are
 * the trials' own, as they act on keys.
 */
public enum Damage {
    FLIP, CUT, DELETE, APPEND, ZERO, SWAP;

    /**
     * The bytes after this damage, drawn from {@code random}; always different from {@code b}.
     * Only for the damages that change bytes (not DELETE or SWAP).
     */
    public byte[] apply(byte[] b, Random random) {
        byte[] out = b.clone();
        switch (this) {
            case FLIP -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            case CUT -> out = Arrays.copyOf(out, random.nextInt(out.length));
            case APPEND -> {
                byte[] more = new byte[1 + random.nextInt(100)];
                random.nextBytes(more);
                out = Arrays.copyOf(out, b.length + more.length);
                System.arraycopy(more, 0, out, b.length, more.length);
            }
            case ZERO -> {
                int from = random.nextInt(out.length);
                int to = Math.min(out.length, from + 1 + random.nextInt(4096));
                boolean changed = false;
                for (int i = from; i < to; i++) {
                    changed |= out[i] != 0;
                    out[i] = 0;
                }
                if (!changed) {
                    out[from] = 1; // the range was zero already: a damage must change something
                }
            }
            case DELETE, SWAP -> throw new IllegalArgumentException(this + " acts on keys, not bytes");
        }
        return out;
    }
}
