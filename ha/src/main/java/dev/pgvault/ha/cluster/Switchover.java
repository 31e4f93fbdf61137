package dev.pgvault.ha.cluster;

import java.time.Instant;

/** A planned switchover from the current leader to {@code to}, requested at {@code requested}. */
public record Switchover(String from, String to, Instant requested) {}
