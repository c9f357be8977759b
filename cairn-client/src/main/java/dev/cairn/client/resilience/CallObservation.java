package dev.cairn.client.resilience;

import dev.cairn.client.lb.Outcome;
import dev.cairn.common.Instance;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The observations of one call: {@code cairn.call} for the whole call (child of the caller's
 * current observation), and one {@code cairn.attempt} per attempt, a sender whose trace context a
 * tracing handler writes into {@link AttemptSpan#headers()} for the transport to send. Used by one
 * call at a time (attempts never overlap).
 */
final class CallObservation {

  static final String CALL = "cairn.call";
  static final String ATTEMPT = "cairn.attempt";

  private final ObservationRegistry registry;
  private final Observation call;
  private final String service;

  private CallObservation(ObservationRegistry registry, Observation call, String service) {
    this.registry = registry;
    this.call = call;
    this.service = service;
  }

  /** The observation of a call starting now, or null when {@code registry} observes nothing. */
  static CallObservation start(ObservationRegistry registry, String service) {
    if (registry.isNoop()) {
      return null;
    }
    Observation call =
        Observation.createNotStarted(CALL, registry)
            .contextualName("cairn " + service)
            .lowCardinalityKeyValue("cairn.service", service)
            .start();
    return new CallObservation(registry, call, service);
  }

  /** Starts the span of attempt {@code number} to {@code instance} (picked just now). */
  AttemptSpan attempt(Instance instance, int number) {
    Map<String, String> headers = new HashMap<>();
    Observation attempt =
        Observation.createNotStarted(
                ATTEMPT, () -> new SenderContext<Map<String, String>>(Map::put), registry)
            .contextualName("cairn " + service + " attempt " + number)
            .parentObservation(call)
            .lowCardinalityKeyValue("cairn.service", service)
            .lowCardinalityKeyValue("cairn.retry", number > 1 ? "true" : "false")
            .highCardinalityKeyValue("cairn.instance", instance.id())
            .highCardinalityKeyValue("cairn.address", instance.address())
            .highCardinalityKeyValue("cairn.attempt", Integer.toString(number));
    SenderContext<Map<String, String>> context =
        (SenderContext<Map<String, String>>) attempt.getContext();
    context.setCarrier(headers);
    context.setRemoteServiceName(service);
    attempt.start();
    attempt.event(Observation.Event.of("cairn.pick", "picked " + instance.id()));
    return new AttemptSpan(attempt, headers);
  }

  /** A retry follows after {@code delayNanos}, because the last attempt ended as {@code why}. */
  void retry(Outcome why, long delayNanos) {
    call.event(
        Observation.Event.of(
            "cairn.retry",
            "retry after " + why + " in " + TimeUnit.NANOSECONDS.toMillis(delayNanos) + " ms"));
  }

  /** The call ended: with {@code error} (or null) and the last attempt's outcome (or null). */
  void end(Throwable error, Outcome outcome) {
    if (error != null) {
      call.error(error);
    }
    call.lowCardinalityKeyValue("cairn.outcome", outcome == null ? "NONE" : outcome.name());
    call.stop();
  }

  /** One attempt's span. */
  static final class AttemptSpan {
    private final Observation observation;
    private final Map<String, String> headers;

    AttemptSpan(Observation observation, Map<String, String> headers) {
      this.observation = observation;
      this.headers = headers;
    }

    /** The trace context to send with the attempt (filled when the span started). */
    Map<String, String> headers() {
      return headers;
    }

    Observation.Scope openScope() {
      return observation.openScope();
    }

    void end(Throwable error) {
      if (error != null) {
        observation.error(error);
      }
      observation.stop();
    }
  }
}
