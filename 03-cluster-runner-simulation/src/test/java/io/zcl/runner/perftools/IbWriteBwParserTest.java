package io.zcl.runner.perftools;

import io.zcl.runner.perftools.IbWriteBwParser.Result;
import io.zcl.runner.perftools.IbWriteBwParser.Unit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class IbWriteBwParserTest {

    @Test
    void gbitsAllSizesIncludingSixDecimalRows() {
        Result r = IbWriteBwParser.parse(Samples.read("ib-write-bw-gbits-all-sizes.txt"));

        assertThat(r.title()).isEqualTo("RDMA_Write BW Test");
        assertThat(r.device()).hasValue("mlx5_3");
        assertThat(r.server()).isFalse();
        assertThat(r.unit()).isEqualTo(Unit.GBIT_PER_SEC);
        assertThat(r.rows()).hasSize(23);
        assertThat(r.rows().get(0).sizeBytes()).isEqualTo(2);
        assertThat(r.rows().get(0).averageGbps()).isEqualTo(0.074174);  // printed %-7.6lf: below 0.1 Gb/s
        assertThat(r.rows().get(0).iterations()).isEqualTo(5000);
        assertThat(r.rows().get(22).sizeBytes()).isEqualTo(8388608);
        assertThat(r.averageGbps()).isEqualTo(r.rows().get(22).averageGbps()).isCloseTo(96.47, within(0.01));
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void mibPerSecServerSideIsNormalisedToGbits() {
        Result r = IbWriteBwParser.parse(Samples.read("ib-write-bw-mib-server.txt"));

        assertThat(r.server()).isTrue();
        assertThat(r.unit()).isEqualTo(Unit.MIB_PER_SEC);
        assertThat(r.rows()).singleElement().satisfies(row -> {
            assertThat(row.peakGbps()).isZero();   // -D: peak not measured
            assertThat(row.averageGbps()).isCloseTo(46811.27 * 1048576 * 8 / 1e9, within(1e-9));
        });
        assertThat(r.averageGbps()).isCloseTo(392.68, within(0.01));
    }

    @Test
    void oldMegabytesHeaderAndAWarningBetweenTableLines() {
        Result r = IbWriteBwParser.parse(Samples.read("ib-write-bw-mb-warning.txt"));

        assertThat(r.unit()).isEqualTo(Unit.MB_PER_SEC);
        assertThat(r.device()).hasValue("mlx5_1");
        assertThat(r.warnings()).singleElement().asString().startsWith("Conflicting CPU frequency values detected");
        assertThat(r.rows()).singleElement().satisfies(row -> {
            assertThat(row.sizeBytes()).isEqualTo(65536);
            // perftest's MB was always 2^20 bytes: same factor as MiB.
            assertThat(row.averageGbps()).isCloseTo(11494.06 * 8 * 1048576 / 1e9, within(1e-9));
            assertThat(row.msgRateMpps()).isCloseTo(0.183905, within(1e-6));
        });
    }

    @Test
    void garbageAndAServerThatNeverSawAClientAreClearErrors() {
        assertThatThrownBy(() -> IbWriteBwParser.parse("Segmentation fault (core dumped)"))
                .isInstanceOf(PerfToolParseException.class).hasMessageContaining("no result table header");
        String waiting = String.join("\n", "", "************************************",
                "* Waiting for client to connect... *", "************************************", "");
        assertThatThrownBy(() -> IbWriteBwParser.parse(waiting))
                .isInstanceOf(PerfToolParseException.class).hasMessageContaining("only waited for a client");
        String headerOnly = Samples.read("ib-write-bw-mb-warning.txt").replaceAll("(?m)^ 65536 .*$", "");
        assertThatThrownBy(() -> IbWriteBwParser.parse(headerOnly))
                .isInstanceOf(PerfToolParseException.class).hasMessageContaining("no rows");
        assertThatThrownBy(() -> IbWriteBwParser.parse(null)).isInstanceOf(PerfToolParseException.class);
    }
}
