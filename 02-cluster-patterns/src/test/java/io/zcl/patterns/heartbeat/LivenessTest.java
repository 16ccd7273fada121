package io.zcl.patterns.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Liveness with a clock we turn by hand: no sleeping, exact to the millisecond. */
class LivenessTest {

    @Test
    void aSilentPeerExpiresExactlyAtLivenessTimesInterval() {
        Liveness peer = new Liveness(1000, 3, 10_000);

        assertThat(peer.timeoutMs()).isEqualTo(3000);
        assertThat(peer.expiresAt()).isEqualTo(13_000);
        assertThat(peer.expired(12_999)).isFalse();
        assertThat(peer.expired(13_000)).isTrue();
        assertThat(peer.silentFor(13_000)).isEqualTo(3000);
    }

    @Test
    void anyMessageCountsAsAHeartbeatAndRestartsTheSilence() {
        Liveness peer = new Liveness(1000, 3, 0);

        peer.heard(2500);

        assertThat(peer.expired(3000)).isFalse();
        assertThat(peer.expired(5499)).isFalse();
        assertThat(peer.expired(5500)).isTrue();
    }

    @Test
    void aMessageStampedEarlierNeverMovesTheDeadlineBack() {
        Liveness peer = new Liveness(200, 3, 1000);

        peer.heard(900);

        assertThat(peer.lastHeardAt()).isEqualTo(1000);
        assertThat(peer.expiresAt()).isEqualTo(1600);
    }

    @Test
    void theDemoAndTestSettingsGiveTheTimeoutsTheyClaim() {
        assertThat(new Liveness(250, 3, 0).timeoutMs()).isEqualTo(750);
        assertThat(new Liveness(200, 3, 0).timeoutMs()).isEqualTo(600);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Liveness(0, 3, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Liveness(1000, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
