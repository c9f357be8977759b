package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs every workload with tiny counts against an embedded durable server and checks what it did:
 * counts registered, events seen, clean-up. Never timings.
 */
class WorkloadsTest {

  @RegisterExtension static CairnServerExtension server = CairnServerExtension.durable();

  private RunContext context;
  private ResultTable table;

  @BeforeEach
  void newRun() {
    Target target = Target.of(server.grpcTarget(), server.httpUri().toString());
    context = new RunContext(target, "default", RunContext.newRunTag(), System.err);
    table = new ResultTable();
  }

  @AfterEach
  void everythingCleanedUp() {
    context.close();
    System.err.print(table.toMarkdown());
    assertThat(table.rows()).noneMatch(row -> row.metric().equals("error"));
    assertThat(server.registry().instanceCount()).isZero();
  }

  @Test
  void w1RegistersEphemeralThenPersistentInstances() throws Exception {
    new RegisterWorkload(RegisterWorkload.Settings.defaults().withInstances(200))
        .run(context, table);

    // pipelined, SDK-shaped (blocking callers), through the SDK in this process and in processes
    // of their own ephemeral, then persistent
    assertThat(values(") registered")).containsExactly("200", "200", "200", "200", "200", "200");
    assertThat(values("instances on server")).containsExactly("200", "200", "200", "200");
    assertThat(values("clean-up")).containsExactly("ok", "ok", "ok", "ok", "ok", "ok");
    assertThat(values("errors")).isEmpty();
    // 32 callers over 4 processes, one CairnClient each; their CPU is theirs, not this process's
    String processes =
        "ephemeral register through the SDK in 4 processes (1 CairnClient each, 32 blocking"
            + " callers in all)";
    assertThat(table.find("W1", processes + " registered").value()).isEqualTo("200");
    assertThat(table.find("W1", processes + " CPU per op, server / client processes").value())
        .matches(".* / [0-9][0-9,.]* µs");
    assertThat(
            table.find(
                "W1",
                "ephemeral register through the SDK (4 CairnClients, 32 blocking callers)"
                    + " throughput"))
        .isNotNull();
    assertThat(table.find("W1", "persistent register, SDK-shaped (unary, 32 blocking callers)"))
        .isNotNull();
  }

  @Test
  void w1ToW3SpreadOverEveryMemberGiven() throws Exception {
    // Two "members" that are the same server: every connection, watcher and reader goes to one
    // of them, and the rows say so.
    Target member = Target.of(server.grpcTarget(), server.httpUri().toString());
    context.close();
    context =
        new RunContext(List.of(member, member), "default", RunContext.newRunTag(), System.err);
    new RegisterWorkload(
            RegisterWorkload.Settings.defaults().withInstances(100).withBlockingCallers(4))
        .run(context, table);
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(4)
                .withEvents(4)
                .withWarmupEvents(0))
        .run(context, table);
    new HttpListWorkload(
            HttpListWorkload.Settings.defaults()
                .withDuration(Duration.ofMillis(500))
                .withClient(HttpListWorkload.Client.NETTY, 1))
        .run(context, table);

