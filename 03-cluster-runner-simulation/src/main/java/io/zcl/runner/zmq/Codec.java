package io.zcl.runner.zmq;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Converts the runner's API values to ZCR1 bodies and back (field names in docs/wire-protocol.md). */
final class Codec {

    private static final ObjectMapper WIRE = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Codec() {
    }

    /** Initialises the object mapper and the msgpack classes. */
    static void warmUp() {
        try {
            Body.decode(Message.of(Cmd.HELLO, Map.of(Field.SYSTEM, system(new SystemConfiguration("warm-up",
                    java.util.List.of(new SystemConfiguration.Gpu(0, "x", 1, 1, 1, 1)), java.util.List.of(),
                    java.util.List.of())))).body().encode());
            system(Map.of("hostname", "warm-up"));
        } catch (ProtocolException e) {
            throw new IllegalStateException("codec self-check failed", e);
        }
    }

    static Message run(Command c, boolean stream) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.CMD_ID, c.id());
        f.put(Field.ARGV, c.argv());
        f.put(Field.ENV, c.env());
        if (c.cwd() != null) {
            f.put(Field.CWD, c.cwd());
        }
        f.put(Field.TIMEOUT_MS, c.timeout().toMillis());
        f.put(Field.STREAM, stream);
        return Message.of(Cmd.RUN, f);
    }

    static Command command(Body b) throws ProtocolException {
        long timeoutMs = b.optInteger(Field.TIMEOUT_MS, Command.DEFAULT_TIMEOUT.toMillis());
        if (timeoutMs <= 0 || timeoutMs > Protocol.MAX_TIMEOUT_MS) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "timeout_ms must be 1.." + Protocol.MAX_TIMEOUT_MS
                    + " (7 days), got " + timeoutMs);
        }
        try {
            return new Command(b.string(Field.CMD_ID), b.stringList(Field.ARGV), b.optStringMap(Field.ENV),
                    b.optString(Field.CWD, null), Duration.ofMillis(timeoutMs));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProtocolException(ErrorCode.BAD_BODY, e.getMessage());
        }
    }

    static Message result(CommandResult r) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.CMD_ID, r.commandId());
        f.put(Field.STATUS, r.status().name());
        f.put(Field.EXIT_CODE, r.exitCode());
        f.put(Field.STDOUT, r.stdout().getBytes(StandardCharsets.UTF_8));
        f.put(Field.STDERR, r.stderr().getBytes(StandardCharsets.UTF_8));
        f.put(Field.TRUNCATED, r.outputTruncated());
        f.put(Field.STARTED_MS, r.started().toEpochMilli());
        f.put(Field.DURATION_US, r.duration().toNanos() / 1000);
        if (r.error() != null) {
            f.put(Field.ERROR, r.error());
        }
        return Message.of(Cmd.RESULT, f);
    }

    static CommandResult commandResult(String nodeId, Body b) throws ProtocolException {
        CommandResult.Status status;
        try {
            status = CommandResult.Status.valueOf(b.string(Field.STATUS));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "unknown status '" + b.string(Field.STATUS) + "'");
        }
        return new CommandResult(b.string(Field.CMD_ID), nodeId, status, (int) b.integer(Field.EXIT_CODE),
                new String(b.bytes(Field.STDOUT), StandardCharsets.UTF_8),
                new String(b.bytes(Field.STDERR), StandardCharsets.UTF_8),
                b.optBoolean(Field.TRUNCATED, false),
                Instant.ofEpochMilli(b.integer(Field.STARTED_MS)),
                Duration.ofNanos(b.integer(Field.DURATION_US) * 1000),
                b.optString(Field.ERROR, null));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> system(SystemConfiguration cfg) {
        return WIRE.convertValue(cfg, Map.class);
    }

    static SystemConfiguration system(Map<String, Object> map) throws ProtocolException {
        try {
            return WIRE.convertValue(map, SystemConfiguration.class);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "bad 'system' field: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
