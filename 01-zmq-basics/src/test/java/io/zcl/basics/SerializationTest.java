package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SerializationTest {

    @Test
    @Timeout(30)
    void bothFormatsRoundTripAndMsgpackIsSmaller() throws Exception {
        Serialization.Result result = Serialization.run(200, 1000);

        assertThat(result.json().roundTrips()).isTrue();
        assertThat(result.msgpack().roundTrips()).isTrue();
        assertThat(result.msgpackCrossedZeroMq()).isTrue();
        // JSON carries the stdout bytes as base64: 4 characters for every 3 bytes.
        assertThat(result.json().bytes()).isGreaterThan(result.stdoutBytes() * 4 / 3);
        assertThat(result.msgpack().bytes()).isLessThan(result.json().bytes());
        assertThat(result.json().encodeMicros()).isPositive();
        assertThat(result.msgpack().decodeMicros()).isPositive();
    }
}
