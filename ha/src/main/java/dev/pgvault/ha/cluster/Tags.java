package dev.pgvault.ha.cluster;

/**
 * A member's tags ({@code ha.tags}), as Patroni's: what the election and the synchronous standby
 * choice may do with it.
 *
 * @param noFailover never takes the leader key (failover, switchover or manual failover), and
 *     never holds back a replica that may
 * @param noSync never chosen as the synchronous standby
 */
public record Tags(boolean noFailover, boolean noSync) {
    public static final Tags NONE = new Tags(false, false);
}
