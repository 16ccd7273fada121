package io.zcl.runner.fuzz;

import io.zcl.runner.zmq.Body;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A seeded, reproducible generator of hostile ZCR1 messages (the frames after the routing id),
 * for the side that receives them: mutations of each valid command plus crafted attacks (wrong
 * frame counts, bad signature, unknown or wrong-direction command bytes, truncated or garbage
 * msgpack, absurd declared lengths, deep nesting, non-string keys, wrong field types, missing
 * fields, hostile strings). Each input says what docs/wire-protocol.md makes the receiver answer,
 * when that is certain, so a harness can check the reply and not only that nothing crashed.
 *
 * <p>The same seed gives the same inputs: a failure prints the seed and the input index.
 */
public final class HostileInputs {

    /** Who receives the inputs. */
    public enum Target { COORDINATOR, AGENT }

    /** The command byte reserved for a harness's probe; never generated as an "unknown" byte. */
    public static final byte PROBE_BYTE = 0x7E;

    /** What the receiver must answer. */
    public enum Kind { NONE, ERROR, ANY }

    /** An expected outcome: no ERROR, ERROR with this code, or either (a random mutation). */
    public record Expect(Kind kind, ErrorCode code) {
        public static final Expect NONE = new Expect(Kind.NONE, null);
        public static final Expect ANY = new Expect(Kind.ANY, null);

        public static Expect error(ErrorCode code) {
            return new Expect(Kind.ERROR, code);
        }

        @Override
        public String toString() {
            return kind == Kind.ERROR ? "ERROR " + code : kind.name();
        }
    }

