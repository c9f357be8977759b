package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * W6 with tiny counts: three member JVMs of its own, one follower restart, one leader kill, and the
 * check that every acknowledged write is on every member. Checks what it did, never timings.
 */
class ClusterFailoverWorkloadTest {

  @Test
  void killsTheLeaderAndLosesNoAcknowledgedWrite() throws Exception {
    ResultTable table = new ResultTable();
    // W6 starts its own cluster: the context's target is never called.
    try (RunContext context =
        new RunContext(
            Target.of("127.0.0.1:1", "http://127.0.0.1:1"),
            "default",
            RunContext.newRunTag(),
            System.err)) {
      new ClusterFailoverWorkload(
              new ClusterFailoverWorkload.Settings(
                  1,
                  2,
                  200,
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(120),
                  System.getProperty("java.class.path"),
                  List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"),
                  false))
          .run(context, table);
    } finally {
      System.err.print(table.toMarkdown());
    }

    assertThat(table.rows()).noneMatch(row -> row.metric().equals("error"));
    assertThat(table.find("W6", "leader kills").value()).isEqualTo("1");
    assertThat(table.find("W6", "acknowledged writes lost").value()).startsWith("0 (");
    assertThat(table.find("W6", "members hold the same instances").value()).isEqualTo("yes");
    assertThat(table.find("W6", "writes while follower").value()).startsWith("200 (");
    assertThat(table.find("W6", "follower restarted after those writes: start → applied").value())
        .endsWith(" s");
    assertThat(table.find("W6", "RSS per member").value()).contains("MiB");
    assertThat(table.find("W6", "ephemeral instances of 12 SDK clients").value())
        .isEqualTo("0 / 0");
  }

  @Test
  void membersRunTheLaunchersFlagsUnlessCairnJavaOptsIsSet() {
    List<String> launcher = ClusterFailoverWorkload.Settings.launcherJavaOptions();
    assertThat(launcher).contains("-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

    assertThat(ClusterFailoverWorkload.Settings.memberJavaOptions(null)).isEqualTo(launcher);
    assertThat(ClusterFailoverWorkload.Settings.memberJavaOptions("  ")).isEqualTo(launcher);
    assertThat(
            ClusterFailoverWorkload.Settings.memberJavaOptions(
                " -XX:+UseSerialGC  -Xmx512m\t-XX:TrimNativeHeapInterval=1000 "))
        .containsExactly(
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "-Xmx512m",
            "-XX:TrimNativeHeapInterval=1000");
  }
}
