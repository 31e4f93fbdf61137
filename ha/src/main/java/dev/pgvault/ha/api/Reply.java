package dev.pgvault.ha.api;

/** One HTTP answer, built by the endpoints and sent by {@link HaApi}. */
record Reply(int status, String contentType, byte[] body) {
    static final String JSON = "application/json";

    static Reply json(int status, byte[] body) {
        return new Reply(status, JSON, body);
    }

    static Reply error(int status, String message) {
        return json(status, NodeJson.object("error", message));
    }
}
