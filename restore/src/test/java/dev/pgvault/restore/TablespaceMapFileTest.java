package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tablespace_map as PostgreSQL writes it: a backslash before a line break or a backslash in a location. */
class TablespaceMapFileTest {
    @Test
    void locationsAreReadUnescapedWithTheirSpacesAndAnyLineEnd() {
        String map = "16400 /srv/ts one\n16401 /srv/a\\\\b\r\n16402 /srv/two\\\nlines\n\n";
        assertEquals(Map.of("16400", "/srv/ts one", "16401", "/srv/a\\b", "16402", "/srv/two\nlines"),
                TablespaceMapFile.locations(map));
    }

    @Test
    void aLineWithoutASpaceOrALastOneEndingInALoneBackslashNamesNoLocation() {
        // PostgreSQL writes neither: a location is trusted only as it reads whole
        assertEquals(Map.of("16401", "/srv/a"), TablespaceMapFile.locations("garbage\n16401 /srv/a\n16400 /srv/ts\\"));
    }

    @Test
    void aRewrittenMapReadsBackWithItsNewLocations() {
        String map = "16400 /srv/old\n16401 /srv/kept\n";
        String rewritten = TablespaceMapFile.rewrite(map, Map.of("16400", Path.of("/srv/new place")));
        assertEquals(Map.of("16400", "/srv/new place", "16401", "/srv/kept"), TablespaceMapFile.locations(rewritten));
    }
}
