package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How W1's SDK processes share the work, and how their latencies come back. */
class SdkProcessesTest {

  private static final Target A = Target.ofGrpc("127.0.0.1:1");
  private static final Target B = Target.ofGrpc("127.0.0.1:2");

  @Test
  void instancesAndCallersAreSplitEvenlyWithMembersRoundRobin() {
    List<SdkProcesses.Share> shares = SdkProcesses.shares(List.of(A, B), 4, 10, 6, 7);

    assertThat(shares).extracting(SdkProcesses.Share::instances).containsExactly(3, 3, 2, 2);
    assertThat(shares).extracting(SdkProcesses.Share::first).containsExactly(0, 3, 6, 8);
    assertThat(shares).extracting(SdkProcesses.Share::warmup).containsExactly(2, 2, 1, 1);
    assertThat(shares).extracting(SdkProcesses.Share::callers).containsExactly(2, 2, 2, 1);
    assertThat(shares).extracting(SdkProcesses.Share::member).containsExactly(A, B, A, B);
  }

  @Test
  void neverMoreProcessesThanCallers() {
    List<SdkProcesses.Share> shares = SdkProcesses.shares(List.of(A), 4, 5, 0, 2);

    assertThat(shares).extracting(SdkProcesses.Share::callers).containsExactly(1, 1);
    assertThat(shares).extracting(SdkProcesses.Share::instances).containsExactly(3, 2);
  }

  @Test
  void latenciesTravelBetweenProcessesWhole() {
    Latency one = new Latency();
    Latency two = new Latency();
    for (int i = 1; i <= 100; i++) {
      one.recordNanos(i * 1_000_000L);
      two.recordNanos(i * 10_000_000L);
    }
    Latency merged = new Latency();
    merged.addEncoded(one.encoded());
    merged.addEncoded(two.encoded());

    assertThat(merged.count()).isEqualTo(200);
    assertThat(merged.maxMicros()).isBetween(999_000L, 1_001_000L);
    // 91 ms: 91 of the first series and 9 of the second are at or below it
    assertThat(merged.p50Micros()).isBetween(90_500L, 91_500L);
    assertThatThrownBy(() -> merged.addEncoded("not a histogram"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an encoded latency distribution");
  }

  @Test
  void aProcessReportTravelsAsOneLine() {
    Latency latency = new Latency();
    latency.recordNanos(2_000_000);
    Pipeline.Result result = new Pipeline.Result(9, 1, "UNAVAILABLE: no\nleader", 5_000, true);

    SdkClientCommand.Report sent = SdkClientCommand.Report.of(result, 100, latency);
    SdkClientCommand.Report got = SdkClientCommand.Report.parse(sent.line());

    assertThat(sent.line()).doesNotContain("\n");
    assertThat(got.succeeded()).isEqualTo(9);
    assertThat(got.failed()).isEqualTo(1);
    assertThat(got.start()).isEqualTo(100);
    assertThat(got.end()).isEqualTo(5_100);
    assertThat(got.firstError()).isEqualTo("UNAVAILABLE: no leader");
    Latency merged = new Latency();
    merged.addEncoded(got.latencies());
    assertThat(merged.count()).isEqualTo(1);
    assertThat(
            SdkClientCommand.Report.parse(
                    SdkClientCommand.Report.of(new Pipeline.Result(3, 0, null, 0, true), 7, latency)
                        .line())
                .firstError())
        .isNull();
    assertThatThrownBy(() -> SdkClientCommand.Report.parse("ready"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
