package io.zcl.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code zcl example [NAME [ROLE] [options]]}: list the examples, or run one. */
@Command(name = "example",
        description = {"List the runnable examples, or run one.",
                "With no ROLE an example runs all its roles in one process; with a ROLE it runs that",
                "role alone (over tcp), so several terminals can play the parts."},
        usageHelpAutoWidth = true)
final class ExampleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "example to run; omit to list them")
    String name;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS",
            description = "role and options, passed to the example's main unchanged")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ExampleCatalog catalog = ExampleCatalog.load();
        var out = spec.commandLine().getOut();
        if (name == null) {
            String module = "";
            for (ExampleCatalog.Example e : catalog.all()) {
                if (!e.module().equals(module)) {
                    module = e.module();
                    out.printf("%s%n", module);
                }
                String roles = e.roles().isEmpty() ? "" : " [" + String.join("|", e.roles()) + "]";
                out.printf("  %-16s %-34s %s%n", e.name(), roles.strip(), e.summary());
            }
            out.printf("%nRun one: ./zcl example NAME [ROLE] [options]   (NAME --help for its options)%n");
            out.flush();
            return 0;
        }
        var example = catalog.find(name);
        if (example.isEmpty()) {
            var err = spec.commandLine().getErr();
            err.printf("zcl: no example named '%s'. Run ./zcl example to list them.%n", name);
            err.flush();
            return 2;
        }
        example.get().run(args.toArray(String[]::new));
        return 0;
    }
}
