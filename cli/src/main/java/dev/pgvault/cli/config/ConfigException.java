package dev.pgvault.cli.config;

/** The configuration is missing or wrong: the message names the file and the key. */
public class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
