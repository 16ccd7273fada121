package io.zcl.basics;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The examples' command line, kept tiny on purpose: {@code [ROLE] [--name value]... [--help]}.
 * Unknown options are an error, so a typo never silently runs with the defaults.
 */
public final class Args {

    private final String role;
    private final Map<String, String> options;
    private final boolean help;

    private Args(String role, Map<String, String> options, boolean help) {
        this.role = role;
        this.options = options;
        this.help = help;
    }

    /**
     * Parses {@code argv}; {@code usage} goes into every error message, {@code known} lists the
     * option names (without "--") this example accepts.
     */
    public static Args parse(String[] argv, String usage, String... known) {
        Set<String> allowed = Set.of(known);
        Map<String, String> options = new HashMap<>();
        String role = "";
        boolean help = false;
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
            } else if (arg.startsWith("--")) {
                String name = arg.substring(2);
                if (!allowed.contains(name)) {
                    throw new IllegalArgumentException("unknown option " + arg + "\n" + usage);
                }
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("option " + arg + " needs a value\n" + usage);
                }
                options.put(name, argv[++i]);
            } else if (role.isEmpty() && i == 0) {
                role = arg;
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + usage);
            }
        }
        return new Args(role, options, help);
    }

    /** The role to play ("server", "worker", ...), or "" to run every role in one process. */
    public String role() {
        return role;
    }

    public boolean help() {
        return help;
    }

    public String string(String name, String defaultValue) {
        return options.getOrDefault(name, defaultValue);
    }

    public int integer(String name, int defaultValue) {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a whole number, got '" + value + "'", e);
        }
    }

    /** The error to throw for a role this example does not have. */
    public static IllegalArgumentException unknownRole(String role, String usage) {
        return new IllegalArgumentException("unknown role '" + role + "'\n" + usage);
    }
}
