package io.zcl.runner.perftools;

import io.zcl.runner.perftools.NcclTestsParser.Result;
import io.zcl.runner.perftools.NcclTestsParser.Row;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class NcclTestsParserTest {

    @Test
    void classicOutputTwoNodesSixteenRanks() {
        Result r = NcclTestsParser.parse(Samples.read("nccl-all-reduce-classic.txt"));

        assertThat(r.version()).isEmpty();
        assertThat(r.deviceLines()).hasSize(16);
        assertThat(r.rows()).hasSize(31);
        assertThat(r.rows().get(0).sizeBytes()).isEqualTo(8);
        assertThat(r.rows().get(30).sizeBytes()).isEqualTo(8589934592L);
        assertThat(r.rows().get(30).count()).isEqualTo(2147483648L);
        assertThat(r.rows().get(30).root()).isEqualTo("-1");
        assertThat(r.avgBusBwGBps()).hasValue(115.186);
        assertThat(r.outOfBounds()).hasValue(0);
        assertThat(r.failed()).isFalse();
        // The footer is the mean of every printed busbw, both placements (2-decimal rounding aside).
        assertThat(r.meanBusBwGBps()).isCloseTo(115.186, within(0.01));
    }

    @Test
    void busbwIsAlgbwTimesTwoNMinusOneOverN() {
        double factor = 2.0 * (16 - 1) / 16;
        for (Row row : NcclTestsParser.parse(Samples.read("nccl-all-reduce-classic.txt")).rows()) {
            assertThat(row.outOfPlace().busBwGBps()).isCloseTo(row.outOfPlace().algBwGBps() * factor, within(0.011 * factor));
            assertThat(row.inPlace().busBwGBps()).isCloseTo(row.inPlace().algBwGBps() * factor, within(0.011 * factor));
        }
    }

    @Test
    void noDecimalTimesOfOldVersionsParse() {
        Row big = NcclTestsParser.parse(Samples.read("nccl-all-reduce-classic.txt")).rows().get(29);
        assertThat(Samples.read("nccl-all-reduce-classic.txt")).contains(String.format(java.util.Locale.ROOT, "%7.0f", big.outOfPlace().timeUs()));
        assertThat(big.outOfPlace().timeUs()).isGreaterThan(10000).isEqualTo(Math.rint(big.outOfPlace().timeUs()));
    }

    @Test
    void newerVersionHeaderFooterAndInterleavedNoiseAreSkipped() {
        Result r = NcclTestsParser.parse(Samples.read("nccl-all-reduce-current.txt"));

        assertThat(r.version()).hasValue("2.16.9");
        assertThat(r.deviceLines()).hasSize(8);
        assertThat(r.rows()).hasSize(29);
        assertThat(r.failures()).isEmpty();
        assertThat(r.avgBusBwGBps().getAsDouble()).isCloseTo(r.meanBusBwGBps(), within(0.01));
        assertThat(r.rows()).allSatisfy(row -> assertThat(row.outOfPlace().wrong()).isEqualTo(NcclTestsParser.Wrong.of(0)));
    }

    @Test
    void notApplicableWrongAndExponentFormTimes() {
        Result r = NcclTestsParser.parse(Samples.read("nccl-all-reduce-nocheck-slow.txt"));

        assertThat(r.rows()).hasSize(11);
        assertThat(r.rows()).allSatisfy(row -> {
            assertThat(row.outOfPlace().wrong().checked()).isFalse();
            assertThat(row.inPlace().wrong().toString()).isEqualTo("N/A");
        });
        Row last = r.rows().get(10);
        assertThat(last.outOfPlace().timeUs()).isEqualTo(2.4e7);
        assertThat(r.avgBusBwGBps()).hasValue(0.65599);
        assertThat(r.failed()).isFalse();
    }

    @Test
    void wrongElementsAndOutOfBoundsMeanFailure() {
        Result r = NcclTestsParser.parse(Samples.read("nccl-all-reduce-corrupt.txt"));

        assertThat(r.outOfBounds()).hasValue(3);
        assertThat(r.rows().get(7).outOfPlace().wrong().count()).isEqualTo(131);
        assertThat(r.rows().get(9).inPlace().wrong().count()).isEqualTo(1348220); // printed %6g: 1.34822e+06
        assertThat(r.failures()).singleElement().asString().contains("Test failure common.cu");
        assertThat(r.failed()).isTrue();
    }

    @Test
    void ncclFailureWithoutTable() {
        Result r = NcclTestsParser.parse(Samples.read("nccl-all-reduce-nccl-failure.txt"));

        assertThat(r.rows()).isEmpty();
        assertThat(r.avgBusBwGBps()).isEmpty();
        assertThat(r.failures()).hasSize(2);
        assertThat(r.failures().get(0)).startsWith("gpu-b03: Test NCCL failure").contains("unhandled system error");
        assertThat(r.failed()).isTrue();
    }

    @Test
    void garbageIsAClearParseError() {
        assertThatThrownBy(() -> NcclTestsParser.parse("bash: all_reduce_perf: command not found\n"))
                .isInstanceOf(PerfToolParseException.class)
                .hasMessageContaining("no result row, footer or failure line")
                .hasMessageContaining("command not found");
        assertThatThrownBy(() -> NcclTestsParser.parse(null)).isInstanceOf(PerfToolParseException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> NcclTestsParser.parse("")).isInstanceOf(PerfToolParseException.class);
        assertThatThrownBy(() -> NcclTestsParser.parse("1 2 3 4 5 6 7 8 9 10 11 12 x\n# random comment"))
                .isInstanceOf(PerfToolParseException.class);
    }

    @Test
    void truncatedRunHasRowsButNoFooter() {
        String full = Samples.read("nccl-all-reduce-current.txt");
        Result r = NcclTestsParser.parse(full.substring(0, full.indexOf("   1048576 ")));

        assertThat(r.rows()).hasSize(17);
        assertThat(r.avgBusBwGBps()).isEmpty();
    }
}
