package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cairn.amqp.internal.Checks;
import dev.cairn.amqp.internal.ConfirmingPublisher;
import dev.cairn.amqp.internal.Connector;
import dev.cairn.amqp.internal.DeadLetters;
import dev.cairn.amqp.internal.MessagingMetrics;
import dev.cairn.amqp.internal.Properties;
import dev.cairn.amqp.internal.QueueConsumer;
import dev.cairn.amqp.internal.ReplyInbox;
import dev.cairn.amqp.internal.Topology;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messaging over RabbitMQ: the starting point. Holds two auto-recovering connections to the broker
 * (one for publishing, one for consuming, so that broker flow control on publishers never stalls
 * consumers) and makes publishers, senders, consumers, requesters and responders on them.
 *
 * <pre>{@code
 * try (Messaging messaging =
 *     Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:5672")).build()) {
 *   Topic<OrderCreated> orders = Topic.json("orders", OrderCreated.class);
 *   WorkQueue<OrderCreated> email =
 *       WorkQueue.builder("orders.email", orders.codec()).bind(orders, "order.created.*").build();
 *   messaging.consume(email, ConsumerOptions.defaults(), m -> sendMail(m.body()));
 *   messaging.publisher(orders).publish("order.created.eu", order).join();
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} connects, retrying with backoff up to the first connect timeout; later
 * drops are recovered by the RabbitMQ client (connections, channels, queues, bindings, consumers),
 * and publishes in between are held (see {@link Publisher}).
 *
 * <p>Thread-safe. The caller closes it; closing closes everything it made.
 */
public final class Messaging implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Messaging.class);

  private final Builder config;
  private final ExecutorService consumerExecutor;
  private final ScheduledThreadPoolExecutor scheduler;
  private final Properties properties;
  private final MessagingMetrics metrics;
  private final Connection publishing;
  private final Connection consuming;
  // Guarded by this.
  private final List<AutoCloseable> owned = new ArrayList<>();
  // Guarded by this.
  private boolean closed;

  private Messaging(Builder b) {
    this.config = b;
    this.consumerExecutor =
        Executors.newFixedThreadPool(b.consumerThreads, threads("cairn-amqp-consumer-"));
    this.scheduler = new ScheduledThreadPoolExecutor(1, threads("cairn-amqp-timer-"));
    scheduler.setRemoveOnCancelPolicy(true);
    this.properties = new Properties(b.clock, b.traceContext);
    this.metrics = new MessagingMetrics(b.meterRegistry, b.connectionName);
    Connector connector =
        new Connector(
            b.addresses,
            b.username,
            b.password,
            b.virtualHost,
            b.recoveryInterval,
            b.firstConnectTimeout,
            b.initialBackoff,
            b.maxBackoff,
            consumerExecutor);
    Connection pub = null;
    try {
      pub = connector.connect(b.connectionName + "-publish");
      this.publishing = pub;
      this.consuming = connector.connect(b.connectionName + "-consume");
    } catch (RuntimeException e) {
      closeQuietly(pub);
      consumerExecutor.shutdownNow();
      scheduler.shutdownNow();
      throw e;
    }
  }

  /** A builder connecting to the broker at the given addresses. */
  public static Builder builder(BrokerAddressSource addresses) {
    return new Builder(addresses);
  }

  /** Declares the topic's exchange and returns a publisher on its own channel. */
  public <T> Publisher<T> publisher(Topic<T> topic) {
    requireNonNull(topic, "topic");
    ensureOpen();
    Topology.declare(publishing, topic);
    return own(new Publisher<>(topic, newPublisher(), properties));
  }

  /** Declares the queue (with its retry and dead-letter queues) and returns a sender to it. */
  public <T> Sender<T> sender(WorkQueue<T> queue) {
    requireNonNull(queue, "queue");
    ensureOpen();
    Topology.declare(publishing, queue);
    return own(new Sender<>(queue, newPublisher(), properties));
  }

  /**
   * Declares the queue (with its retry and dead-letter queues and topic bindings) and consumes it:
   * each message is handed to the handler and acknowledged when the handler returns. See {@link
   * MessageHandler} for failures. If the broker cancels the consumer (the queue was deleted), or a
   * retry tier or the dead-letter queue is found missing, the queues are declared again and the
   * consumer resumes.
   */
  public <T> Consumer consume(
      WorkQueue<T> queue, ConsumerOptions options, MessageHandler<T> handler) {
    requireNonNull(queue, "queue");
    requireNonNull(options, "options");
    requireNonNull(handler, "handler");
    ensureOpen();
    Topology.declare(consuming, queue);
    ConfirmingPublisher republisher = own(newPublisher());
    return own(
        new Consumer(
            queue.name(),
            new QueueConsumer<>(
                consuming,
                queue,
                options,
                handler,
                republisher,
                config.publishTimeout.toMillis(),
                metrics,
                scheduler,
                config.recoveryInterval.toMillis(),
                config.username)));
  }

  /** A requester for the endpoint, with its own exclusive reply queue. */
  public <Q, R> Requester<Q, R> requester(RpcEndpoint<Q, R> endpoint) {
    requireNonNull(endpoint, "endpoint");
    ensureOpen();
    Topology.declare(publishing, requestQueue(endpoint));
    ReplyInbox<R> inbox =
        new ReplyInbox<>(
            consuming, endpoint.name(), endpoint.replyCodec(), scheduler, config.clock);
    return own(new Requester<>(endpoint, newPublisher(), properties, inbox));
  }

  /**
   * Answers the endpoint's requests with the responder. Requests whose deadline has passed are
   * dropped unanswered; a request that cannot be decoded, or whose responder throws, gets an error
   * reply.
   */
  public <Q, R> Consumer respond(
      RpcEndpoint<Q, R> endpoint, ConsumerOptions options, Responder<Q, R> responder) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(options, "options");
    requireNonNull(responder, "responder");
    ensureOpen();
    ConfirmingPublisher replies = own(newPublisher());
    MessageHandler<byte[]> handler =
        new dev.cairn.amqp.internal.Responding<>(
            endpoint, responder, replies, properties, config.clock);
    return consume(requestQueue(endpoint), options, handler);
  }

  /**
   * Up to {@code limit} (1..1000) messages at the head of {@code queue}, left in place (taken
   * without acknowledgement and given back): to look at parked messages before replaying them.
   * Peeked messages are marked redelivered when they are delivered later.
   *
   * @throws CairnException {@code NOT_FOUND} when the queue does not exist
   */
  public List<ParkedMessage> peek(String queue, int limit) {
    Checks.name("queue", queue);
    Checks.range("limit", limit, 1, 1000);
    return DeadLetters.peek(consuming, queue, limit);
  }

  /**
   * Moves up to {@code limit} messages from {@code queue} (e.g. {@code orders.dlq}) to queue {@code
   * to} (e.g. {@code orders}), oldest first, one at a time: each copy is published with a confirm
   * before the original is acknowledged, so none is lost, and one is duplicated only if the process
   * dies between the two (same message id: consumers dedupe it). Copies keep body, properties and
   * headers, except that their attempts start again ({@code x-cairn-attempt} removed) and {@link
   * MessageHeaders#REPLAYS} counts up. Returns how many moved.
   *
   * @throws CairnException {@code NOT_FOUND} when either queue does not exist, {@code
   *     INVALID_ARGUMENT} when they are the same, {@code UNAVAILABLE} when the broker did not take
   *     a copy (it stays where it was; those before it moved)
   */
  public int replay(String queue, String to, int limit) {
    Checks.name("queue", queue);
    Checks.name("to", to);
    Checks.range("limit", limit, 1, Integer.MAX_VALUE);
    return DeadLetters.replay(consuming, queue, to, limit, config.username);
  }

  /**
   * Deletes the queue with its retry and dead-letter queues (and the messages in them), after
   * closing the consumers of that queue made here (which would otherwise declare it again).
   */
  public void delete(WorkQueue<?> queue) {
    requireNonNull(queue, "queue");
    closeConsumersOf(queue.name());
    Topology.delete(publishing, queue);
  }

  /**
   * Deletes the endpoint's request queue (with its dead-letter queue), after closing the responders
   * of that endpoint made here.
   */
  public void delete(RpcEndpoint<?, ?> endpoint) {
    requireNonNull(endpoint, "endpoint");
    closeConsumersOf(endpoint.name());
    Topology.delete(publishing, requestQueue(endpoint));
  }

  // A consumer whose queue is deleted declares it again (decision 0202): deleting it on purpose
  // stops this instance's consumers of it first.
  private void closeConsumersOf(String queue) {
    List<AutoCloseable> toClose = new ArrayList<>();
    synchronized (this) {
      owned.removeIf(
          c -> {
            if (c instanceof Consumer consumer && consumer.queue().equals(queue)) {
              toClose.add(c);
              return true;
            }
            return false;
          });
    }
    toClose.forEach(Messaging::closeQuietly);
  }

  /** Deletes the topic's exchange (bindings to it go with it). */
  public void delete(Topic<?> topic) {
    Topology.delete(publishing, requireNonNull(topic, "topic"));
  }

  /** Closes everything made here, then the connections; unconfirmed publishes fail. */
  @Override
  public void close() {
    List<AutoCloseable> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(owned);
      owned.clear();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      closeQuietly(toClose.get(i));
    }
    closeQuietly(consuming);
    closeQuietly(publishing);
    scheduler.shutdownNow();
    consumerExecutor.shutdown();
    try {
      consumerExecutor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <Q, R> WorkQueue<byte[]> requestQueue(RpcEndpoint<Q, R> endpoint) {
    return WorkQueue.builder(endpoint.name(), MessageCodec.bytes())
        .retry(RetryPolicy.of(List.of(Duration.ofSeconds(1)), 1))
        .build();
  }

  private ConfirmingPublisher newPublisher() {
    try {
      return new ConfirmingPublisher(
          publishing,
          config.publishWindow,
          config.publishTimeout.toNanos(),
          config.maxMessageBytes,
          scheduler,
          metrics);
    } catch (IOException | ShutdownSignalException e) {
      throw CairnException.of(ErrorCode.UNAVAILABLE, "opening a publishing channel: " + e);
    }
  }

  // Fails a call made after close() before it reaches the closed connections (whose errors would
  // read like the broker's); own() catches a close racing the call.
  private synchronized void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("messaging: closed");
    }
  }

  private <C extends AutoCloseable> C own(C closeable) {
    synchronized (this) {
      if (!closed) {
        owned.add(closeable);
        return closeable;
      }
    }
    closeQuietly(closeable);
    throw new IllegalStateException("messaging: closed");
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      if (c instanceof Connection conn) {
        if (conn.isOpen()) {
          conn.close(5_000);
        }
      } else {
        c.close();
      }
    } catch (Exception e) {
      log.debug("closing {}: {}", c, e.toString());
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Builds a {@link Messaging}; not thread-safe. {@link #build()} connects (see {@link
   * #firstConnectTimeout(Duration)}).
   */
  public static final class Builder {
    /** Largest message body accepted by {@link #maxMessageBytes(int)}. */
    public static final int MAX_MESSAGE_BYTES_LIMIT = 64 * 1024 * 1024;

    private final BrokerAddressSource addresses;
    private String username = "guest";
    private String password = "guest";
    private String virtualHost = "/";
    private String connectionName = "cairn";
    private Duration firstConnectTimeout = Duration.ofSeconds(30);
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration recoveryInterval = Duration.ofSeconds(1);
    private int publishWindow = 1024;
    private Duration publishTimeout = Duration.ofSeconds(30);
    private int maxMessageBytes = 4 * 1024 * 1024;
    private int consumerThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private Clock clock = Clock.systemUTC();
    private Supplier<Map<String, String>> traceContext = Map::of;
    private MeterRegistry meterRegistry = new CompositeMeterRegistry();

    private Builder(BrokerAddressSource addresses) {
      this.addresses = requireNonNull(addresses, "addresses");
    }

    /** User name and password; default guest/guest (which RabbitMQ admits only on loopback). */
    public Builder credentials(String username, String password) {
      this.username = requireNonNull(username, "username");
      this.password = requireNonNull(password, "password");
      return this;
    }

    /** Virtual host; default "/". */
    public Builder virtualHost(String virtualHost) {
      this.virtualHost = requireNonNull(virtualHost, "virtualHost");
      return this;
    }

    /**
     * The client-provided connection name shown by the broker (suffixed "-publish" and "-consume");
     * default "cairn". Use the service's name.
     */
    public Builder connectionName(String connectionName) {
      this.connectionName = Checks.name("connectionName", connectionName);
      return this;
    }

    /**
     * How long {@link #build()} keeps trying to reach a broker before failing with {@code
     * UNAVAILABLE}: the last attempt is made at this timeout, so the failure comes no earlier;
     * {@link Duration#ZERO} tries once. Default 30 s.
     */
    public Builder firstConnectTimeout(Duration timeout) {
      this.firstConnectTimeout = Checks.nonNegative("firstConnectTimeout", timeout);
      return this;
    }

    /**
     * Backoff between first-connection attempts: starts at {@code initial} (default 100 ms),
     * doubles up to {@code max} (default 5 s), with jitter.
     */
    public Builder connectBackoff(Duration initial, Duration max) {
      Checks.positive("initial", initial);
      Checks.positive("max", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "max: " + max + " (expected: >= initial " + initial + ")");
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Pause between automatic recovery attempts after a dropped connection; default 1 s. */
    public Builder recoveryInterval(Duration interval) {
      this.recoveryInterval = Checks.positive("recoveryInterval", interval);
      return this;
    }

    /** Unconfirmed messages per publisher before publishing blocks (1..65535); default 1024. */
    public Builder publishWindow(int window) {
      this.publishWindow = Checks.range("publishWindow", window, 1, 65535);
      return this;
    }

    /**
     * How long a publish may wait for a window slot plus its confirm, recovery included, before
     * failing with {@code UNAVAILABLE}; default 30 s.
     */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Checks.positive("publishTimeout", timeout);
      return this;
    }

    /** Largest encoded body published (1 B..64 MiB); default 4 MiB. */
    public Builder maxMessageBytes(int max) {
      this.maxMessageBytes = Checks.range("maxMessageBytes", max, 1, MAX_MESSAGE_BYTES_LIMIT);
      return this;
    }

    /**
     * Threads running handlers across all consumers (1..256); default twice the processors, at
     * least 4 (as the RabbitMQ client). More threads only help handlers that block (I/O): on a
     * small machine a large pool costs throughput and latency in thread hand-offs.
     */
    public Builder consumerThreads(int threads) {
      this.consumerThreads = Checks.range("consumerThreads", threads, 1, 256);
      return this;
    }

    /** The clock stamping message timestamps and request deadlines; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The caller's current trace context ({@code traceparent}, {@code tracestate}, ...), asked on
     * the publishing thread for each message that does not carry its own; default none.
     */
    public Builder traceContext(Supplier<Map<String, String>> traceContext) {
      this.traceContext = requireNonNull(traceContext, "traceContext");
      return this;
    }

    /**
     * Where the messaging meters go (Micrometer): published, confirmed, nacked, returned and failed
     * publishes per destination, unconfirmed messages, handler time and outcome, retries per tier,
     * dead-lettered messages per reason and redeliveries per queue (names in docs/messaging.md).
     * Default: none (an empty composite registry, which records nothing).
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Connects to the broker.
     *
     * @throws CairnException {@code UNAVAILABLE} when no broker answered within the first connect
     *     timeout; {@code FAILED_PRECONDITION} when it refused the credentials
     */
    public Messaging build() {
      return new Messaging(this);
    }
  }
}
