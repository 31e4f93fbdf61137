package dev.pgvault.restore.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.storage.trials.Trials;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of recovery targets (issue 10), the values an operator types under pressure:
 * times, LSNs, transaction ids, restore point names, timelines and actions mutated from valid
 * ones. Each must parse or be refused with {@link InvalidTargetException}, whose message names no
 * Java class: never another exception. {@code -Dpgvault.trials.fuzz=N} (default 2,000).
 */
class TargetFuzzTrialsTest {
    private static final String[] TIMES = {"2026-11-26 03:15:00+00", "2026-11-26T03:15:00Z", "2026-11-26 03:15:00.123456+05:30",
        "2026-11-26 03:15:00 Europe/Paris", "2026-11-26 03:15:00"};
    private static final String[] OTHERS = {"0/3000028", "16/B374D848", "1234", "after_400", "latest", "current", "3",
        "promote", "pause", "shutdown"};
    private static final String NOISE = "0123456789:/-+ .TZzx\u0000\n\u00e9\u2028FFFFFFFFFF";

    @Test
    void everyMalformedTargetIsRefusedInWords() {
        Trials trials = Trials.of("target fuzz", "pgvault.trials.fuzz", 2000);
        Random random = trials.random();
        ZoneId zone = ZoneId.of("UTC");
        List<String> failures = new ArrayList<>();
        int refused = 0;
        for (int trial = 0; trial < trials.count(); trial++) {
            int kind = random.nextInt(7);
            String base = kind == 0 ? TIMES[random.nextInt(TIMES.length)] : OTHERS[random.nextInt(OTHERS.length)];
            String text = mutate(base, random);
            try {
                switch (kind) {
                    case 0 -> RecoveryTargets.of(text, null, null, null, false, zone);
                    case 1 -> RecoveryTargets.of(null, text, null, null, false, zone);
                    case 2 -> RecoveryTargets.of(null, null, text, null, false, zone);
                    case 3 -> RecoveryTargets.of(null, null, null, text, false, zone);
                    case 4 -> TargetTimeline.parse(text);
                    case 5 -> TargetAction.parse(text);
                    default -> RecoveryTargets.of(text, text, null, null, random.nextBoolean(), zone);
                }
            } catch (InvalidTargetException e) {
                refused++;
                String m = String.valueOf(e.getMessage());
                if (m.matches("(?s).*\\b(java|javax|sun)\\.[a-z]+[.\\w]*.*") || m.contains("Exception")) {
                    failures.add(trials.trial(trial) + ": '" + text + "' -> " + m);
                }
            } catch (RuntimeException | Error e) {
                failures.add(trials.trial(trial) + ": '" + text + "' -> " + e);
            }
        }
        System.out.println("target fuzz trials: " + refused + " refused; failed: " + failures.size());
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())));
    }

    private static String mutate(String text, Random random) {
        StringBuilder s = new StringBuilder(text);
        int edits = random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = s.length() == 0 ? 0 : random.nextInt(s.length());
            char c = NOISE.charAt(random.nextInt(NOISE.length()));
            switch (random.nextInt(3)) {
                case 0 -> s.insert(at, c);
                case 1 -> {
                    if (s.length() > 0) {
                        s.deleteCharAt(at);
                    }
                }
                default -> {
                    if (s.length() > 0) {
                        s.setCharAt(at, c);
                    }
                }
            }
        }
        return random.nextInt(20) == 0 ? s.toString().repeat(1 + random.nextInt(500)) : s.toString();
    }
}
