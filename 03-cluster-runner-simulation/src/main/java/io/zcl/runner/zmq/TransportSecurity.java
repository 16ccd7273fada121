package io.zcl.runner.zmq;

import java.util.Locale;

/**
 * The rule for ZCR1 endpoints: CURVE everywhere off loopback. Plaintext is accepted only on a
 * loopback endpoint and only when asked for with {@code --insecure}; a non-loopback endpoint
 * without keys is refused, so a forgotten flag cannot open a cluster to its network.
 */
public final class TransportSecurity {

    private TransportSecurity() {
    }

    /**
     * Whether the endpoint stays on this machine: tcp on 127.0.0.0/8, localhost or [::1], or
     * ipc:// and inproc://. A wildcard bind (tcp://*:5555, tcp://0.0.0.0:5555) is not loopback.
     */
    public static boolean isLoopback(String endpoint) {
        String e = endpoint.toLowerCase(Locale.ROOT);
        return e.startsWith("tcp://127.") || e.startsWith("tcp://localhost:") || e.startsWith("tcp://[::1]:")
                || e.startsWith("ipc://") || e.startsWith("inproc://");
    }

    /**
     * Checks the choice between keys and {@code --insecure} for one endpoint.
     *
     * @param endpoint    what is bound or connected
     * @param keysGiven   whether all the CURVE key options were given
     * @param insecure    whether --insecure was given
     * @param keyOptions  the command's key options, for the message (e.g. "--curve-secret FILE --allow-keys DIR")
     * @return the warning to print when plaintext is accepted; null when CURVE is used
     * @throws IllegalArgumentException when the combination is refused, saying what to pass instead
     */
    public static String check(String endpoint, boolean keysGiven, boolean insecure, String keyOptions) {
        if (keysGiven && insecure) {
            throw new IllegalArgumentException("--insecure and " + keyOptions + " exclude each other: pick one");
        }
        if (keysGiven) {
            return null;
        }
        if (!isLoopback(endpoint)) {
            throw new IllegalArgumentException(endpoint + " is not a loopback endpoint: ZCR1 off this machine needs "
                    + "CURVE keys (" + keyOptions + "; make them with ./zcl keygen)"
                    + (insecure ? ". --insecure is accepted only for 127.0.0.1, localhost, [::1] and ipc://" : ""));
        }
        if (!insecure) {
            throw new IllegalArgumentException("no CURVE keys given: pass " + keyOptions
                    + " (make them with ./zcl keygen), or --insecure for a plaintext demo on " + endpoint);
        }
        return "WARNING: --insecure: ZCR1 on " + endpoint + " is neither encrypted nor authenticated; any local "
                + "process can connect. Use keys for anything but a demo.";
    }
}
