package dev.pgvault.archiver.backup;

import java.time.Duration;

/** A finished backup: its manifest, as stored, and how long it took end to end. */
public record BackupResult(Manifest manifest, Duration elapsed) {}
