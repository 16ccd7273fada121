package io.zcl.runner.zmq;

/**
 * A message that breaks the ZCR1 protocol. Carries the error code sent back in an ERROR reply
 * (see {@link Protocol.ErrorCode}); the connection stays up.
 */
public class ProtocolException extends Exception {

    private final Protocol.ErrorCode code;

    public ProtocolException(Protocol.ErrorCode code, String reason) {
        super(reason);
        this.code = code;
    }

    public Protocol.ErrorCode code() {
        return code;
    }
}
