package io.zcl.runner.zmq;

import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import java.util.Map;
import org.zeromq.ZFrame;
import org.zeromq.ZMsg;

/**
 * One ZCR1 message without its routing envelope: a command and its body.
 * {@link #toFrames()} and {@link #parse(ZMsg)} are the only places that know the frame layout.
 */
public record Message(Cmd cmd, Body body) {

    public static Message of(Cmd cmd, Map<String, ?> fields) {
        return new Message(cmd, Body.of(fields));
    }

    public static Message of(Cmd cmd) {
        return new Message(cmd, Body.empty());
    }

    public static Message error(ErrorCode code, String reason) {
        return of(Cmd.ERROR, Map.of(Protocol.Field.CODE, code.name(), Protocol.Field.REASON, reason));
    }

    /** Frames as the agent's DEALER sends them: [signature][command][body]. */
    public ZMsg toFrames() {
        ZMsg msg = new ZMsg();
        msg.add(Protocol.SIGNATURE);
        msg.add(new byte[] {cmd.code()});
        msg.add(body.encode());
        return msg;
    }

    /**
     * Parses the frames after any routing envelope was removed. The msg is consumed either way.
     *
     * @throws ProtocolException naming the first thing that is wrong
     */
    public static Message parse(ZMsg msg) throws ProtocolException {
        try {
            if (msg.size() != 3) {
                throw new ProtocolException(ErrorCode.BAD_FRAMES, "expected 3 frames [ZCR1][command][body], got " + msg.size());
            }
            byte[] sig = msg.pop().getData();
            if (!Protocol.isSignature(sig)) {
                throw new ProtocolException(ErrorCode.BAD_VERSION,
                        "frame 1 must be \"ZCR1\", got " + printable(sig));
            }
            ZFrame cmdFrame = msg.pop();
            if (cmdFrame.size() != 1) {
                throw new ProtocolException(ErrorCode.BAD_FRAMES, "frame 2 must be one command byte, got " + cmdFrame.size() + " bytes");
            }
            Cmd cmd = Cmd.of(cmdFrame.getData()[0]);
            if (cmd == null) {
                throw new ProtocolException(ErrorCode.UNKNOWN_COMMAND,
                        String.format("unknown command byte 0x%02X", cmdFrame.getData()[0] & 0xFF));
            }
            return new Message(cmd, Body.decode(msg.pop().getData()));
        } finally {
            msg.destroy();
        }
    }

    private static String printable(byte[] b) {
        if (b.length > 16) {
            return b.length + " bytes";
        }
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xFF));
        }
        return s.append('"').toString();
    }
}
