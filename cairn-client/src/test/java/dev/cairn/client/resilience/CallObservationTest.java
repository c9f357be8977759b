package dev.cairn.client.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.common.Instance;
import dev.cairn.testing.clock.FakeTicker;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls observed through Micrometer Observation: one {@code cairn.call}, one {@code cairn.attempt}
 * per attempt annotated with the instance and whether it retries, and the trace context a
 * propagating handler writes reaches the transport as headers.
 */
class CallObservationTest {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ConcurrentLinkedQueue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  /** Stands in for a tracer: writes a traceparent into senders' carriers, records stops. */
  private ObservationRegistry registry() {
    ObservationRegistry registry = ObservationRegistry.create();
    registry
        .observationConfig()
        .observationHandler(
            new ObservationHandler<>() {
              @Override
              @SuppressWarnings("unchecked")
              public void onStart(Observation.Context context) {
                if (context instanceof SenderContext) {
                  SenderContext<Object> sender = (SenderContext<Object>) context;
                  sender
                      .getSetter()
                      .set(
                          sender.getCarrier(),
                          "traceparent",
                          "00-abc-"
                              + context.getHighCardinalityKeyValue("cairn.attempt").getValue()
                              + "-01");
                }
              }

              @Override
              public void onStop(Observation.Context context) {
                stopped.add(context);
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return true;
              }
            });
    return registry;
  }

  @Test
  void aRetriedCallIsOneCallObservationWithAnAttemptPerPickCarryingItsTraceContext() {
    CallPolicy policy =
        CallPolicy.builder()
            .loadBalancing("round_robin")
            .backoffInitial(Duration.ofMillis(1))
            .backoffMax(Duration.ofMillis(2))
            .build();
    FakeTicker ticker = FakeTicker.create();
    Balancer<String> balancer = policy.<String>balancer(Instance::id, ticker).build();
    balancer.update(
        List.of(
            Instance.builder("svc", "127.0.0.1").id("a").port("http", 80).build(),
            Instance.builder("svc", "127.0.0.2").id("b").port("http", 80).build()));
    CallRunner<String> runner =
        CallRunner.create("svc", balancer, policy, scheduler, ticker, registry());
    ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();
    String result =
        runner
            .call(
                CallOptions.DEFAULT.withIdempotent(true),
                new Attempt<String, String>() {
                  @Override
                  public CompletableFuture<String> send(Endpoint<String> e, long timeoutNanos) {
                    throw new AssertionError("observed calls send with headers");
                  }

                  @Override
                  public CompletableFuture<String> send(
                      Endpoint<String> e, long timeoutNanos, Map<String, String> headers) {
                    sent.add(e.id() + " " + headers.get("traceparent"));
                    return sent.size() == 1
                        ? CompletableFuture.failedFuture(new ConnectException("refused"))
                        : CompletableFuture.completedFuture("ok from " + e.id());
                  }
                })
            .join();

    assertThat(sent).hasSize(2);
    assertThat(sent).allSatisfy(s -> assertThat(s).matches("[ab] 00-abc-[12]-01"));
    List<Observation.Context> attempts =
        stopped.stream().filter(c -> c.getName().equals("cairn.attempt")).toList();
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).getLowCardinalityKeyValue("cairn.retry").getValue())
        .isEqualTo("false");
    assertThat(attempts.get(0).getError()).isInstanceOf(ConnectException.class);
    assertThat(attempts.get(1).getLowCardinalityKeyValue("cairn.retry").getValue())
        .isEqualTo("true");
    assertThat(result)
        .isEqualTo(
            "ok from " + attempts.get(1).getHighCardinalityKeyValue("cairn.instance").getValue());
    Observation.Context call =
        stopped.stream().filter(c -> c.getName().equals("cairn.call")).findFirst().orElseThrow();
    assertThat(attempts)
        .allSatisfy(a -> assertThat(a.getParentObservation().getContextView()).isSameAs(call));
    assertThat(call.getLowCardinalityKeyValue("cairn.outcome").getValue()).isEqualTo("SUCCESS");
  }

  @Test
  void withoutARegistryTheTransportGetsThePlainSend() {
    CallPolicy policy = CallPolicy.builder().loadBalancing("round_robin").build();
    FakeTicker ticker = FakeTicker.create();
    Balancer<String> balancer = policy.<String>balancer(Instance::id, ticker).build();
    balancer.update(List.of(Instance.builder("svc", "127.0.0.1").id("a").port("http", 80).build()));
    CallRunner<String> runner = CallRunner.create("svc", balancer, policy, scheduler, ticker);
    String result =
        runner
            .call(
                CallOptions.DEFAULT,
                new Attempt<String, String>() {
                  @Override
                  public CompletableFuture<String> send(Endpoint<String> e, long timeoutNanos) {
                    return CompletableFuture.completedFuture("plain");
                  }

                  @Override
                  public CompletableFuture<String> send(
                      Endpoint<String> e, long timeoutNanos, Map<String, String> headers) {
                    throw new AssertionError("unobserved calls send without headers");
                  }
                })
            .join();
    assertThat(result).isEqualTo("plain");
  }
}
