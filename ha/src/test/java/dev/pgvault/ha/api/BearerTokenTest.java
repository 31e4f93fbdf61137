package dev.pgvault.ha.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerTokenTest {
    private final BearerToken token = new BearerToken("s3cret");

    @Test
    void admitsOnlyTheExactTokenUnderTheBearerScheme() {
        assertTrue(token.admits("Bearer s3cret"));
        assertTrue(token.admits("bearer s3cret"));
        assertFalse(token.admits("Bearer s3cre"));
        assertFalse(token.admits("Bearer s3cret2"));
        assertFalse(token.admits("Basic s3cret"));
        assertFalse(token.admits("s3cret"));
        assertFalse(token.admits("Bearer "));
        assertFalse(token.admits(null));
    }

    @Test
    void neverPrintsTheToken() {
        assertFalse(token.toString().contains("s3cret"));
    }
}
