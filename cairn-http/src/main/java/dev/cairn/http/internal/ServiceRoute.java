package dev.cairn.http.internal;

import dev.cairn.client.ServiceView;
import dev.cairn.client.lb.Balancer;
import dev.cairn.client.resilience.CallOptions;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.client.resilience.CallRunner;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import io.micrometer.observation.ObservationRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls to one service: its view feeds a balancer of {@code "address:port"} targets, and a call
 * runner applies the service's policy. Created on the first call to the service; closed with the
 * client.
 */
public final class ServiceRoute implements AutoCloseable {

  private final ServiceView view;
  private final String portName;
  private final CallPolicy policy;
  private final Balancer<String> balancer;
  private final CallRunner<String> runner;
  private final ServiceView.Subscription subscription;
  private final ScheduledFuture<?> maintenance;
  private final Ticker ticker;

  public ServiceRoute(
      ServiceView view,
      String portName,
      CallPolicy policy,
      ScheduledExecutorService scheduler,
      Ticker ticker,
      ObservationRegistry observations) {
    this.view = view;
    this.portName = portName;
    this.policy = policy;
    this.ticker = ticker;
    this.balancer =
        policy.<String>balancer(instance -> Routes.authority(instance, portName), ticker).build();
    this.runner =
        CallRunner.create(view.service(), balancer, policy, scheduler, ticker, observations);
    this.subscription = view.addListener(snapshot -> balancer.update(usable(snapshot.instances())));
    this.maintenance = scheduler.scheduleWithFixedDelay(balancer::maintain, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Sends {@code request} to an instance of this service; see {@code CairnHttpClient}. With {@code
   * blocking}, the caller waits for the future and attempts made on its thread send there, under an
   * alarm of {@code timer}.
   */
  public <B> CompletableFuture<HttpResponse<B>> send(
      HttpClient http,
      Executor executor,
      DeadlineTimer timer,
      HttpRequest request,
      HttpResponse.BodyHandler<B> handler,
      CallOptions options,
      boolean blocking) {
    HttpAttempt<B> attempt =
        new HttpAttempt<>(
            http, executor, timer, request, handler, blocking ? Thread.currentThread() : null);
    if (!balancer.isEmpty()) {
      return runner.call(options, attempt);
    }
    CairnException noPort = noPort(view.instances());
    if (noPort != null) {
      return CompletableFuture.failedFuture(noPort);
    }
    // Nothing to pick yet: wait for the view, which fails with a typed error (NOT_FOUND when the
    // registry knows no instance, UNAVAILABLE when no registry or snapshot answered) at the
    // deadline.
    Duration deadline = options.deadline() != null ? options.deadline() : policy.deadline();
    long start = ticker.nanos();
    return view.awaitInstances(deadline)
        .thenCompose(
            instances -> {
              CairnException none = noPort(instances);
              return none != null
                  ? CompletableFuture.failedFuture(none)
                  : runner.call(options, attempt, start);
            });
  }

  /**
   * A {@code FAILED_PRECONDITION} error when there are instances but none has the port calls go to
   * (waiting would not help: the registrations say so), naming the ports they have; else null.
   */
  private CairnException noPort(List<Instance> instances) {
    if (instances.isEmpty()) {
      return null;
    }
    Set<String> ports = new TreeSet<>();
    for (Instance i : instances) {
      if (i.port(portName) > 0) {
        return null;
      }
      ports.addAll(i.ports().keySet());
    }
    return CairnException.of(
        ErrorCode.FAILED_PRECONDITION,
        view.service()
            + ": "
            + instances.size()
            + (instances.size() == 1 ? " instance" : " instances")
            + " registered, none with a port named '"
            + portName
            + "' (their ports: "
            + (ports.isEmpty() ? "none" : String.join(", ", ports))
            + "); register the port as '"
            + portName
            + "' or call another port with CairnHttpClient.Builder.portName");
  }

  public CallRunner<String> runner() {
    return runner;
  }

  @Override
  public void close() {
    maintenance.cancel(false);
    subscription.close();
    balancer.close();
  }

  private List<Instance> usable(List<Instance> instances) {
    List<Instance> withPort = new ArrayList<>(instances.size());
    for (Instance i : instances) {
      if (i.port(portName) > 0) {
        withPort.add(i);
      }
    }
    return withPort;
  }
}
