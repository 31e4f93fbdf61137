/**
 * {@code pgvault verify}: re-reads every object of every backup and every archived WAL file of a
 * stanza and checks them against the manifests, then checks that the archive holds the WAL each
 * backup needs.
 *
 * <p>{@link dev.pgvault.archiver.verify.Verifier} orchestrates; the per-object work that runs in
 * parallel is {@link dev.pgvault.archiver.verify.BackupObjectCheck} and {@link
 * dev.pgvault.archiver.verify.WalFileCheck}; {@link dev.pgvault.archiver.verify.ManifestCheck} and
 * {@link dev.pgvault.archiver.verify.WalContinuity} are pure checks of what was listed. Findings
 * are {@link dev.pgvault.archiver.verify.Problem}s in a {@link
 * dev.pgvault.archiver.verify.VerifyReport}: the library never decides an exit code. A failing
 * store (after its retries) is not a finding: it is thrown, since nothing can be concluded.
 */
package dev.pgvault.archiver.verify;
