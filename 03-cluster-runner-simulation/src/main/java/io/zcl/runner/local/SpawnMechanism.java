package io.zcl.runner.local;

/**
 * How this JVM starts processes. On Linux the JDK's default (POSIX_SPAWN) runs a helper program,
 * jspawnhelper, which then runs the command: two execs for every command. VFORK runs the command
 * directly. Measured with {@code ./zcl bench} on a 2-core VM: an agent's CPU per `true` went from
 * 3.0 to 2.1 ms and a bare spawn from 1.8 to about 1 ms (docs/performance.md). JDK 25 deprecates
 * VFORK and a later JDK removes it, so it is chosen only on JDKs before 25, and never over an
 * explicit {@code -Djdk.lang.Process.launchMechanism}.
 */
public final class SpawnMechanism {

    /** The JDK's system property that selects the launch mechanism (read once, when ProcessImpl loads). */
    public static final String PROPERTY = "jdk.lang.Process.launchMechanism";

    private SpawnMechanism() {
    }

    /**
     * Selects VFORK where it is available and nothing else was asked for; call it first thing in a
     * main, before any process is started. Returns the mechanism in force.
     */
    public static String preferVfork() {
        if (System.getProperty(PROPERTY) == null && System.getProperty("os.name", "").startsWith("Linux")
                && Runtime.version().feature() < 25) {
            System.setProperty(PROPERTY, "VFORK");
        }
        return current();
    }

    /** The mechanism this JVM uses: the property's value, or the JDK's default. */
    public static String current() {
        return System.getProperty(PROPERTY, "POSIX_SPAWN");
    }
}
