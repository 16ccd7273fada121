package io.zcl.patterns.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Records to msgpack maps and back. A map keyed by field name (not a positional array) so a
 * Python peer can read it with {@code msgpack.unpackb} and old peers ignore new fields.
 */
public final class Codec {

    private static final ObjectMapper MAPPER = new ObjectMapper(new MessagePackFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * Builds the (de)serializers for every message type now. Jackson does that on first use, which
     * can take a few hundred ms in a cold JVM: paid inside the coordinator's loop, it would look to
     * workers with a short heartbeat like a dead coordinator. Call before binding or connecting.
     */
    public static void warmUp() {
        Messages.WorkerRow row = new Messages.WorkerRow("w", "ready", null, 0, 0);
        decode(encode(new Messages.TaskSpec(List.of("true"), 1)), Messages.TaskSpec.class);
        decode(encode(new Messages.TaskResult(0, "", 0)), Messages.TaskResult.class);
        decode(encode(new Messages.Event("e", 0, 0, 0, "w", "t", 0)), Messages.Event.class);
        decode(encode(new Messages.Snapshot(0, 0, List.of(row), 0, 0, 0, 0)), Messages.Snapshot.class);
    }

    public static byte[] encode(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** Decodes a body; a malformed one raises IllegalArgumentException, which callers log and drop. */
    public static <T> T decode(byte[] body, Class<T> type) {
        if (body == null) {
            throw new IllegalArgumentException("missing " + type.getSimpleName() + " body");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (IOException | RuntimeException e) {
            // msgpack reports some bad bytes with unchecked exceptions: all of them mean "malformed".
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + " body: " + e.getMessage(), e);
        }
    }

    private Codec() {
    }
}
