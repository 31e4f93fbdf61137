package dev.pgvault.archiver;

/**
 * A WAL file in the repository whose content does not fit its name: another segment's bytes, or
 * another cluster's, stored under this name. Handing it to PostgreSQL would make recovery read an
 * unexpected page address, take it for the end of WAL and end early.
 */
public class MisplacedWalException extends ArchiveException {
    public MisplacedWalException(String message) {
        super(message);
    }
}
