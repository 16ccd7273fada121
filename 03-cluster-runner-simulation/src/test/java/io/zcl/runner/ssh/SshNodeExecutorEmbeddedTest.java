package io.zcl.runner.ssh;

import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Tag;

/** The executor's contract against the in-process MINA server. */
@Tag("slow")
class SshNodeExecutorEmbeddedTest extends SshExecutorContract {

    @Override
    protected Server startServer(KeyPair userKey, int maxSessions, Path dir) {
        return new Embedded(EmbeddedSshServer.Settings.forKey(userKey.getPublic()).withMaxSessions(maxSessions));
    }

    /** An embedded server that can be stopped and started again on its port with its host key. */
    private static final class Embedded implements Server {
        private EmbeddedSshServer.Settings settings;
        private EmbeddedSshServer current;

        Embedded(EmbeddedSshServer.Settings settings) {
            current = EmbeddedSshServer.start(settings);
            this.settings = settings.withPort(current.port()).withHostKey(current.hostKey());
        }

        @Override
        public String host() {
            return current.host();
        }

        @Override
        public int port() {
            return settings.port();
        }

        @Override
        public String knownHostsLine() {
            return SshKeys.knownHostsLine(host(), port(), settings.hostKey().getPublic());
        }

        @Override
        public void stop() {
            current.close();
        }

        @Override
        public void restart() {
            current.close();
            current = EmbeddedSshServer.start(settings);
        }

        @Override
        public void close() {
            current.close();
        }
    }
}
