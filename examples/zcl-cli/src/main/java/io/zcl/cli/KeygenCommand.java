package io.zcl.cli;

import io.zcl.runner.zmq.CurveKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zcl keygen}: CURVE key pairs for the coordinator, the agents and monitors, as ZeroMQ
 * certificate files: DIR/NAME.key (public, to copy) and DIR/NAME.key_secret (secret, 0600).
 */
@Command(name = "keygen", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Make CURVE key pairs: DIR/NAME.key (public: copy it where it is trusted) and "
                + "DIR/NAME.key_secret (secret, mode 0600: keep it on its host).",
                "Example: ./zcl keygen --dir keys --name coordinator --name node-1 --name node-2"})
public final class KeygenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "where the key files go (created if missing)")
    Path dir;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "key name, e.g. coordinator or "
            + "node-3 (repeatable: one pair each)")
    List<String> names;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        for (String name : names) {
            CurveKeys keys = CurveKeys.generate();
            Path secret = keys.save(dir, name);
            out.printf("%s: public key %s -> %s, %s%n", name, keys.publicKey(),
                    dir.resolve(name + CurveKeys.PUBLIC_SUFFIX), secret);
        }
        out.flush();
        return 0;
    }
}
