package dev.pgvault.ha.dcs;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Cuts gRPC's reconnect backoff short. After a failed connection gRPC waits before the next
 * attempt, 1 s growing by 1.6 each time up to two minutes, and a request made meanwhile waits
 * for that attempt: after a long etcd outage an agent would find etcd back only that much later,
 * and after a short one the first request could outlive its timeout. The agent knows better
 * when to try (its next cycle), so each request after a failed one asks for an attempt now.
 *
 * <p>jetcd does not expose its channel; it is reached by reflection. If a jetcd version moves
 * it, {@link #now()} does nothing and requests wait out gRPC's backoff as before.
 */
final class ReconnectNow {
    private final ManagedChannel channel;

    private ReconnectNow(ManagedChannel channel) {
        this.channel = channel;
    }

    static ReconnectNow of(Client client) {
        try {
            Field manager = client.getClass().getDeclaredField("connectionManager");
            manager.setAccessible(true);
            Object connections = manager.get(client);
            Method getChannel = connections.getClass().getDeclaredMethod("getChannel");
            getChannel.setAccessible(true);
            return new ReconnectNow((ManagedChannel) getChannel.invoke(connections));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new ReconnectNow(null);
        }
    }

    /** Whether the channel was found: false means requests wait out gRPC's backoff. */
    boolean available() {
        return channel != null;
    }

    /** Connections in backoff are attempted at once (a no-op on a connected channel). */
    void now() {
        if (channel != null) {
            channel.resetConnectBackoff();
        }
    }
}
