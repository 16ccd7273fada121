package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.zmq.Protocol.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodyTest {

    @Test
    void roundTripsEveryValueKind() throws Exception {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("s", "text");
        fields.put("i", 42L);
        fields.put("d", 2.5);
        fields.put("b", true);
        fields.put("bin", new byte[] {1, 2, 3});
        fields.put("list", List.of("a", "b"));
        fields.put("map", Map.of("k", "v"));
        fields.put("nil", null);
        Body back = Body.decode(Body.of(fields).encode());
        assertThat(back.string("s")).isEqualTo("text");
        assertThat(back.integer("i")).isEqualTo(42);
        assertThat(back.asMap().get("d")).isEqualTo(2.5);
        assertThat(back.optBoolean("b", false)).isTrue();
        assertThat(back.bytes("bin")).containsExactly(1, 2, 3);
        assertThat(back.stringList("list")).containsExactly("a", "b");
        assertThat(back.optStringMap("map")).containsEntry("k", "v");
        assertThat(back.asMap()).containsKey("nil");
    }

    @Test
    void absurdDeclaredLengthsAreRejectedBeforeAllocating() {
        // map of 1: key "a", value = array32 claiming 2^31-1 elements, then nothing.
        byte[] hostile = {(byte) 0x81, (byte) 0xa1, 'a', (byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Body.decode(hostile))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("declared length 2147483647")
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_BODY);
        // a str32 claiming 4 GB
        byte[] hugeString = {(byte) 0x81, (byte) 0xa1, 'a', (byte) 0xdb, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Body.decode(hugeString)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void truncatedGarbageAndNonMapBodiesAreBadBody() {
        byte[] full = Body.of(Map.of("node_id", "node-1", "n", 7L)).encode();
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 3);
        for (byte[] bad : List.of(truncated, new byte[] {(byte) 0xc1}, new byte[] {(byte) 0x92, 1, 2},
                "hello".getBytes(), new byte[0])) {
            assertThatThrownBy(() -> Body.decode(bad))
                    .isInstanceOf(ProtocolException.class)
                    .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.BAD_BODY);
        }
    }

    @Test
    void nonStringKeysAndDeepNestingAreRejected() {
        byte[] intKey = {(byte) 0x81, 0x01, 0x02};
        assertThatThrownBy(() -> Body.decode(intKey)).hasMessageContaining("keys must be strings");
        // {"a": [[[[[[[[[[1]]]]]]]]]]}
        byte[] deep = new byte[3 + 10 + 1];
        deep[0] = (byte) 0x81;
        deep[1] = (byte) 0xa1;
        deep[2] = 'a';
        for (int i = 0; i < 10; i++) {
            deep[3 + i] = (byte) 0x91;
        }
        deep[13] = 1;
        assertThatThrownBy(() -> Body.decode(deep)).hasMessageContaining("nesting deeper");
    }

    @Test
    void wrongFieldTypesNameTheField() throws Exception {
        Body b = Body.decode(Body.of(Map.of("cmd_id", 12L, "argv", "ls")).encode());
        assertThatThrownBy(() -> b.string("cmd_id")).hasMessage("field 'cmd_id' must be a string, got an integer");
        assertThatThrownBy(() -> b.stringList("argv")).hasMessage("field 'argv' must be an array, got a string");
        assertThatThrownBy(() -> b.string("missing")).hasMessage("missing field 'missing'");
    }

    @Test
    void oversizedBodiesAreTooLarge() {
        byte[] big = new byte[Protocol.MAX_BODY_BYTES + 1];
        assertThatThrownBy(() -> Body.decode(big))
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.TOO_LARGE);
    }
}
