package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** CURVE everywhere off loopback; plaintext only on loopback and only when asked for. */
class TransportSecurityTest {

    private static final String KEYS = "--curve-secret FILE --allow-keys DIR";

    @Test
    void loopbackIsThisMachineOnly() {
        assertThat(TransportSecurity.isLoopback("tcp://127.0.0.1:5555")).isTrue();
        assertThat(TransportSecurity.isLoopback("tcp://127.0.0.1:*")).isTrue();
        assertThat(TransportSecurity.isLoopback("tcp://localhost:5555")).isTrue();
        assertThat(TransportSecurity.isLoopback("tcp://[::1]:5555")).isTrue();
        assertThat(TransportSecurity.isLoopback("ipc:///tmp/zcl.sock")).isTrue();
        assertThat(TransportSecurity.isLoopback("tcp://*:5555")).isFalse();
        assertThat(TransportSecurity.isLoopback("tcp://0.0.0.0:5555")).isFalse();
        assertThat(TransportSecurity.isLoopback("tcp://10.0.0.1:5555")).isFalse();
        assertThat(TransportSecurity.isLoopback("tcp://coordinator:5555")).isFalse();
        assertThat(TransportSecurity.isLoopback("tcp://localhost.example.com:5555")).isFalse();
    }

    @Test
    void keysAlwaysWorkPlaintextNeedsLoopbackAndInsecure() {
        assertThat(TransportSecurity.check("tcp://*:5555", true, false, KEYS)).isNull();
        assertThat(TransportSecurity.check("tcp://127.0.0.1:5555", true, false, KEYS)).isNull();
        assertThat(TransportSecurity.check("tcp://127.0.0.1:5555", false, true, KEYS)).startsWith("WARNING: --insecure");
        assertThatThrownBy(() -> TransportSecurity.check("tcp://*:5555", false, true, KEYS))
                .hasMessageContaining("not a loopback endpoint").hasMessageContaining("--insecure is accepted only");
        assertThatThrownBy(() -> TransportSecurity.check("tcp://*:5555", false, false, KEYS))
                .hasMessageContaining("needs CURVE keys (" + KEYS);
        assertThatThrownBy(() -> TransportSecurity.check("tcp://127.0.0.1:5555", false, false, KEYS))
                .hasMessageContaining("or --insecure for a plaintext demo");
        assertThatThrownBy(() -> TransportSecurity.check("tcp://127.0.0.1:5555", true, true, KEYS))
                .hasMessageContaining("exclude each other");
    }
}
