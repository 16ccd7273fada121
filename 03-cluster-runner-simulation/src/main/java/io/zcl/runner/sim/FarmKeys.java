package io.zcl.runner.sim;

import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.zeromq.ZCert;

/**
 * The CURVE keys an {@link AgentFarm} in another JVM needs: each node's secret certificate
 * ({@code node-N.key_secret}, written 0600 by {@link CurveKeys#save}) and the coordinator's public
 * certificate ({@code coordinator.key}; its secret never leaves the coordinator's process).
 */
public final class FarmKeys {

    /** The coordinator's public certificate in the folder. */
    public static final String COORDINATOR = "coordinator";

    private FarmKeys() {
    }

    /** Writes the nodes' secret certificates and the coordinator's public one into {@code dir}. */
    public static void write(Path dir, CurveKeys coordinator, Map<String, CurveKeys> nodes) throws IOException {
        for (Map.Entry<String, CurveKeys> e : nodes.entrySet()) {
            e.getValue().save(dir, e.getKey());
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve(COORDINATOR + CurveKeys.PUBLIC_SUFFIX), StandardCharsets.UTF_8)) {
            new ZCert(coordinator.publicKey()).savePublic(w);
        }
    }

    /**
     * Reads the folder {@link #write} filled: a node's CURVE client settings by node id. Every key
     * is read when called for a node; a missing file is an error, never a plaintext fallback.
     */
    public static Function<String, Curve.Client> read(Path dir) throws IOException {
        CurveKeys coordinator = CurveKeys.loadPublic(dir.resolve(COORDINATOR + CurveKeys.PUBLIC_SUFFIX));
        return nodeId -> {
            try {
                return new Curve.Client(CurveKeys.loadSecret(dir.resolve(nodeId + CurveKeys.SECRET_SUFFIX)), coordinator);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
