package dev.pgvault.cli.config;

public enum RepoType {
    FS,
    S3
}