    assertThat(values(") registered")).containsExactly("100", "100", "100", "100", "100", "100");
    assertThat(
            table.find(
                "W1",
                "ephemeral register, SDK-shaped (4 sessions, over 2 members, opened on the leader,"))
        .isNotNull();
    // the unary writer's series, then the SDK's
    assertThat(values("events delivered")).containsExactly("16", "16");
    assertThat(table.find("W2", "write sent to watcher, writer on leader")).isNotNull();
    assertThat(table.find("W3", "list 100 instances (Netty, 1 I/O thread, 16 connections over 2"))
        .isNotNull();
  }

  @Test
  void w2DeliversEveryEventToEveryWatcher() throws Exception {
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(10)
                .withEvents(10)
                .withWarmupEvents(20))
        .run(context, table);

    // The warm-up's events are counted apart, and none of them leaks into the measured rows; the
    // unary writer's series comes first, then the SDK writer's, each over the same watchers.
    assertThat(values("warm-up (not measured)")).containsExactly("20 / 200", "20 / 200");
    assertThat(values("writes acknowledged")).containsExactly("10", "10");
    assertThat(values("events delivered")).containsExactly("100", "100");
    assertThat(values("events delivered (event x watcher) (writer: the SDK)"))
        .containsExactly("100");
    assertThat(values("resync snapshots")).containsExactly("0 / 0");
    assertThat(values("SDK writer clean-up")).containsExactly("ok");
    // The writer's own latency over the same 10 writes, beside the watchers' (issue 14 item 5).
    // p50, p99 and max for each writer
    assertThat(values("write sent to its ack (the writer's own latency)")).hasSize(6);
    assertThat(
            List.of(
                table.find("W2", "write sent to its ack (the writer's own latency) max").value(),
                table
                    .find(
                        "W2",
                        "write sent to its ack (the writer's own latency) (writer: the SDK) max")
                    .value()))
        .allSatisfy(v -> assertThat(v).matches("\\d+\\.\\d{3} ms").isNotEqualTo("0.000 ms"));
  }

  @Test
  void w2WithoutWarmUpMeasuresFromTheFirstEvent() throws Exception {
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(2)
                .withEvents(4)
                .withWarmupEvents(0))
        .run(context, table);

    assertThat(values("warm-up")).isEmpty();
    assertThat(values("events delivered")).containsExactly("8", "8");
  }

  @Test
  void w2WithoutTheSdkWriterRunsTheUnaryWriterAlone() throws Exception {
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(2)
                .withEvents(4)
                .withWarmupEvents(0)
                .withSdkWriter(false))
        .run(context, table);

    assertThat(values("events delivered")).containsExactly("8");
    assertThat(values("(writer: the SDK)")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void w3ListsTheWholeServiceWithBothClients(HttpListWorkload.Client client) throws Exception {
    new HttpListWorkload(
            HttpListWorkload.Settings.defaults()
                .withDuration(Duration.ofSeconds(1))
                .withClient(client, 1))
        .run(context, table);

    assertThat(values("instances in each list response")).containsExactly("100");
    // The trial of the other client first, then the measured run.
    assertThat(values("reads / errors"))
        .hasSize(2)
        .allSatisfy(value -> assertThat(value).endsWith(" / 0").doesNotStartWith("0 "));
    assertThat(table.find("W3", "list 100 instances (trial")).isNotNull();
    String measured = client == HttpListWorkload.Client.NETTY ? "Netty" : "java.net.http";
    assertThat(table.find("W3", "list 100 instances (" + measured)).isNotNull();
    assertThat(table.rows().get(table.rows().size() - 1).metric()).startsWith("load average");
  }

  @Test
  void w4SeesKilledAndFrozenClientsDisappear() throws Exception {
    new FailoverWorkload(
            new FailoverWorkload.Settings(2, Duration.ofSeconds(1), 2, Duration.ofSeconds(20)))
        .run(context, table);

    assertThat(values("kill -9 → instances removed (slowest"))
        .singleElement()
        .asString()
        .endsWith(" ms");
    assertThat(values("kill -STOP → instances removed (slowest"))
        .singleElement()
        .asString()
        .endsWith(" ms");
  }

  @Test
  void w5MeasuresTheServerProcess() throws Exception {
    new MemoryWorkload(
            new MemoryWorkload.Settings(List.of(100, 500), 10, 2, 4, 4, Duration.ofSeconds(60)))
        .run(context, table);

    assertThat(values("heap used after full GC")).hasSize(3);
    assertThat(values("RSS @")).hasSize(3);
    assertThat(values("heap per instance")).singleElement().asString().endsWith(" B");
    assertThat(values("clean-up")).containsExactly("ok");
  }

  /** The values of the rows whose metric contains {@code metric}. */
  private List<String> values(String metric) {
    return table.rows().stream()
        .filter(row -> row.metric().contains(metric))
        .map(ResultTable.Row::value)
        .toList();
  }
}
