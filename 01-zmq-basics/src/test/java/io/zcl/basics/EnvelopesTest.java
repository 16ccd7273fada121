package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.Envelopes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EnvelopesTest {

    @Test
    @Timeout(20)
    void framesAsEachSocketSeesThem() {
        Envelopes.Result result = Envelopes.run(line -> { });

        // RFC 28, REQ: "SHALL prefix the outgoing message with an empty delimiter frame."
        // RFC 28, ROUTER: "SHALL prefix each incoming message with a frame containing the identity
        // of the originating double queue."
        assertThat(result.reqAtRouter()).containsExactly("req-1", "", "hello");
        assertThat(result.replyAtReq()).containsExactly("world");
        // RFC 28, DEALER: "SHALL not filter or modify outgoing or incoming messages in any way."
        assertThat(result.dealerAtRouter()).containsExactly("dealer-1", "hello");
        assertThat(result.anonymousAtRouter()).hasSize(2);
        assertThat(result.anonymousAtRouter().get(0)).startsWith("0x00 ");
        assertThat(result.anonymousAtRouter().get(1)).isEqualTo("hi");

        // RFC 28, ROUTER: "SHALL either silently drop the message, or return an error, depending on
        // configuration, if the queue does not exist, or is full."
        assertThat(result.unknownIdentitySendReturned()).isTrue();
        assertThat(result.mandatoryError()).isEqualTo("EHOSTUNREACH");

        // Paraphrasing RFC 28, REP: a request is an address envelope, an empty delimiter, then data.
        // Without the delimiter there is no valid envelope and the REP discards the message.
        assertThat(result.repGotBare()).isNull();
        assertThat(result.repGotDelimited()).isEqualTo("with delimiter");
        assertThat(result.replyAtDealer()).containsExactly("", "ack");
    }
}
