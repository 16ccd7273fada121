package io.zcl.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;

/**
 * Every runnable example, read from the {@code META-INF/zcl/examples.tsv} file that each module
 * ships. A module owns its list, so adding an example never touches the CLI.
 *
 * <p>Line format (tab separated, '#' starts a comment):
 * {@code module  name  roles  main-class  summary}, where roles is a comma list or "-".
 */
public final class ExampleCatalog {

    public static final String RESOURCE = "META-INF/zcl/examples.tsv";

    /** One runnable example: a plain main class, runnable with or without a role. */
    public record Example(String module, String name, List<String> roles, String mainClass, String summary) {

        /** Runs the example's main in this JVM; an exception from main propagates. */
        public void run(String[] args) throws Exception {
            Class<?> type = Class.forName(mainClass);
            Method main = type.getMethod("main", String[].class);
            if (!Modifier.isStatic(main.getModifiers())) {
                throw new IllegalStateException(mainClass + ".main is not static");
            }
            try {
                main.invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    private final List<Example> examples;

    private ExampleCatalog(List<Example> examples) {
        this.examples = List.copyOf(examples);
    }

    public static ExampleCatalog load() {
        return load(ExampleCatalog.class.getClassLoader());
    }

    static ExampleCatalog load(ClassLoader loader) {
        List<Example> all = new ArrayList<>();
        try {
            Enumeration<URL> files = loader.getResources(RESOURCE);
            for (URL url : Collections.list(files)) {
                all.addAll(parse(url));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        // Modules are numbered (01-, 02-, ...): list in learning order, file order within a module.
        List<Example> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(Example::module));
        return new ExampleCatalog(sorted);
    }

    static List<Example> parse(URL url) throws IOException {
        List<Example> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t+");
                if (f.length != 5) {
                    throw new IllegalStateException(url + ":" + lineNo + ": expected 5 tab-separated fields "
                            + "(module name roles main-class summary), got " + f.length);
                }
                List<String> roles = f[2].equals("-") ? List.of() : List.of(f[2].split(","));
                out.add(new Example(f[0].strip(), f[1].strip(), roles, f[3].strip(), f[4].strip()));
            }
        }
        return out;
    }

    public List<Example> all() {
        return examples;
    }

    public Optional<Example> find(String name) {
        return examples.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
