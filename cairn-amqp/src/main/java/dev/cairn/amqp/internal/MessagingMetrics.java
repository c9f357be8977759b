package dev.cairn.amqp.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The messaging meters (Micrometer), created once per destination or queue and then only
 * incremented. Names (Prometheus adds {@code _total}, {@code _seconds}):
 *
 * <ul>
 *   <li>{@code cairn.messaging.published}, {@code .confirmed}, {@code .nacked}, {@code .returned},
 *       {@code .publish.failed} — tag {@code destination}: the exchange, or for the default
 *       exchange the queue ({@code cairn.reply} for all reply queues);
 *   <li>{@code cairn.messaging.publish.in.flight} (gauge) — tag {@code connection};
 *   <li>{@code cairn.messaging.handled} (timer) — tags {@code queue}, {@code outcome} ({@code
 *       success}, {@code failure});
 *   <li>{@code cairn.messaging.retried} — tags {@code queue}, {@code tier} (1..N);
 *   <li>{@code cairn.messaging.dead.lettered} — tags {@code queue}, {@code reason} ({@code
 *       attempts}, {@code undecodable}, {@code unexpected_type}, {@code delivery_limit});
 *   <li>{@code cairn.messaging.redelivered} — tag {@code queue}.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class MessagingMetrics {

  private static final String REPLY_PREFIX = "cairn.reply.";

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Publishing> publishing = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Consuming> consuming = new ConcurrentHashMap<>();

  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * Meters on {@code registry}; the in-flight gauge {@code cairn.messaging.publish.in.flight} is
   * tagged with the connection name (one per {@code Messaging}).
   */
  public MessagingMetrics(MeterRegistry registry, String connectionName) {
    this.registry = registry;
    Gauge.builder("cairn.messaging.publish.in.flight", inFlight, AtomicInteger::get)
        .description("messages published and not yet confirmed (held during recovery included)")
        .tag("connection", connectionName)
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The publish meters of a message sent to {@code exchange} with {@code routingKey}. */
  Publishing publishing(String exchange, String routingKey) {
    String destination =
        !exchange.isEmpty()
            ? exchange
            : routingKey.startsWith(REPLY_PREFIX) ? "cairn.reply" : routingKey;
    return publishing.computeIfAbsent(destination, Publishing::new);
  }

  /** The consume meters of {@code queue}. */
  Consuming consuming(String queue) {
    return consuming.computeIfAbsent(queue, Consuming::new);
  }

  final class Publishing {
    final Counter published;
    final Counter confirmed;
    final Counter nacked;
    final Counter returned;
    final Counter failed;

    void started() {
      published.increment();
      inFlight.incrementAndGet();
    }

    void ended(Counter outcome) {
      inFlight.decrementAndGet();
      outcome.increment();
    }

    Publishing(String destination) {
      published =
          counter(
              "cairn.messaging.published",
              "messages published (sent, or held for the broker during recovery)",
              destination);
      confirmed =
          counter("cairn.messaging.confirmed", "messages the broker confirmed", destination);
      nacked = counter("cairn.messaging.nacked", "messages the broker refused (nack)", destination);
      returned =
          counter("cairn.messaging.returned", "mandatory messages no queue took", destination);
      failed =
          counter(
              "cairn.messaging.publish.failed",
              "publishes that failed without an answer (timeout, closed, channel error)",
              destination);
    }

    private Counter counter(String name, String description, String destination) {
      return Counter.builder(name)
          .description(description)
          .tag("destination", destination)
          .register(registry);
    }
  }

  final class Consuming {
    private final String queue;
    private final Timer success;
    private final Timer failure;
    private final Counter redelivered;
    private final ConcurrentHashMap<Integer, Counter> retried = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> deadLettered = new ConcurrentHashMap<>();

    Consuming(String queue) {
      this.queue = queue;
      this.success = timer("success");
      this.failure = timer("failure");
      this.redelivered =
          Counter.builder("cairn.messaging.redelivered")
              .description("deliveries the broker marked as redelivered")
              .tag("queue", queue)
              .register(registry);
    }

    private Timer timer(String outcome) {
      return Timer.builder("cairn.messaging.handled")
          .description("handler calls and their time")
          .tag("queue", queue)
          .tag("outcome", outcome)
          .register(registry);
    }

    void handled(long nanos, boolean ok) {
      (ok ? success : failure).record(nanos, TimeUnit.NANOSECONDS);
    }

    void redelivered() {
      redelivered.increment();
    }

    void retried(int tier) {
      retried
          .computeIfAbsent(
              tier,
              t ->
                  Counter.builder("cairn.messaging.retried")
                      .description("failed messages sent to a retry tier")
                      .tag("queue", queue)
                      .tag("tier", Integer.toString(t))
                      .register(registry))
          .increment();
    }

    void deadLettered(String reason) {
      deadLettered
          .computeIfAbsent(
              reason,
              r ->
                  Counter.builder("cairn.messaging.dead.lettered")
                      .description("messages parked in the dead-letter queue")
                      .tag("queue", queue)
                      .tag("reason", r)
                      .register(registry))
          .increment();
    }
  }
}
