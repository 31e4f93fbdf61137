package dev.pgvault.storage.trials;

import java.util.Random;

/**
 * The count and seed of a seeded trial (issue 10): the count from a system property (a small
 * default in every test run, the full count on the command line), the seed from {@code
 * -Dpgvault.trials.seed} or fresh, printed so that a failure can be run again.
 */
public record Trials(String name, int count, long seed, Random random) {

    public static Trials of(String name, String countProperty, int defaultCount) {
        int count = Integer.getInteger(countProperty, defaultCount);
        long seed = Long.getLong("pgvault.trials.seed", new Random().nextLong());
        System.out.println(name + " trials: " + count + ", seed " + seed);
        return new Trials(name, count, seed, new Random(seed));
    }

    /** How a failure names its trial: with the seed that reproduces it. */
    public String trial(int n) {
        return "trial " + n + " (seed " + seed + ")";
    }
}
