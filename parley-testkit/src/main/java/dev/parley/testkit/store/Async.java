package dev.parley.testkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for store stages in tests: bounded waits, failures unwrapped to the store's exception. */
public final class Async {
    private static final long TIMEOUT_SECONDS = 30;

    private Async() {
    }

    /** The stage's value; rethrows its failure unwrapped; fails the test after 30 s. */
    public static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError("stage failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Asserts that the stage fails with a {@link ParleyException} of {@code code}. */
    public static void assertFailsWith(CompletionStage<?> stage, ErrorCode code) {
        assertThatThrownBy(() -> await(stage))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
