package io.zcl.patterns.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Backoff with the random part pinned or seeded, so every number is known in advance. */
class BackoffTest {

    @Test
    void doublesFromOneSecondAndStopsAtThirtyTwo() {
        Backoff backoff = new Backoff(1000, 32_000, 0.25, () -> 0.0);

        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            delays.add(backoff.nextDelayMs());
        }

        assertThat(delays).containsExactly(1000L, 2000L, 4000L, 8000L, 16_000L, 32_000L, 32_000L, 32_000L);
        assertThat(backoff.attempts()).isEqualTo(8);
    }

    @Test
    void jitterShortensEachDelayByAtMostAQuarterAndNeverExceedsTheCap() {
        Random seeded = new Random(42);
        Backoff backoff = new Backoff(1000, 32_000, 0.25, seeded::nextDouble);
        long base = 1000;
        for (int i = 0; i < 200; i++) {
            long delay = backoff.nextDelayMs();
            assertThat(delay).isBetween((long) (base * 0.75), base);
            base = Math.min(base * 2, 32_000);
        }
    }

    @Test
    void theLargestRandomValueGivesTheShortestDelay() {
        Backoff backoff = new Backoff(1000, 32_000, 0.25, () -> Math.nextDown(1.0));

        assertThat(backoff.nextDelayMs()).isEqualTo(751);
    }

    @Test
    void hearingThePeerAgainStartsOverFromTheFirstDelay() {
        Backoff backoff = new Backoff(1000, 32_000, 0.25, () -> 0.0);
        backoff.nextDelayMs();
        backoff.nextDelayMs();
        backoff.nextDelayMs();

        backoff.reset();

        assertThat(backoff.attempts()).isZero();
        assertThat(backoff.nextDelayMs()).isEqualTo(1000);
    }
}
