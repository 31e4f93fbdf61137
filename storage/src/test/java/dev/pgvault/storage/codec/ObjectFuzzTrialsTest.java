package dev.pgvault.storage.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import dev.pgvault.storage.trials.Trials;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of objects read from a repository (issue 10): valid objects of every codec, plain
 * and encrypted, bound to their key, with 1 to 8 random edits (bytes overwritten, inserted or
 * removed, anywhere, headers included). Reading one must either give back exactly the bytes
 * written or fail with the codec's own exceptions ({@link CorruptObjectException}, {@link
 * WrongKeyException}): never another exception, never other bytes. {@code
 * -Dpgvault.trials.fuzz=N} (default 500), {@code -Dpgvault.trials.seed=S} (default fresh,
 * printed); full count: {@code mvn -B -o test -pl storage -Dtest=ObjectFuzzTrialsTest
 * -Dpgvault.trials.fuzz=10000}.
 */
class ObjectFuzzTrialsTest {
    private static final String KEY = "main/backup/20261126-031500F/bundle/1";

    @Test
    void aDamagedObjectIsEitherRefusedByTheCodecOrReadExactly() throws Exception {
        Trials trials = Trials.of("object fuzz", "pgvault.trials.fuzz", 500);
        Random random = trials.random();
        List<CodecSpec> specs = CodecFixtures.allSpecs();
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int trial = 0; trial < trials.count(); trial++) {
            CodecSpec spec = specs.get(random.nextInt(specs.size()));
            byte[] plain = CodecFixtures.compressible(random.nextInt(3) == 0 ? 200_000 : random.nextInt(5000), random.nextLong());
            ByteArrayOutputStream stored = new ByteArrayOutputStream();
            try (EncodingStream out = new ObjectEncoder(spec).open(stored, 0, KEY)) {
                out.write(plain);
            }
            byte[] damaged = damage(stored.toByteArray(), random);
            if (Arrays.equals(damaged, stored.toByteArray())) {
                continue;
            }
            try (InputStream in = new ObjectDecoder().open(new ByteArrayInputStream(damaged), spec.key(), random.nextBoolean(), KEY)) {
                byte[] read = in.readAllBytes();
                if (!Arrays.equals(read, plain)) {
                    failures.add(trials.trial(trial) + " " + CodecFixtures.describe(spec) + "): other bytes read, no error");
                }
            } catch (CorruptObjectException | WrongKeyException expected) {
                refused++;
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                failures.add(trials.trial(trial) + " " + CodecFixtures.describe(spec) + "): " + e);
            }
        }
        System.out.println("object fuzz trials: " + refused + " refused by the codec; failed: " + failures.size());
        assertEquals(List.of(), failures);
    }

    private static byte[] damage(byte[] b, Random random) {
        byte[] out = b;
        int edits = 1 + random.nextInt(8);
        for (int e = 0; e < edits; e++) {
            // headers are where parsers break: aim there half the time
            int at = random.nextBoolean() ? random.nextInt(Math.min(out.length, 120)) : random.nextInt(out.length);
            switch (random.nextInt(3)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> {
                    byte[] more = new byte[out.length + 1];
                    System.arraycopy(out, 0, more, 0, at);
                    more[at] = (byte) random.nextInt(256);
                    System.arraycopy(out, at, more, at + 1, out.length - at);
                    out = more;
                }
                default -> {
                    if (out.length > 1) {
                        byte[] less = new byte[out.length - 1];
                        System.arraycopy(out, 0, less, 0, at);
                        System.arraycopy(out, at + 1, less, at, out.length - at - 1);
                        out = less;
                    }
                }
            }
        }
        return out;
    }

}
