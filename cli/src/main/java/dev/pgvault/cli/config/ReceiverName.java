package dev.pgvault.cli.config;

/**
 * The {@code application_name} a {@code wal-receive} connects with, in one place because the HA
 * agent must name the same receiver in {@code synchronous_standby_names}. In an HA cluster it is
 * never {@code ha.name} itself: the member's own standby connects with that name, and a receiver
 * under it would satisfy {@code synchronous_standby_names} in the standby's place.
 */
public final class ReceiverName {
    private ReceiverName() {}

    /** The agent's own receiver ({@code ha.wal-receive}): one per member, whatever {@code archive.stream-name} says. */
    public static String ofAgent(String memberName) {
        return "pgvault-" + memberName;
    }

    /** A {@code wal-receive} command's: {@code archive.stream-name}, else {@code pgvault-<ha.name>}, else {@code pgvault}. */
    public static String ofCommand(PgvaultConfig config) {
        return config.archive().stream().name().orElse(config.ha() != null && config.ha().name() != null
                ? ofAgent(config.ha().name()) : "pgvault");
    }

    /**
     * The synchronous receiver the HA agent of this node waits for as the primary, or null: with
     * {@code ha.synchronous} and {@code archive.stream-sync} both on, the agent's own receiver
     * with {@code ha.wal-receive}, else the {@code wal-receive} command this configuration runs.
     */
    public static String waitedForByAgent(PgvaultConfig config) {
        HaConfig ha = config.ha();
        if (ha == null || !ha.synchronous() || !config.archive().stream().sync()) {
            return null;
        }
        return ha.walReceive() ? ofAgent(ha.name()) : ofCommand(config);
    }
}
