package dev.pgvault.restore.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TargetTimeTest {
    private static final ZoneId LOCAL = ZoneId.of("Europe/Paris");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "2026-11-26 03:15:00+00            | 2026-11-26T03:15:00Z",
        "2026-11-26 03:15:00.123456+05:30  | 2026-11-25T21:45:00.123456Z",
        "2026-11-26 03:15:00.5+0530        | 2026-11-25T21:45:00.500Z",
        "2026-11-26 03:15:00-08            | 2026-11-26T11:15:00Z",
        "2026-11-26 03:15+01               | 2026-11-26T02:15:00Z",
        "2026-11-26T03:15:00Z              | 2026-11-26T03:15:00Z",
        "2026-11-26T03:15:00.000001z       | 2026-11-26T03:15:00.000001Z",
        "2026-11-26 03:15:00 UTC           | 2026-11-26T03:15:00Z",
        "2026-11-26 03:15:00 +02:00        | 2026-11-26T01:15:00Z",
        "2026-11-26 03:15:00 Europe/Paris  | 2026-11-26T02:15:00Z",
        "2026-07-01 03:15:00 Europe/Paris  | 2026-07-01T01:15:00Z",
        "'  2026-11-26 03:15:00+00  '      | 2026-11-26T03:15:00Z",
        "2026-11-26 03:15:00               | 2026-11-26T02:15:00Z",
        "2026-11-26 03:15                  | 2026-11-26T02:15:00Z",
        "2026-11-26                        | 2026-11-25T23:00:00Z",
        "2026-1-6 3:05:09+00               | 2026-01-06T03:05:09Z",
    })
    void parsesPostgresAndIsoForms(String text, String expected) {
        assertEquals(Instant.parse(expected), TargetTime.parse(text, LOCAL));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "yesterday", "2026-11-26 03:15:00+00 extra", "2026-13-01 00:00:00+00",
        "2026-02-30 00:00:00+00", "2026-11-26 25:00:00+00", "2026-11-26 03:15:00.1234567+00", "26-11-26 03:15:00",
        "2026-11-26 03:15:00 Mars/Olympus", "2026-11-26 03:15:00+25", "1764126900", "2026-11-26 03:15:60+00"})
    void refusesWhatIsNotATime(String text) {
        InvalidTargetException e = assertThrows(InvalidTargetException.class, () -> TargetTime.parse(text, LOCAL));
        assertTrue(e.getMessage().startsWith("--target-time '" + text + "' is not a valid time"), e.getMessage());
    }

    @Test
    void formatsForPostgresInUtcWithMicrosecondsOnlyWhenThereAreAny() {
        assertEquals("2026-11-26 03:15:00+00", TargetTime.format(Instant.parse("2026-11-26T03:15:00Z")));
        assertEquals("2026-11-25 21:45:00.123456+00", TargetTime.format(Instant.parse("2026-11-25T21:45:00.123456789Z")));
        assertEquals("2026-11-26 03:15:00.500000+00", TargetTime.format(Instant.parse("2026-11-26T03:15:00.5Z")));
    }

    @Test
    void formatThenParseIsTheSameInstant() {
        Instant t = Instant.parse("2026-11-25T21:45:00.123456Z");
        assertEquals(t, TargetTime.parse(TargetTime.format(t), ZoneOffset.ofHours(7)));
    }
}
