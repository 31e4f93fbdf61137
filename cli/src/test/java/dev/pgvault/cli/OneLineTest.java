package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OneLineTest {
    @Test
    void controlCharactersAreShownEscapedAndLongMessagesCut() {
        assertEquals("Unknown option: 'a\\nb\\rc\\td\\u0000e\\u2028f'", OneLine.of("Unknown option: 'a\nb\rc\td\u0000e\u2028f'\n"));
        String cut = OneLine.of("x".repeat(OneLine.MAX + 123));
        assertTrue(cut.endsWith("x... (123 more characters)"), cut);
        assertEquals(1, cut.lines().count());
        assertEquals("plain message, ümlaut", OneLine.of("plain message, ümlaut"));
    }
}
