package dev.pgvault.ha.api;

import dev.pgvault.ha.NodeState;

/** The state word the API reports for this node. */
final class NodeRole {
    private NodeRole() {}

    /**
     * The word for people: the one this node published in its member key when it is there (it can
     * say "seeding" or "rewinding", which the PostgreSQL status alone cannot), else running/stopped.
     */
    static String state(NodeState node) {
        if (node.cluster() != null) {
            var published = node.cluster().member(node.name());
            if (published.isPresent() && published.get().state() != null) {
                return published.get().state();
            }
        }
        return node.pg().running() ? "running" : "stopped";
    }
}
