package dev.pgvault.cli.config;

import java.nio.file.Path;

/**
 * {@code ha.etcd-ca-file}, {@code ha.etcd-cert-file} and {@code ha.etcd-key-file} as written, for
 * https:// endpoints; each may be null (no CA file: the JDK's trusted authorities; no certificate:
 * etcd does not ask for one). Read by the commands that connect, so that a bad file never breaks
 * {@code archive-push}.
 */
public record EtcdTlsFiles(Path caFile, Path certFile, Path keyFile) {}
