package dev.pgvault.ha.pg;

/**
 * Whether a crashed former primary holds WAL past the point where the new leader's timeline
 * forked from its own, and why that is known: only then must it be rewound.
 */
public record Divergence(boolean diverged, String why) {}
