package dev.pgvault.storage;

/**
 * How far a long run (a backup, a restore, a verify) has come, told by its workers as they go:
 * the total once it is known, then bytes and files as each is done. Implementations are called
 * from several threads at once and must be cheap: a call per buffer.
 */
public interface Progress {
    /** Nobody is watching. */
    Progress NONE = new Progress() {
        @Override
        public void total(long bytes, long files) {}

        @Override
        public void add(long bytes, long files) {}
    };

    /** What the whole run will do; may be called again when the plan changes. */
    void total(long bytes, long files);

    /** Work done since the last call from this thread. */
    void add(long bytes, long files);
}
