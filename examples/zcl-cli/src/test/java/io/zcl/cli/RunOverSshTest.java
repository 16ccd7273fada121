package io.zcl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.cluster.SystemProfiles;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.EmulationEnv;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.ssh.EmbeddedSshServer;
import io.zcl.runner.ssh.SshKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code zcl run --transport ssh} against two SSH servers named in a cluster file. */
class RunOverSshTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void aPlanRunsOverSshWithStrictHostKeysAndBlamesTheFaultyNode() throws Exception {
        KeyPair user = SshKeys.generateKeyFile(tmp.resolve("id"), "test");
        Path tools = EmulatedTools.install(tmp.resolve("tools"));
        List<EmbeddedSshServer> servers = new ArrayList<>();
        StringBuilder cluster = new StringBuilder("name: ssh-pair\nnodes:\n");
        StringBuilder known = new StringBuilder();
        try {
            for (int i = 1; i <= 2; i++) {
                Fault fault = i == 2 ? Fault.parse("faulty-gpu:1") : Fault.NONE;
                EmbeddedSshServer s = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic())
                        .withEnv(EmulationEnv.forNode(SystemProfiles.h100("node-" + i), fault), tools));
                servers.add(s);
                cluster.append("  - { id: node-").append(i).append(", host: 127.0.0.1, ssh_port: ").append(s.port())
                        .append(", leaf: leaf-").append(i).append(" }\n");
                known.append(s.knownHostsLine()).append('\n');
            }
            Files.writeString(tmp.resolve("cluster.yaml"), cluster);
            Files.writeString(tmp.resolve("known_hosts"), known);
            Files.writeString(tmp.resolve("plan.yaml"), "steps:\n  - { test: gpu_burn, schedule: all_servers }\n");

            CommandLine cl = Zcl.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int exit = cl.execute("run", "--transport", "ssh", "--cluster", tmp.resolve("cluster.yaml").toString(),
                    "--plan", tmp.resolve("plan.yaml").toString(), "--identity", tmp.resolve("id").toString(),
                    "--known-hosts", tmp.resolve("known_hosts").toString(), "--runs-dir", tmp.resolve("runs").toString(),
                    "--quiet");
            assertThat(exit).as(err.toString()).isZero();
            assertThat(out.toString()).contains("RESULT runs=").contains("transport=ssh results=2 pass=1 fail=1 error=0")
                    .contains("| gpu_burn | all_servers | node-2 | FAIL | node-2 |");
        } finally {
            servers.forEach(EmbeddedSshServer::close);
        }
    }

    @Test
    @Timeout(60)
    void anUnknownHostKeyIsRefusedUnderStrictChecking() throws Exception {
        KeyPair user = SshKeys.generateKeyFile(tmp.resolve("id"), "test");
        try (EmbeddedSshServer s = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic()))) {
            Files.writeString(tmp.resolve("cluster.yaml"), "nodes:\n  - { id: node-1, host: 127.0.0.1, ssh_port: "
                    + s.port() + ", leaf: l1 }\n");
            Files.writeString(tmp.resolve("known_hosts"), "");
            CommandLine cl = Zcl.commandLine();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setErr(new PrintWriter(err, true));
            int exit = cl.execute("run", "--transport", "ssh", "--cluster", tmp.resolve("cluster.yaml").toString(),
                    "--identity", tmp.resolve("id").toString(), "--known-hosts", tmp.resolve("known_hosts").toString(),
                    "--runs-dir", tmp.resolve("runs").toString());
            assertThat(exit).isEqualTo(3);
            assertThat(err.toString()).contains("zcl run: node-1: ").contains("1 of 1 nodes could not be reached over SSH");
        }
    }
}
