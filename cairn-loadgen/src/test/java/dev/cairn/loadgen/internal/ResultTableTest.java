package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResultTableTest {

  @Test
  void rendersMarkdownWithEscapedCells() {
    ResultTable table = new ResultTable();
    table.add("W1", "throughput", ResultTable.rate(31234.4, "ops/s"), "≥ 30,000 ops/s");
    table.add("W2", "a|b", "x\ny", "—");

    assertThat(table.toMarkdown())
        .isEqualTo(
            "| workload | metric | value | target |\n"
                + "| --- | --- | ---: | --- |\n"
                + "| W1 | throughput | 31,234 ops/s | ≥ 30,000 ops/s |\n"
                + "| W2 | a\\|b | x y | — |\n");
  }

  @Test
  void findsRowsByWorkloadAndMetricPrefix() {
    ResultTable table = new ResultTable();
    table.add("W1", "ephemeral register registered", "10", "10");
    table.add("W1", "persistent register registered", "9", "10");

    assertThat(table.find("W1", "persistent").value()).isEqualTo("9");
    assertThat(table.find("W2", "persistent")).isNull();
  }

  @Test
  void formatsMillisecondsWithMicrosecondPrecision() {
    assertThat(Latency.millis(1_234_567)).isEqualTo("1,234.567 ms");
    assertThat(Latency.millis(412)).isEqualTo("0.412 ms");
  }
}
