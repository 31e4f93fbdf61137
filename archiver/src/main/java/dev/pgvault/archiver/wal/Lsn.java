package dev.pgvault.archiver.wal;

/** A WAL location, written by PostgreSQL as two hex halves: "16/B374D848". */
public record Lsn(long value) implements Comparable<Lsn> {

    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected like 16/B374D848)");
        }
        try {
            long hi = Long.parseLong(text.substring(0, slash), 16);
            long lo = Long.parseLong(text.substring(slash + 1), 16);
            return new Lsn((hi << 32) | lo);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected like 16/B374D848)");
        }
    }

    /** The number of the WAL segment that holds this location. */
    public long segmentNumber(long segmentSize) {
        return Long.divideUnsigned(value, segmentSize);
    }

    @Override
    public int compareTo(Lsn o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