    /**
     * One hostile message.
     *
     * @param index      its number in this generator's sequence (for reproduction with the seed)
     * @param category   which mutation made it
     * @param frames     the frames as the sender's DEALER sends them
     * @param cmd        the command it parses as when the frames and body are well formed, else null
     * @param framing    the error the frame or body layout alone causes (any session state), or null
     * @param semantic   what the handler answers when the layout is fine and the peer has a session
     */
    public record Input(long index, String category, List<byte[]> frames, Cmd cmd, ErrorCode framing,
                        Expect semantic) {

        /**
         * What the receiver answers. A coordinator answers a peer without a session HELLO_REQUIRED
         * for anything but HELLO, BYE and ERROR (the last two it drops in silence).
         */
        public Expect expect(Target target, boolean hasSession) {
            if (framing != null) {
                return Expect.error(framing);
            }
            if (semantic.kind() == Kind.ANY) {
                return Expect.ANY; // the mutation may or may not have broken the body
            }
            if (target == Target.COORDINATOR && !hasSession && cmd != Cmd.HELLO) {
                return cmd == Cmd.BYE || cmd == Cmd.ERROR ? Expect.NONE : Expect.error(ErrorCode.HELLO_REQUIRED);
            }
            return semantic;
        }

        public long bytes() {
            long n = 0;
            for (byte[] f : frames) {
                n += f.length;
            }
            return n;
        }

        /** The input in hex, frame by frame (long frames cut), for a failure message. */
        public String describe() {
            StringBuilder s = new StringBuilder("#" + index + " " + category + " cmd=" + cmd + " frames=[");
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = frames.get(i);
                s.append(i == 0 ? "" : ", ").append(f.length).append("B:")
                        .append(HexFormat.of().formatHex(f, 0, Math.min(f.length, 64)))
                        .append(f.length > 64 ? "..." : "");
            }
            return s.append(']').toString();
        }
    }

    /** A well-formed message to mutate, with the fields whose wrong type or absence is certain BAD_BODY. */
    private record Template(Cmd cmd, Map<String, Object> fields, Map<String, Type> checked, Set<String> required,
                            Expect valid) {
    }

    private enum Type { STR, INT, BIN, BOOL, STR_LIST, MAP, STR_MAP }

    private final Target target;
    private final long seed;
    private final Random rnd;
    private final String idPrefix;
    private long next;

    public HostileInputs(Target target, long seed) {
        this.target = target;
        this.seed = seed;
        this.rnd = new Random(seed);
        this.idPrefix = "fz" + Long.toHexString(seed) + "-";
    }

    public long seed() {
        return seed;
    }

    /** The next hostile input. */
    public Input next() {
        long index = next++;
        Template t = template();
        int pick = rnd.nextInt(100);
        if (pick < 5) {
            return valid(index, t);
        } else if (pick < 10) {
            return wrongFrameCount(index, t);
        } else if (pick < 15) {
            return badSignature(index, t);
        } else if (pick < 19) {
            return badCommandFrame(index, t);
        } else if (pick < 24) {
            return unknownCommand(index, t);
        } else if (pick < 29) {
            return wrongDirection(index);
        } else if (pick < 37) {
            return truncated(index, t);
        } else if (pick < 42) {
            return garbage(index, t);
        } else if (pick < 48) {
            return absurdLength(index, t);
        } else if (pick < 52) {
            return notAMap(index, t);
        } else if (pick < 55) {
            return trailing(index, t);
        } else if (pick < 58) {
            return deepNesting(index, t);
        } else if (pick < 61) {
            return nonStringKey(index, t);
        } else if (pick < 74) {
            return wrongType(index, t);
        } else if (pick < 80) {
            return missingField(index, t);
        } else if (pick < 92) {
            return byteFlips(index, t);
        } else if (pick < 96) {
            return extraFields(index, t);
        } else if (t.cmd == Cmd.RUN && rnd.nextBoolean()) {
            return timeoutOutOfRange(index, t);
        } else {
            return hostileStrings(index, t);
        }
    }

    // ------------------------------------------------------------------ templates

    private String freshId() {
        return idPrefix + next + "-" + rnd.nextInt(1_000_000);
    }

    private Template template() {
        return target == Target.COORDINATOR ? coordinatorTemplate() : agentTemplate();
    }

    /** Messages an agent sends, for a coordinator to receive. */
    private Template coordinatorTemplate() {
        switch (rnd.nextInt(7)) {
            case 0 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.VERSION, Protocol.VERSION);
                f.put(Field.NODE_ID, "fuzz-node-" + Long.toHexString(rnd.nextLong()));
                f.put(Field.INSTANCE, freshId());
                f.put(Field.AGENT, "fuzz/1");
                f.put(Field.SYSTEM, Map.of("hostname", "fuzz", "gpus", List.of(Map.of("index", 0, "model", "x",
                        "memory_gb", 80, "nvlink_links", 18, "nvlink_gb_per_sec", 25.0, "tflops", 50.0))));
                f.put(Field.MAX_CONCURRENT, 8);
                f.put(Field.RUNNING, List.of());
                f.put(Field.UNACKED, List.of());
                return new Template(Cmd.HELLO, f, Map.of(Field.VERSION, Type.INT, Field.NODE_ID, Type.STR,
                        Field.INSTANCE, Type.STR, Field.SYSTEM, Type.MAP, Field.RUNNING, Type.STR_LIST,
                        Field.UNACKED, Type.STR_LIST), Set.of(Field.VERSION, Field.NODE_ID, Field.INSTANCE), Expect.NONE);
            }
            case 1 -> {
                return new Template(Cmd.HEARTBEAT, Map.of(), Map.of(), Set.of(), Expect.NONE);
            }
            case 2 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.CMD_ID, freshId());
                f.put(Field.STREAM, "stdout");
                f.put(Field.SEQ, 0);
                f.put(Field.DATA, "hello\n".getBytes(StandardCharsets.UTF_8));
                // Only cmd_id is read for a command the coordinator does not know.
                return new Template(Cmd.OUTPUT, f, Map.of(Field.CMD_ID, Type.STR), Set.of(Field.CMD_ID), Expect.NONE);
            }
            case 3 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.CMD_ID, freshId());
                f.put(Field.STATUS, "COMPLETED");
                f.put(Field.EXIT_CODE, 0);
                f.put(Field.STDOUT, "out".getBytes(StandardCharsets.UTF_8));
                f.put(Field.STDERR, new byte[0]);
                f.put(Field.TRUNCATED, false);
                f.put(Field.STARTED_MS, 1_795_881_600_123L);
                f.put(Field.DURATION_US, 1234L);
                Map<String, Type> checked = new LinkedHashMap<>();
                checked.put(Field.CMD_ID, Type.STR);
                checked.put(Field.STATUS, Type.STR);
                checked.put(Field.EXIT_CODE, Type.INT);
                checked.put(Field.STDOUT, Type.BIN);
                checked.put(Field.STDERR, Type.BIN);
                checked.put(Field.TRUNCATED, Type.BOOL);
                checked.put(Field.STARTED_MS, Type.INT);
                checked.put(Field.DURATION_US, Type.INT);
                checked.put(Field.ERROR, Type.STR);
                return new Template(Cmd.RESULT, f, checked, Set.of(Field.CMD_ID, Field.STATUS, Field.EXIT_CODE,
                        Field.STDOUT, Field.STDERR, Field.STARTED_MS, Field.DURATION_US), Expect.NONE);
            }
            case 4 -> {
                return new Template(Cmd.BYE, Map.of(Field.REASON, "fuzz"), Map.of(Field.REASON, Type.STR), Set.of(),
                        Expect.NONE);
            }
            case 5 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.CODE, "BAD_BODY");
                f.put(Field.REASON, "fuzz");
                return new Template(Cmd.ERROR, f, Map.of(Field.CODE, Type.STR, Field.REASON, Type.STR), Set.of(),
                        Expect.NONE);
            }
            default -> {
                // JOURNAL goes to a journal collector, not to a coordinator.
                return new Template(Cmd.JOURNAL, Map.of(Field.WRITER, "w", Field.SEQ, 0, Field.RECORD, "{}"), Map.of(),
                        Set.of(), Expect.error(ErrorCode.UNKNOWN_COMMAND));
            }
        }
    }

    /** Messages a coordinator sends, for an agent to receive. */
    private Template agentTemplate() {
        switch (rnd.nextInt(6)) {
            case 0 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.VERSION, Protocol.VERSION);
                f.put(Field.HEARTBEAT_MS, 1000);
                f.put(Field.LIVENESS, 3);
                return new Template(Cmd.WELCOME, f, Map.of(Field.HEARTBEAT_MS, Type.INT, Field.LIVENESS, Type.INT),
                        Set.of(), Expect.NONE);
            }
            case 1, 2 -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(Field.CMD_ID, freshId());
                // @noop answers at once; anything else is off the harness agent's allow-list.
                f.put(Field.ARGV, rnd.nextBoolean() ? List.of("@noop") : List.of("rm", "-rf", "/nonexistent-zcl-fuzz"));
                f.put(Field.ENV, Map.of("A", "1"));
                f.put(Field.TIMEOUT_MS, 5000);
                f.put(Field.STREAM, rnd.nextBoolean());
                Map<String, Type> checked = new LinkedHashMap<>();
                checked.put(Field.CMD_ID, Type.STR);
                checked.put(Field.ARGV, Type.STR_LIST);
                checked.put(Field.ENV, Type.STR_MAP);
                checked.put(Field.CWD, Type.STR);
                checked.put(Field.TIMEOUT_MS, Type.INT);
                checked.put(Field.STREAM, Type.BOOL);
                return new Template(Cmd.RUN, f, checked, Set.of(Field.CMD_ID, Field.ARGV), Expect.NONE);
            }
            case 3 -> {
                return new Template(Cmd.CANCEL, Map.of(Field.CMD_ID, freshId()), Map.of(Field.CMD_ID, Type.STR),
                        Set.of(Field.CMD_ID), Expect.NONE);
            }
            case 4 -> {
                return new Template(Cmd.ACK, Map.of(Field.CMD_ID, freshId()), Map.of(Field.CMD_ID, Type.STR),
                        Set.of(Field.CMD_ID), Expect.NONE);
            }
            default -> {
                if (rnd.nextBoolean()) {
                    return new Template(Cmd.HEARTBEAT, Map.of(), Map.of(), Set.of(), Expect.NONE);
                }
                Map<String, Object> f = new LinkedHashMap<>();
                // Not HELLO_REQUIRED or NOT_ALLOWED: those change the agent's state on purpose.
                f.put(Field.CODE, "BAD_BODY");
                f.put(Field.REASON, "fuzz");
                return new Template(Cmd.ERROR, f, Map.of(Field.CODE, Type.STR, Field.REASON, Type.STR), Set.of(),
                        Expect.NONE);
            }
        }
    }

    // ------------------------------------------------------------------ mutations

    private Input input(long index, String category, Cmd cmd, byte[] body, ErrorCode framing, Expect semantic) {
        return new Input(index, category, List.of(Protocol.SIGNATURE.clone(), new byte[] {cmd.code()}, body), cmd,
                framing, semantic);
    }

    private Input valid(long index, Template t) {
        return input(index, "valid", t.cmd, Body.of(t.fields).encode(), null, t.valid);
    }

    private Input wrongFrameCount(long index, Template t) {
        List<byte[]> frames = new ArrayList<>(List.of(Protocol.SIGNATURE.clone(), new byte[] {t.cmd.code()},
                Body.of(t.fields).encode()));
        int n = rnd.nextInt(8) + 1;
        if (n == 3) {
            n = 4 + rnd.nextInt(60);
        }
        while (frames.size() > n) {
            frames.remove(rnd.nextInt(frames.size()));
        }
        while (frames.size() < n) {
            frames.add(randomBytes(rnd.nextInt(20)));
        }
        return new Input(index, "frame-count", frames, null, ErrorCode.BAD_FRAMES, null);
    }

    private Input badSignature(long index, Template t) {
        byte[] sig;
        do {
            sig = switch (rnd.nextInt(4)) {
                case 0 -> "ZCR2".getBytes(StandardCharsets.US_ASCII);
                case 1 -> new byte[0];
                case 2 -> randomBytes(1 + rnd.nextInt(40));
                default -> {
                    byte[] s = Protocol.SIGNATURE.clone();
                    s[rnd.nextInt(4)] ^= (byte) (1 << rnd.nextInt(8));
                    yield s;
                }
            };
        } while (java.util.Arrays.equals(sig, Protocol.SIGNATURE));
        return new Input(index, "bad-signature", List.of(sig, new byte[] {t.cmd.code()}, Body.of(t.fields).encode()),
                null, ErrorCode.BAD_VERSION, null);
    }

    private Input badCommandFrame(long index, Template t) {
        byte[] cmd = rnd.nextInt(4) == 0 ? new byte[0] : randomBytes(2 + rnd.nextInt(6));
        return new Input(index, "command-frame-size", List.of(Protocol.SIGNATURE.clone(), cmd, Body.of(t.fields).encode()),
                null, ErrorCode.BAD_FRAMES, null);
    }

    private Input unknownCommand(long index, Template t) {
        byte b;
        do {
            b = (byte) rnd.nextInt(256);
        } while (Cmd.of(b) != null || b == PROBE_BYTE);
        return new Input(index, "unknown-command", List.of(Protocol.SIGNATURE.clone(), new byte[] {b},
                Body.of(t.fields).encode()), null, ErrorCode.UNKNOWN_COMMAND, null);
    }

    /** A known command sent the wrong way (RUN to a coordinator, HELLO to an agent). */
    private Input wrongDirection(long index) {
        List<Cmd> wrong = target == Target.COORDINATOR
                ? List.of(Cmd.WELCOME, Cmd.RUN, Cmd.CANCEL, Cmd.ACK, Cmd.JOURNAL_ACK)
                : List.of(Cmd.HELLO, Cmd.OUTPUT, Cmd.RESULT, Cmd.BYE, Cmd.JOURNAL, Cmd.JOURNAL_ACK);
        Cmd c = wrong.get(rnd.nextInt(wrong.size()));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(Field.CMD_ID, freshId());
        f.put(Field.ARGV, List.of("@noop"));
        // A coordinator refuses a wrong-direction byte before it looks at the session.
        return new Input(index, "wrong-direction", List.of(Protocol.SIGNATURE.clone(), new byte[] {c.code()},
                Body.of(f).encode()), c, ErrorCode.UNKNOWN_COMMAND, null);
    }

    private Input truncated(long index, Template t) {
        byte[] body = Body.of(t.fields).encode();
        byte[] cut = java.util.Arrays.copyOf(body, rnd.nextInt(body.length));
        return input(index, "truncated-msgpack", t.cmd, cut, ErrorCode.BAD_BODY, null);
    }

    /** Random bytes as the body: usually not a msgpack map, but it may be one by chance. */
    private Input garbage(long index, Template t) {
        byte[] body = randomBytes(rnd.nextInt(200));
        return input(index, "garbage-body", t.cmd, body, null, Expect.ANY);
    }

    private Input absurdLength(long index, Template t) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            int len = rnd.nextBoolean() ? Integer.MAX_VALUE : 1 + rnd.nextInt(1_000_000) + 64;
            switch (rnd.nextInt(5)) {
                case 0 -> p.packMapHeader(len);
                case 1 -> {
                    p.packMapHeader(1);
                    p.packString(Field.CMD_ID);
                    p.packRawStringHeader(len);
                }
                case 2 -> {
                    p.packMapHeader(1);
                    p.packString(Field.DATA);
                    p.packBinaryHeader(len);
                }
                case 3 -> {
                    p.packMapHeader(1);
                    p.packString(Field.ARGV);
                    p.packArrayHeader(len);
                }
                default -> {
                    // str32 / bin32 / array32 / map32 headers claiming up to 4 GiB (negative as an int)
                    p.packMapHeader(1);
                    p.packString(Field.NODE_ID);
                    p.flush();
                    byte[] head = p.toByteArray();
                    byte kind = new byte[] {(byte) 0xdb, (byte) 0xc6, (byte) 0xdd, (byte) 0xdf}[rnd.nextInt(4)];
                    byte[] tail = {kind, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) (0xf0 | rnd.nextInt(16))};
                    byte[] body = concat(head, tail, randomBytes(rnd.nextInt(16)));
                    return input(index, "absurd-length", t.cmd, body, ErrorCode.BAD_BODY, null);
                }
            }
            byte[] body = concat(p.toByteArray(), randomBytes(rnd.nextInt(16)));
            return input(index, "absurd-length", t.cmd, body, ErrorCode.BAD_BODY, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Input notAMap(long index, Template t) {
        Object v = switch (rnd.nextInt(5)) {
            case 0 -> List.of(1, 2, 3);
            case 1 -> 42L;
            case 2 -> "a string";
            case 3 -> new byte[] {1, 2};
            default -> true;
        };
        return input(index, "not-a-map", t.cmd, packValue(v), ErrorCode.BAD_BODY, null);
    }

    private Input trailing(long index, Template t) {
        byte[] body = concat(Body.of(t.fields).encode(), packValue(rnd.nextInt(1000)));
        return input(index, "trailing-bytes", t.cmd, body, ErrorCode.BAD_BODY, null);
    }

    private Input deepNesting(long index, Template t) {
        int depth = 9 + rnd.nextInt(rnd.nextBoolean() ? 20 : 100_000);
        byte[] body = new byte[depth + 1];
        for (int i = 0; i < depth; i++) {
            body[i] = (byte) 0x91; // fixarray of 1
        }
        body[depth] = (byte) 0xc0; // nil
        byte[] key = packValue("system");
        byte[] map = concat(new byte[] {(byte) 0x81}, key, body);
        return input(index, "deep-nesting", t.cmd, map, ErrorCode.BAD_BODY, null);
    }

    private Input nonStringKey(long index, Template t) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(t.fields.size() + 1);
            p.packInt(rnd.nextInt(100));
            p.packString("v");
            for (Map.Entry<String, Object> e : t.fields.entrySet()) {
                p.packString(e.getKey());
                p.addPayload(packValue(e.getValue()));
            }
            return input(index, "non-string-key", t.cmd, p.toByteArray(), ErrorCode.BAD_BODY, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Input wrongType(long index, Template t) {
        if (t.checked.isEmpty()) {
            return extraFields(index, t);
        }
        List<String> names = new ArrayList<>(t.checked.keySet());
        String name = names.get(rnd.nextInt(names.size()));
        Map<String, Object> f = new LinkedHashMap<>(t.fields);
        f.put(name, wrongValue(t.checked.get(name)));
        return input(index, "wrong-type:" + name, t.cmd, Body.of(f).encode(), null, Expect.error(ErrorCode.BAD_BODY));
    }

    private Input missingField(long index, Template t) {
        if (t.required.isEmpty()) {
            return extraFields(index, t);
        }
        List<String> names = new ArrayList<>(t.required);
        names.sort(null);
        String name = names.get(rnd.nextInt(names.size()));
        Map<String, Object> f = new LinkedHashMap<>(t.fields);
        if (rnd.nextBoolean()) {
            f.remove(name);
        } else {
            f.put(name, null); // nil counts as missing
        }
        return input(index, "missing:" + name, t.cmd, Body.of(f).encode(), null, Expect.error(ErrorCode.BAD_BODY));
    }

    private Input byteFlips(long index, Template t) {
        byte[] body = Body.of(t.fields).encode();
        int flips = 1 + rnd.nextInt(4);
        for (int i = 0; i < flips && body.length > 0; i++) {
            int at = rnd.nextInt(body.length);
            if (rnd.nextBoolean()) {
                body[at] ^= (byte) (1 << rnd.nextInt(8));
            } else {
                body[at] = (byte) rnd.nextInt(256);
            }
        }
        return input(index, "byte-flips", t.cmd, body, null, Expect.ANY);
    }

    private Input extraFields(long index, Template t) {
        Map<String, Object> f = new LinkedHashMap<>(t.fields);
        for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
            f.put("x_" + Long.toHexString(rnd.nextLong()), randomValue(2));
        }
        return input(index, "extra-fields", t.cmd, Body.of(f).encode(), null, t.valid);
    }

    /** Valid types, hostile contents: NUL, control characters, long strings, path tricks. */
    /**
     * A RUN whose timeout_ms is not 1..7 days: zero, negative, just over, or so large that its
     * nanoseconds overflow a long (which once left the process unsupervised). Always BAD_BODY.
     */
    private Input timeoutOutOfRange(long index, Template t) {
        long[] values = {0, -1, Protocol.MAX_TIMEOUT_MS + 1, 9_300_000_000_000L, Long.MAX_VALUE};
        Map<String, Object> f = new LinkedHashMap<>(t.fields);
        f.put(Field.TIMEOUT_MS, values[rnd.nextInt(values.length)]);
        return input(index, "timeout-out-of-range", t.cmd, Body.of(f).encode(), null, Expect.error(ErrorCode.BAD_BODY));
    }

    private Input hostileStrings(long index, Template t) {
        Map<String, Object> f = new LinkedHashMap<>(t.fields);
        List<String> strs = new ArrayList<>();
        for (Map.Entry<String, Type> e : t.checked.entrySet()) {
            if (e.getValue() == Type.STR || e.getValue() == Type.STR_LIST) {
                strs.add(e.getKey());
            }
        }
        if (strs.isEmpty()) {
            return extraFields(index, t);
        }
        String name = strs.get(rnd.nextInt(strs.size()));
        String nasty = switch (rnd.nextInt(6)) {
            case 0 -> "a\u0000b";
            case 1 -> "../../../../etc/passwd";
            case 2 -> "x".repeat(100_000 + rnd.nextInt(100_000));
            case 3 -> "\r\n\t\u001b[31m";
            case 4 -> "\uD83D\uDE00\u202E";
            default -> "";
        };
        f.put(name, t.checked.get(name) == Type.STR_LIST ? List.of(nasty, "b") : nasty);
        return input(index, "hostile-string:" + name, t.cmd, Body.of(f).encode(), null, Expect.ANY);
    }

    // ------------------------------------------------------------------ values

    private Object wrongValue(Type type) {
        List<Object> choices = new ArrayList<>();
        if (type != Type.INT) {
            choices.add((long) rnd.nextInt());
        }
        if (type != Type.STR && type != Type.BIN) {
            choices.add("str-" + rnd.nextInt(100));
        }
        if (type != Type.BOOL) {
            choices.add(rnd.nextBoolean());
        }
        if (type != Type.STR_LIST) {
            choices.add(List.of(1L, 2L));
        } else {
            choices.add(List.of("ok", 7L)); // a list, but not of strings
        }
        if (type != Type.MAP && type != Type.STR_MAP) {
            choices.add(Map.of("k", 1L));
        } else if (type == Type.STR_MAP) {
            choices.add(Map.of("k", 1L)); // a map, but not string -> string
        }
        choices.add(rnd.nextDouble());
        if (type != Type.BIN && type != Type.STR) {
            choices.add(new byte[] {1, 2, 3});
        }
        return choices.get(rnd.nextInt(choices.size()));
    }

    private Object randomValue(int depth) {
        int k = rnd.nextInt(depth > 0 ? 8 : 6);
        return switch (k) {
            case 0 -> null;
            case 1 -> rnd.nextBoolean();
            case 2 -> rnd.nextLong();
            case 3 -> rnd.nextDouble();
            case 4 -> "s" + rnd.nextInt();
            case 5 -> randomBytes(rnd.nextInt(10));
            case 6 -> List.of(randomValue(depth - 1) == null ? 0L : 1L, "x");
            default -> Map.of("k", "v");
        };
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] packValue(Object v) {
        Map<String, Object> wrapper = new LinkedHashMap<>();
        wrapper.put("v", v);
        byte[] map = Body.of(wrapper).encode();
        // strip the fixmap header (0x81) and the key "v" (0xa1 0x76)
        return java.util.Arrays.copyOfRange(map, 3, map.length);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
