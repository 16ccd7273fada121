package io.zcl.cli;

import static io.zcl.cli.Run.zcl;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ZclCommandTest {

    @Test
    void noArgumentsPrintsTheCommands() {
        Run run = zcl();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Commands:").contains("example");
    }

    @Test
    void everyCatalogEntryNamesARunnableMainAndNamesAreUnique() throws Exception {
        List<ExampleCatalog.Example> all = ExampleCatalog.load().all();
        assertThat(all).extracting(ExampleCatalog.Example::name)
                .contains("req-rep", "push-pull", "pub-sub", "router-dealer", "cluster");
        Set<String> names = new HashSet<>();
        for (ExampleCatalog.Example e : all) {
            assertThat(names.add(e.name())).as("duplicate example name %s", e.name()).isTrue();
            Method main = Class.forName(e.mainClass()).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers())).as(e.mainClass()).isTrue();
            assertThat(e.summary()).as("summary of %s", e.name()).isNotBlank();
        }
    }

    @Test
    void listingShowsEveryExampleGroupedByModuleInLearningOrder() {
        Run run = zcl("example");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("01-zmq-basics", "02-cluster-patterns", "req-rep", "cluster");
        assertThat(run.out().indexOf("01-zmq-basics")).isLessThan(run.out().indexOf("02-cluster-patterns"));
    }

    @Test
    void unknownExampleIsOneClearErrorLine() {
        Run run = zcl("example", "no-such-thing");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo(
                "zcl: no example named 'no-such-thing'. Run ./zcl example to list them.");
    }

    @Test
    void optionsAfterTheNameGoToTheExample() {
        // --help belongs to req-rep, not to "zcl example": it must print the example's usage.
        Run run = zcl("example", "req-rep", "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.err()).doesNotContain("Unknown option");
    }
}
