package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Time is an input here: these tests move a number, they never sleep. */
class LivenessAndBackoffTest {

    @Test
    void aPeerIsDeadAfterExactlyLivenessTimesIntervalOfSilence() {
        Liveness l = new Liveness(1000, 3, 0);
        assertThat(l.isDead(2999)).isFalse();
        assertThat(l.isDead(3000)).isTrue();
        l.heard(2500);
        assertThat(l.isDead(5499)).isFalse();
        assertThat(l.isDead(5500)).isTrue();
    }

    @Test
    void heartbeatIsDueOneIntervalAfterTheLastSend() {
        Liveness l = new Liveness(1000, 3, 0);
        assertThat(l.heartbeatDue(999)).isFalse();
        assertThat(l.heartbeatDue(1000)).isTrue();
        l.sent(1000);
        assertThat(l.heartbeatDue(1999)).isFalse();
        assertThat(l.msUntilNextEvent(1500)).isEqualTo(500);
    }

    @Test
    void backoffDoublesFromOneToThirtyTwoSecondsWithJitterInTheUpperHalf() {
        Backoff max = new Backoff(1000, 32_000, () -> 0.999_999);
        List<Long> upper = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            upper.add(max.nextDelayMs());
        }
        assertThat(upper).containsExactly(999L, 1999L, 3999L, 7999L, 15999L, 31999L, 31999L, 31999L);

        Backoff min = new Backoff(1000, 32_000, () -> 0.0);
        assertThat(min.nextDelayMs()).isEqualTo(500);
        assertThat(min.nextDelayMs()).isEqualTo(1000);
        min.reset();
        assertThat(min.currentBaseMs()).isEqualTo(1000);
    }
}
