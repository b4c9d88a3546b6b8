package dev.parley.bench;

import java.util.TreeSet;

/**
 * Checks one stream of sequence numbers (one conversation as seen by one connection) for loss,
 * duplication and misordering, in constant time and memory while the stream is clean.
 *
 * <p>The first sequence number seen is taken as the start unless {@link #expectFrom} was called.
 * A number above the next expected one opens a gap (the skipped numbers are remembered); one of
 * those arriving later counts as <em>misordered</em>, a number at or below the highest seen that
 * was not missing counts as <em>duplicated</em>, and whatever is still missing when
 * {@link #finish} is called counts as <em>lost</em>.
 *
 * <p>Not thread-safe: each instance belongs to one connection's event loop.
 */
final class SeqVerifier {
    /** Missing numbers are remembered individually up to this many; beyond, only counted. */
    static final int MAX_TRACKED_MISSING = 100_000;

    private long first = -1;
    private long highest;
    private long received;
    private long duplicated;
    private long misordered;
    private long untrackedMissing;
    private TreeSet<Long> missing;

    /** Declares the first sequence number this stream must start with (usually 1). */
    void expectFrom(long firstSeq) {
        if (first != -1) {
            throw new IllegalStateException("expectFrom must be called before the first number");
        }
        first = firstSeq;
        highest = firstSeq - 1;
    }

    /** Records one received sequence number. */
    void accept(long seq) {
        received++;
        if (first == -1) {
            first = seq;
            highest = seq;
            return;
        }
        if (seq == highest + 1) {
            highest = seq;
        } else if (seq > highest + 1) {
            for (long s = highest + 1; s < seq; s++) {
                if (missing == null) {
                    missing = new TreeSet<>();
                }
                if (missing.size() < MAX_TRACKED_MISSING) {
                    missing.add(s);
                } else {
                    untrackedMissing += seq - s;
                    break;
                }
            }
            highest = seq;
        } else if (missing != null && missing.remove(seq)) {
            misordered++;
        } else {
            duplicated++;
        }
    }

    /** The highest sequence number seen, or {@code first - 1} (0 for a fresh stream) when none. */
    long highest() {
        return first == -1 ? 0 : highest;
    }

    long received() {
        return received;
    }

    /** True when nothing is missing below the highest number seen and it has reached {@code lastSeq}. */
    boolean complete(long lastSeq) {
        return highest() >= lastSeq && (missing == null || missing.isEmpty()) && untrackedMissing == 0;
    }

    /**
     * The outcome once the stream has ended; {@code lastSeq} is the highest sequence number the
     * sender was told was stored (everything up to it must have arrived).
     */
    Verification finish(long lastSeq) {
        long lost = untrackedMissing + (missing == null ? 0 : missing.size());
        long h = highest();
        long unexpected = 0;
        if (h < lastSeq) {
            lost += lastSeq - h;
        } else if (h > lastSeq) {
            unexpected = h - lastSeq;
        }
        return new Verification(received, lost, duplicated, misordered, unexpected, 0, 0, 0, 0);
    }
}
