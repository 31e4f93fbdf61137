package dev.pgvault.ha.dcs;

/**
 * An etcd user and its password ({@code ha.etcd-user}, {@code ha.etcd-password-file}), for an
 * etcd with authentication on. The password is never printed: not by {@link #toString()}, and
 * jetcd's errors name neither.
 */
public record EtcdCredentials(String user, String password) {
    @Override
    public String toString() {
        return "EtcdCredentials[user=" + user + "]";
    }
}
