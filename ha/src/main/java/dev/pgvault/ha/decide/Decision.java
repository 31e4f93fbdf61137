package dev.pgvault.ha.decide;

import dev.pgvault.ha.cluster.Member;

/** One cycle's verdict: the action, the member it concerns (upstream, switchover target) or null, and why. */
public record Decision(Action action, Member target, String reason) {

    static Decision of(Action action, String reason) {
        return new Decision(action, null, reason);
    }

    static Decision of(Action action, Member target, String reason) {
        return new Decision(action, target, reason);
    }

    @Override
    public String toString() {
        return action + ": " + reason;
    }
}
