package dev.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqVerifierTest {

    private static SeqVerifier fed(long... seqs) {
        SeqVerifier v = new SeqVerifier();
        v.expectFrom(1);
        for (long s : seqs) {
            v.accept(s);
        }
        return v;
    }

    @Test
    void aCleanStreamVerifies() {
        Verification r = fed(1, 2, 3, 4, 5).finish(5);
        assertThat(r.ok()).isTrue();
        assertThat(r.received()).isEqualTo(5);
    }

    @Test
    void aMessageThatNeverArrivesIsLost() {
        Verification r = fed(1, 2, 4, 5).finish(5);
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.misordered()).isZero();
        assertThat(r.ok()).isFalse();
    }

    @Test
    void missingTailIsLost() {
        Verification r = fed(1, 2, 3).finish(5);
        assertThat(r.lost()).isEqualTo(2);
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aRepeatedSequenceNumberIsADuplicate() {
        Verification r = fed(1, 2, 2, 3).finish(3);
        assertThat(r.duplicated()).isEqualTo(1);
        assertThat(r.lost()).isZero();
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aLateArrivalIsMisorderedNotLost() {
        Verification r = fed(1, 3, 2, 4).finish(4);
        assertThat(r.misordered()).isEqualTo(1);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicated()).isZero();
        assertThat(r.ok()).isFalse();
    }

    @Test
    void aLateArrivalSeenTwiceIsMisorderedThenDuplicated() {
        Verification r = fed(1, 3, 2, 2).finish(3);
        assertThat(r.misordered()).isEqualTo(1);
        assertThat(r.duplicated()).isEqualTo(1);
    }

    @Test
    void aStreamThatMustStartAtOneButDoesNotHasLostItsHead() {
        Verification r = fed(2, 3).finish(3);
        assertThat(r.lost()).isEqualTo(1);
    }

    @Test
    void moreThanTheSenderWasToldIsUnexpected() {
        Verification r = fed(1, 2, 3).finish(2);
        assertThat(r.unexpected()).isEqualTo(1);
        assertThat(r.ok()).isFalse();
    }

    @Test
    void completeMeansNothingMissingUpToTheLastSequence() {
        SeqVerifier v = fed(1, 3);
        assertThat(v.complete(3)).isFalse();
        v.accept(2);
        assertThat(v.complete(3)).isTrue();
    }

    @Test
    void withoutAnExpectedStartTheFirstNumberSeenStartsTheStream() {
        SeqVerifier v = new SeqVerifier();
        v.accept(10);
        v.accept(11);
        assertThat(v.finish(11).ok()).isTrue();
    }

    @Test
    void verificationsAddUp() {
        Verification a = fed(1, 2, 2).finish(2);
        Verification b = fed(1, 3).finish(3);
        Verification sum = a.plus(b);
        assertThat(sum.duplicated()).isEqualTo(1);
        assertThat(sum.lost()).isEqualTo(1);
        assertThat(sum.received()).isEqualTo(5);
        assertThat(sum.summary()).startsWith("FAILED");
    }
}
