package dev.pgvault.archiver.wal;

import java.util.Optional;

/**
 * Whether a WAL file's content fits its name and the stanza's cluster: the one check that
 * archive-push runs on the way in, archive-get before it hands a file to PostgreSQL, and verify
 * on every archived file. A segment's first page header names its cluster (system identifier),
 * its segment size, where in the WAL it belongs (page address) and its timeline; a history file
 * lists the timelines its own descends from.
 *
 * <p>The header's timeline may be older than the name's: the first segment of a new timeline
 * starts with the pages it copied from its parent. So a segment of timeline 1 stored under the
 * timeline-2 name of the same position passes this check; the object's own key binding (see the
 * storage codec) is what catches that swap.
 *
 * @param systemIdentifier the stanza's cluster
 * @param segmentSize the stanza's WAL segment size
 */
public record WalContentCheck(long systemIdentifier, long segmentSize) {

    /**
     * Empty when {@code head} (the first {@code length} bytes of a segment or .partial file of
     * {@code size} bytes, or -1 when the size is not known yet) fits {@code name}; else one
     * sentence saying what does not, naming the file.
     */
    public Optional<String> segmentMismatch(WalFileName name, byte[] head, int length, long size) {
        WalSegmentHeader h;
        try {
            h = WalSegmentHeader.read(head, length);
        } catch (IllegalArgumentException e) {
            return Optional.of(name.name() + " is not a WAL segment: " + e.getMessage());
        }
        if (h.systemIdentifier() != systemIdentifier) {
            return Optional.of(name.name() + " belongs to another cluster: system identifier "
                    + Long.toUnsignedString(h.systemIdentifier()) + ", the stanza's is " + Long.toUnsignedString(systemIdentifier));
        }
        if (h.segmentSize() != segmentSize || size >= 0 && size != segmentSize) {
            return Optional.of(name.name() + " is " + (size >= 0 ? size + " bytes" : "a segment") + " with segment size "
                    + h.segmentSize() + " in its header; the stanza's segment size is " + segmentSize);
        }
        long expected = name.segmentNumber(segmentSize) * segmentSize;
        if (h.pageAddress() != expected) {
            return Optional.of(name.name() + " holds WAL of another position: its header's page address is "
                    + new Lsn(h.pageAddress()) + " (segment "
                    + WalFileName.segmentName(h.timeline(), Long.divideUnsigned(h.pageAddress(), segmentSize), segmentSize)
                    + "), its name says " + new Lsn(expected));
        }
        if (Integer.toUnsignedLong(h.timeline()) > Integer.toUnsignedLong(name.timeline())) {
            return Optional.of(name.name() + " holds WAL of a later timeline: its header says timeline "
                    + Integer.toUnsignedString(h.timeline()) + ", its name " + name.timeline());
        }
        return Optional.empty();
    }

    /** Empty when {@code content} is a history of the timeline {@code name} names; else why not. */
    public Optional<String> historyMismatch(WalFileName name, byte[] content) {
        try {
            TimelineHistory.parse(name.timeline(), content);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(name.name() + " is " + e.getMessage());
        }
    }

}
