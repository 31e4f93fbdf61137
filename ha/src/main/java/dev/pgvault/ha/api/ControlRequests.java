package dev.pgvault.ha.api;

import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.dcs.Dcs;
import dev.pgvault.ha.dcs.DcsException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutating calls: an operator's switchover, reinit or restart written to etcd for the agents to act on.
 * They only record a request; the leader's agent decides whether and when it happens.
 */
final class ControlRequests {
    private static final Logger log = LoggerFactory.getLogger(ControlRequests.class);

    private final BearerToken token;
    private final Dcs dcs;
    private final Clock clock;

    /** {@code apiToken} null: mutating calls are refused. */
    ControlRequests(String apiToken, Dcs dcs, Clock clock) {
        this.token = apiToken == null ? null : new BearerToken(apiToken);
        this.dcs = dcs;
        this.clock = clock;
    }

    Reply switchover(String authorization, InputStream body) throws IOException {
        return handle(authorization, body, "to", (cluster, to) -> {
            if (cluster.leader() == null) {
                return Reply.error(409, "the cluster has no leader to switch over from: use failover");
            }
            String from = cluster.leader().name();
            if (from.equals(to)) {
                return Reply.error(400, "member " + to + " is already the leader");
            }
            if (cluster.members().get(to).tags().noFailover()) {
                return Reply.error(409, "member " + to + " is tagged nofailover and never becomes the primary");
            }
            if (!cluster.members().get(to).runningReplica() || !cluster.members().get(to).streaming()) {
                return Reply.error(409, "member " + to + " is not a streaming replica");
            }
            Switchover request = new Switchover(from, to, clock.instant());
            dcs.requestSwitchover(request);
            log.info("switchover from {} to {} requested through the REST API", from, to);
            return Reply.json(202, NodeJson.object("accepted", "switchover", "from", from, "to", to,
                    "requested", request.requested().toString()));
        });
    }

    Reply reinit(String authorization, InputStream body) throws IOException {
        return handle(authorization, body, "member", (cluster, member) -> {
            if (cluster.leader() != null && cluster.leader().name().equals(member)) {
                return Reply.error(409, "member " + member + " is the leader; switch over first");
            }
            dcs.requestReinit(member);
            log.info("reinit of {} requested through the REST API", member);
            return Reply.json(202, NodeJson.object("accepted", "reinit", "member", member));
        });
    }

    Reply restart(String authorization, InputStream body) throws IOException {
        return handle(authorization, body, "member", (cluster, member) -> {
            String state = cluster.members().get(member).state();
            if (!"running".equals(state)) {
                return Reply.error(409, "member " + member + " is " + state + ", not running: nothing to restart");
            }
            dcs.requestRestart(member, clock.instant());
            log.info("restart of {} requested through the REST API", member);
            return Reply.json(202, NodeJson.object("accepted", "restart", "member", member));
        });
    }

    /** Maintenance mode on ({@code POST /pause}) or off ({@code POST /resume}); no body. */
    Reply maintenance(String authorization, boolean pause) {
        Reply refused = refused(authorization);
        if (refused != null) {
            return refused;
        }
        try {
            if (pause) {
                dcs.pause(clock.instant());
            } else {
                dcs.resume();
            }
        } catch (DcsException e) {
            return Reply.error(503, "etcd: " + e.getMessage());
        }
        log.info("maintenance mode {} through the REST API", pause ? "on" : "off");
        return Reply.json(200, NodeJson.object("maintenance", pause ? "on" : "off"));
    }

    /** Why a mutating call is refused before anything is read, or null when its caller may make it. */
    private Reply refused(String authorization) {
        if (token == null) {
            return Reply.error(403, "mutating calls are disabled: this node has no api-token-file configured");
        }
        if (!token.admits(authorization)) {
            return Reply.error(401, "missing or wrong Authorization: Bearer token");
        }
        return null;
    }

    private interface Action {
        Reply apply(ClusterState cluster, String member) throws DcsException;
    }

    /**
     * Authorization comes before the body is read, so a caller without the token cannot make a
     * worker thread wait on a slow body. The member is checked against a fresh read of etcd rather
     * than the last cycle's view, which may be a loop behind.
     */
    private Reply handle(String authorization, InputStream body, String field, Action action) throws IOException {
        Reply refused = refused(authorization);
        if (refused != null) {
            return refused;
        }
        try {
            String member = RequestBody.stringField(body, field);
            ClusterState cluster = dcs.read();
            if (!cluster.members().containsKey(member)) {
                return Reply.error(400, "no member named " + member + " in the cluster");
            }
            return action.apply(cluster, member);
        } catch (RequestBody.Rejected e) {
            return e.reply;
        } catch (DcsException e) {
            return Reply.error(503, "etcd: " + e.getMessage());
        }
    }
}
