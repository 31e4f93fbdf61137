package dev.pgvault.archiver.backup;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.storage.trials.Trials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of manifests (issue 10): the JSON of valid manifests with 1 to 4 edits (a
 * character inserted, removed or replaced by one that matters to JSON, a value swapped for another
 * type). Reading one must give a manifest or an IOException whose message names no Java class:
 * never another exception. Its checksum keeps damage out of a manifest, so this is what a bug, a
 * hand edit or another version could write. {@code -Dpgvault.trials.fuzz=N} (default 500).
 */
class ManifestFuzzTrialsTest {
    private static final String[] NOISE = {"\"", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "1e999", "\"x\"",
        "9223372036854775808", "0.5", " ", "\\", "\\u0000", "ü"};

    @Test
    void aMalformedManifestIsAnIoExceptionThatNamesNoJavaClass() throws Exception {
        Trials trials = Trials.of("manifest fuzz", "pgvault.trials.fuzz", 500);
        Random random = trials.random();
        String[] valid = {new String(ManifestJson.write(ManifestJsonTest.sample()), UTF_8),
            new String(ManifestJson.write(ManifestJsonTest.withParts()), UTF_8)};
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int trial = 0; trial < trials.count(); trial++) {
            String base = valid[random.nextInt(valid.length)];
            StringBuilder s = new StringBuilder(base);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.insert(at, NOISE[random.nextInt(NOISE.length)]);
                    case 1 -> s.deleteCharAt(at);
                    default -> s.replace(at, Math.min(s.length(), at + 1 + random.nextInt(8)), NOISE[random.nextInt(NOISE.length)]);
                }
            }
            try {
                Manifest read = ManifestJson.read(new ByteArrayInputStream(s.toString().getBytes(UTF_8)));
                // what parses must be whole: as many files, objects and directories as a valid manifest
                // (an edit inside a value may change that value; it must not drop entries)
                Manifest original = ManifestJson.read(new ByteArrayInputStream(valid[0].equals(base) ? valid[0].getBytes(UTF_8)
                        : valid[1].getBytes(UTF_8)));
                if (read.files().size() != original.files().size() || read.objects().size() != original.objects().size()
                        || read.directories().size() != original.directories().size()) {
                    failures.add(trials.trial(trial) + ": parsed with entries missing: " + s);
                }
            } catch (IOException e) {
                refused++;
                String m = String.valueOf(e.getMessage());
                if (m.matches("(?s).*\\b(java|javax|com|sun|org)\\.[a-z]+[.\\w]*\\b.*") || m.contains("Exception")
                        || m.contains("ByteArrayInputStream")) {
                    failures.add(trials.trial(trial) + ": " + m);
                }
            } catch (RuntimeException | Error e) {
                failures.add(trials.trial(trial) + ": " + e);
            }
        }
        System.out.println("manifest fuzz trials: " + refused + " refused; failed: " + failures.size());
        assertEquals(List.of(), failures.subList(0, Math.min(failures.size(), 10)));
    }
}
