package io.zcl.runner.zmq;

import io.zcl.runner.zmq.Protocol.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * A message body: one msgpack map with string keys. Values are null, Boolean, Long, Double,
 * String, byte[] (msgpack bin), List or Map, so any msgpack library can read and write it.
 *
 * <p>Decoding trusts nothing: every declared length is checked against the bytes that are left
 * before anything is allocated, and nesting is bounded, so a 10-byte frame that claims a
 * 2-billion-entry array is rejected instead of exhausting memory.
 */
public final class Body {

    /** Deepest nesting accepted; ZCR1 bodies need 3 (map -> system -> gpus -> gpu). */
    static final int MAX_DEPTH = 8;

    private final Map<String, Object> fields;

    private Body(Map<String, Object> fields) {
        this.fields = fields;
    }

    public static Body of(Map<String, ?> fields) {
        return new Body(Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
    }

    public static Body empty() {
        return new Body(Map.of());
    }

    public Map<String, Object> asMap() {
        return fields;
    }

    // ---- typed access: a missing or mistyped field is BAD_BODY naming the field ----

    public String string(String name) throws ProtocolException {
        return require(name, String.class);
    }

    public String optString(String name, String fallback) throws ProtocolException {
        return fields.get(name) == null ? fallback : string(name);
    }

    public long integer(String name) throws ProtocolException {
        return require(name, Long.class);
    }

    public long optInteger(String name, long fallback) throws ProtocolException {
        return fields.get(name) == null ? fallback : integer(name);
    }

    public boolean optBoolean(String name, boolean fallback) throws ProtocolException {
        return fields.get(name) == null ? fallback : require(name, Boolean.class);
    }

    public byte[] bytes(String name) throws ProtocolException {
        Object v = fields.get(name);
        if (v instanceof String s) {
            // Tolerate peers that send text as str rather than bin.
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return require(name, byte[].class);
    }

    public List<String> stringList(String name) throws ProtocolException {
        List<?> raw = require(name, List.class);
        List<String> out = new ArrayList<>(raw.size());
        for (Object o : raw) {
            if (!(o instanceof String s)) {
                throw new ProtocolException(ErrorCode.BAD_BODY, "field '" + name + "' must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }

    public List<String> optStringList(String name) throws ProtocolException {
        return fields.get(name) == null ? List.of() : stringList(name);
    }

    public Map<String, String> optStringMap(String name) throws ProtocolException {
        if (fields.get(name) == null) {
            return Map.of();
        }
        Map<?, ?> raw = require(name, Map.class);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                throw new ProtocolException(ErrorCode.BAD_BODY, "field '" + name + "' must map strings to strings");
            }
            out.put(k, v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> optMap(String name) throws ProtocolException {
        return fields.get(name) == null ? Map.of() : require(name, Map.class);
    }

    private <T> T require(String name, Class<T> type) throws ProtocolException {
        Object v = fields.get(name);
        if (v == null) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "missing field '" + name + "'");
        }
        if (!type.isInstance(v)) {
            throw new ProtocolException(ErrorCode.BAD_BODY,
                    "field '" + name + "' must be " + typeName(type) + ", got " + typeName(v.getClass()));
        }
        return type.cast(v);
    }

    private static String typeName(Class<?> type) {
        if (type == Long.class) {
            return "an integer";
        }
        if (type == byte[].class) {
            return "binary";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a map";
        }
        return "a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- encoding ----

    public byte[] encode() {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            pack(p, fields);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory buffer: cannot happen
        }
    }

    private static void pack(MessageBufferPacker p, Object v) throws IOException {
        if (v == null) {
            p.packNil();
        } else if (v instanceof String s) {
            p.packString(s);
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            p.packDouble(((Number) v).doubleValue());
        } else if (v instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof List<?> list) {
            p.packArrayHeader(list.size());
            for (Object o : list) {
                pack(p, o);
            }
        } else if (v instanceof Map<?, ?> map) {
            p.packMapHeader(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                p.packString(String.valueOf(e.getKey()));
                pack(p, e.getValue());
            }
        } else if (v instanceof Enum<?> e) {
            p.packString(e.name());
        } else {
            throw new IllegalArgumentException("cannot encode " + v.getClass().getName() + " in a ZCR1 body");
        }
    }

    // ---- decoding ----

    public static Body decode(byte[] data) throws ProtocolException {
        if (data.length > Protocol.MAX_BODY_BYTES) {
            throw new ProtocolException(ErrorCode.TOO_LARGE,
                    "body of " + data.length + " bytes exceeds " + Protocol.MAX_BODY_BYTES);
        }
        if (data.length == 0) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "empty body: send an empty msgpack map (0x80)");
        }
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(data)) {
            if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.MAP) {
                throw new ProtocolException(ErrorCode.BAD_BODY, "body must be a msgpack map");
            }
            Object value = unpack(u, data.length, 0);
            if (u.hasNext()) {
                throw new ProtocolException(ErrorCode.BAD_BODY, "trailing bytes after the body map");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) value;
            return new Body(Collections.unmodifiableMap(map));
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // MessageInsufficientBufferException, MessageFormatException, overflow, ...
            throw new ProtocolException(ErrorCode.BAD_BODY, "not valid msgpack: " + e.getMessage());
        }
    }

    private static Object unpack(MessageUnpacker u, int total, int depth) throws IOException, ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException(ErrorCode.BAD_BODY, "nesting deeper than " + MAX_DEPTH);
        }
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                return u.unpackLong();
            case FLOAT:
                return u.unpackDouble();
            case STRING: {
                int len = u.unpackRawStringHeader();
                checkLength(u, total, len, 1);
                return new String(u.readPayload(len), java.nio.charset.StandardCharsets.UTF_8);
            }
            case BINARY: {
                int len = u.unpackBinaryHeader();
                checkLength(u, total, len, 1);
                return u.readPayload(len);
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                checkLength(u, total, n, 1);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(unpack(u, total, depth + 1));
                }
                return list;
            }
            case MAP: {
                int n = u.unpackMapHeader();
                checkLength(u, total, n, 2);
                Map<String, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
                for (int i = 0; i < n; i++) {
                    if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.STRING) {
                        throw new ProtocolException(ErrorCode.BAD_BODY, "map keys must be strings");
                    }
                    String key = (String) unpack(u, total, depth + 1);
                    map.put(key, unpack(u, total, depth + 1));
                }
                return map;
            }
            default:
                throw new ProtocolException(ErrorCode.BAD_BODY, "unsupported msgpack type " + f.getValueType());
        }
    }

    /** A declared count of n items of at least minBytes each must fit in what is left. */
    private static void checkLength(MessageUnpacker u, int total, long n, int minBytes) throws ProtocolException {
        long left = total - u.getTotalReadBytes();
        if (n < 0 || n * minBytes > left) {
            throw new ProtocolException(ErrorCode.BAD_BODY,
                    "declared length " + n + " exceeds the " + left + " bytes left in the body");
        }
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
