package dev.cairn.spring.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The current span's trace context as headers ({@code traceparent}, {@code tracestate}, ... in the
 * propagation format the tracer is configured for; W3C by default), for transports that take a
 * supplier: {@code Messaging.builder(...).traceContext(supplier)} in {@code cairn-amqp}. Empty when
 * no span is current. Thread-safe.
 */
public final class TraceContextSupplier implements Supplier<Map<String, String>> {

  private final ObjectProvider<Tracer> tracer;
  private final ObjectProvider<Propagator> propagator;

  /** Reads the application's tracer and propagator when asked (none: an empty context). */
  public TraceContextSupplier(
      ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public Map<String, String> get() {
    Tracer t = tracer.getIfAvailable();
    Propagator p = propagator.getIfAvailable();
    if (t == null || p == null) {
      return Map.of();
    }
    Span span = t.currentSpan();
    if (span == null) {
      return Map.of();
    }
    Map<String, String> headers = new HashMap<>();
    p.inject(span.context(), headers, Map::put);
    return headers;
  }
}
