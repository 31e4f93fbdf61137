package dev.pgvault.restore.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libpq keyword/value connection strings, read as libpq reads them; passfiles as libpq reads them. */
class ConnInfoTest {
    @TempDir
    Path tmp;

    @Test
    void bareAndQuotedValuesWithEscapesAndSpacesAroundEquals() {
        ConnInfo c = ConnInfo.parse("  host=db1.example port = 5433 user='rep user' password='it\\'s \\\\ x'"
                + " application_name=a\\ b dbname=''  ");
        assertEquals(Map.of("host", "db1.example", "port", "5433", "user", "rep user", "password", "it's \\ x",
                "application_name", "a b", "dbname", ""), c.params());
    }

    @Test
    void formatQuotesEveryValueAndParsesBackToTheSame() {
        ConnInfo c = ConnInfo.parse("host=h user='a b' password='p\\'q\\\\r' sslmode=require");
        assertEquals("host='h' user='a b' password='p\\'q\\\\r' sslmode='require'", c.format());
        assertEquals(c, ConnInfo.parse(c.format()));
    }

    @Test
    void theLastOfARepeatedKeywordWinsAndOrderIsKept() {
        ConnInfo c = ConnInfo.parse("host=a port=1 host=b");
        assertEquals("host='b' port='1'", c.format());
    }

    @Test
    void toStringAndErrorsNeverShowThePassword() {
        ConnInfo c = ConnInfo.parse("host=h user=u password=secret");
        assertEquals("host='h' user='u' password='********'", c.toString());
        assertEquals("u@h", c.describe());
        InvalidConnInfoException e = assertThrows(InvalidConnInfoException.class, () -> ConnInfo.parse("host=h password='secret"));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertTrue(e.getMessage().contains("unterminated quoted value of 'password'"), e.getMessage());
    }

    @Test
    void refusals() {
        assertEquals("bad connection string: libpq has no keyword 'hots'",
                assertThrows(InvalidConnInfoException.class, () -> ConnInfo.parse("hots=a")).getMessage());
        assertEquals("bad connection string: missing '=' after 'host'",
                assertThrows(InvalidConnInfoException.class, () -> ConnInfo.parse("host a")).getMessage());
        assertTrue(assertThrows(InvalidConnInfoException.class, () -> ConnInfo.parse("postgresql://u@h/db")).getMessage()
                .contains("not as a URI"));
        assertThrows(InvalidConnInfoException.class, () -> ConnInfo.parse("   "));
    }

    @Test
    void withoutAndWith() {
        ConnInfo c = ConnInfo.parse("host=h password=p user=u").without("password").with("passfile", "/d/pgvault.pgpass");
        assertEquals("host='h' user='u' passfile='/d/pgvault.pgpass'", c.format());
    }

    @Test
    void passfileLinesEscapeColonsAndBackslashesAndReadBack() throws Exception {
        String line = PassFile.line("a:b\\c");
        assertEquals("*:*:*:*:a\\:b\\\\c\n", line);
        Path f = tmp.resolve("pass");
        Files.writeString(f, "# comment\nother:5432:*:u:nope\n" + line);
        assertEquals(Optional.of("a:b\\c"), PassFile.lookup(f, "h", "5432", "postgres", "u"));
        assertEquals(Optional.of("nope"), PassFile.lookup(f, "other", "5432", "postgres", "u"));
        assertEquals(Optional.empty(), PassFile.lookup(tmp.resolve("missing"), "h", "5432", "postgres", "u"));
        assertThrows(InvalidConnInfoException.class, () -> PassFile.line("two\nlines"));
    }

    @Test
    void jdbcPasswordComesFromTheConnInfoThenItsPassfileThenPgpasswordThenPgpass() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve(".pgpass"), "h:5432:postgres:u:from-pgpass\n");
        Path own = tmp.resolve("own");
        Files.writeString(own, "*:*:*:*:from-passfile\n");
        assertEquals(Optional.of("given"), JdbcPrimary.password(ConnInfo.parse("host=h password=given passfile=" + own),
                Map.of("PGPASSWORD", "env"), home, "h", "5432", "postgres", "u"));
        assertEquals(Optional.of("from-passfile"), JdbcPrimary.password(ConnInfo.parse("host=h passfile=" + own),
                Map.of("PGPASSWORD", "env"), home, "h", "5432", "postgres", "u"));
        assertEquals(Optional.of("env"), JdbcPrimary.password(ConnInfo.parse("host=h"), Map.of("PGPASSWORD", "env"), home,
                "h", "5432", "postgres", "u"));
        assertEquals(Optional.of("from-pgpass"), JdbcPrimary.password(ConnInfo.parse("host=h"), Map.of(), home,
                "h", "5432", "postgres", "u"));
        assertEquals(Optional.empty(), JdbcPrimary.password(ConnInfo.parse("host=h"), Map.of("PGPASSFILE", own + "-none"), home,
                "h", "5432", "postgres", "u"));
    }

    @Test
    void slotNamesFollowPostgresRules() {
        assertEquals("replica_1", StandbySettings.checkSlotName("replica_1"));
        assertThrows(InvalidConnInfoException.class, () -> StandbySettings.checkSlotName("Replica"));
        assertThrows(InvalidConnInfoException.class, () -> StandbySettings.checkSlotName("a-b"));
        assertThrows(InvalidConnInfoException.class, () -> StandbySettings.checkSlotName("x".repeat(64)));
    }
}
