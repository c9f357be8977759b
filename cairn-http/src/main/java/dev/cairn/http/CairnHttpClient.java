package dev.cairn.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.resilience.CallOptions;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.client.resilience.CallRunner;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.common.Ticker;
import dev.cairn.http.internal.DeadlineTimer;
import dev.cairn.http.internal.Routes;
import dev.cairn.http.internal.ServiceRoute;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A discovery-aware REST client on the JDK's {@link HttpClient}. A request to {@code
 * http://hello/hello} names the service {@code hello}: each call resolves it through the {@link
 * CairnClient}'s view, picks an instance (port {@code "http"}) with the service's load-balancing
 * policy and sends a copy of the request there, under the service's {@link CallPolicy}: deadline,
 * retries within the retry budget, outlier ejection, circuit breaker and bulkhead. The answer is
 * the JDK's {@link HttpResponse}; {@link HttpResponse#uri()} shows the instance that answered.
 *
 * <ul>
 *   <li>Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried after failures and
 *       5xx answers; others only when the connection was refused (never sent). Pass {@link
 *       CallOptions} to decide per call. A retried request's body publisher must be re-readable
 *       (the JDK's {@code ofString}, {@code ofByteArray}, {@code ofFile} are).
 *   <li>The deadline is the request's {@link HttpRequest#timeout()} if set, else the policy's (10 s
 *       by default), for all attempts together; each attempt gets what is left. At the deadline the
 *       attempt is aborted and fails with {@link java.net.http.HttpTimeoutException}. An attempt
 *       {@code send} makes on the caller's thread is ended by the client's deadline timer, which
 *       interrupts the thread (the JDK aborts the exchange) and clears the interrupt again; other
 *       attempts carry what is left as the JDK request's timeout.
 *   <li>429 counts as overload (slow, not failed); 5xx as failure; a refused connection ejects the
 *       instance at once and the call goes to another (charged to the retry budget).
 *   <li>No instance: the call waits for one until the deadline, then fails with {@link
 *       CairnException} ({@code NOT_FOUND} when the registry knows none, {@code UNAVAILABLE} when
 *       nothing could be learned). Instances none of which has the port: {@code
 *       FAILED_PRECONDITION} at once, naming the ports they have.
 * </ul>
 *
 * <p>Threading: thread-safe; {@code send} blocks the caller, {@code sendAsync} never does.
 * Ownership: the client owns its {@code HttpClient}, executor, scheduler and deadline timer and
 * releases them on {@link #close()}; it does not own (or close) the {@link CairnClient}.
 */
public final class CairnHttpClient implements AutoCloseable {

  private final CairnClient cairn;
  private final CallPolicy defaultPolicy;
  private final Map<String, CallPolicy> policies;
  private final String portName;
  private final Ticker ticker;
  private final ObservationRegistry observations;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final DeadlineTimer deadlines;
  private final Map<String, ServiceRoute> routes = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // Guarded by lock for writes; null once closed.
  private volatile HttpClient http;

  private CairnHttpClient(Builder b) {
    this.cairn = b.cairn;
    this.defaultPolicy = b.defaultPolicy;
    this.policies = Map.copyOf(b.policies);
    this.portName = b.portName;
    this.ticker = b.ticker;
    this.observations = b.observations;
    this.executor = Executors.newCachedThreadPool(threads("cairn-rest-"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(threads("cairn-rest-timer-"));
    this.deadlines = new DeadlineTimer(threads("cairn-rest-deadline-"));
    HttpClient.Builder http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(b.connectTimeout)
            .executor(executor);
    b.httpCustomizer.accept(http);
    this.http = http.executor(executor).build();
  }

  /** A builder for a client resolving services through {@code cairn}. */
  public static Builder builder(CairnClient cairn) {
    return new Builder(requireNonNull(cairn, "cairn"));
  }

  /**
   * Sends {@code request} to an instance of the service its host names and waits for the answer.
   *
   * @throws IOException the last attempt's I/O error (e.g. {@link
   *     java.net.http.HttpTimeoutException} at the deadline)
   * @throws InterruptedException the calling thread was interrupted: the attempt in flight is
   *     aborted, none follows, and the thread's interrupt flag stays set
   * @throws CairnException no instance within the deadline, instances without the port ({@code
   *     FAILED_PRECONDITION}, at once), the last instance tried refused the connection ({@code
   *     UNAVAILABLE} naming it, the {@link java.net.ConnectException} as cause), open circuit, full
   *     bulkhead
   */
  public <B> HttpResponse<B> send(HttpRequest request, HttpResponse.BodyHandler<B> handler)
      throws IOException, InterruptedException {
    return send(request, handler, defaults(request));
  }

  /** As {@link #send(HttpRequest, HttpResponse.BodyHandler)}, with per-call options. */
  public <B> HttpResponse<B> send(
      HttpRequest request, HttpResponse.BodyHandler<B> handler, CallOptions options)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<B>> future = start(request, handler, options, true);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt(); // the caller's interrupt: its flag stays set
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InterruptedException) {
        if (Thread.currentThread().isInterrupted()) {
          // an attempt on this thread saw the caller's interrupt
          throw (InterruptedException) cause;
        }
        // an attempt on the executor, whose threads only close() interrupts
        throw new IOException("attempt interrupted: client closed", cause);
      }
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IOException(cause);
    }
  }

  /** Sends {@code request} without blocking; see the class description. */
  public <B> CompletableFuture<HttpResponse<B>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<B> handler) {
    return sendAsync(request, handler, defaults(request));
  }

  /** As {@link #sendAsync(HttpRequest, HttpResponse.BodyHandler)}, with per-call options. */
  public <B> CompletableFuture<HttpResponse<B>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<B> handler, CallOptions options) {
    return start(request, handler, options, false);
  }

  private <B> CompletableFuture<HttpResponse<B>> start(
      HttpRequest request,
      HttpResponse.BodyHandler<B> handler,
      CallOptions options,
      boolean blocking) {
    requireNonNull(request, "request");
    requireNonNull(handler, "handler");
    requireNonNull(options, "options");
    HttpClient client = http;
    if (client == null) {
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.FAILED_PRECONDITION, "client: closed"));
    }
    String service = service(request.uri());
    return route(service).send(client, executor, deadlines, request, handler, options, blocking);
  }

  /**
   * The call runner of {@code service} (its balancer, retry budget, circuit breaker and bulkhead),
   * created on first use; for metrics and diagnostics.
   */
  public CallRunner<String> runner(String service) {
    return route(Names.checkLabel("service", service)).runner();
  }

  /** The policy calls to {@code service} use. */
  public CallPolicy policy(String service) {
    return policies.getOrDefault(service, defaultPolicy);
  }

  /**
   * Stops sending, releases the HTTP client (its connections close), the executor and the timer
   * thread; calls in flight fail, at the latest at their deadline (the deadline timer's thread ends
   * after the last one). Does not close the {@link CairnClient}. Idempotent.
   */
  @Override
  public void close() {
    HttpClient client;
    synchronized (lock) {
      client = http;
      http = null;
    }
    if (client == null) {
      return;
    }
    routes.values().forEach(ServiceRoute::close);
    routes.clear();
    scheduler.shutdownNow();
    deadlines.close(); // armed deadlines still end the synchronous calls in flight
    executor.shutdownNow();
    if (client instanceof AutoCloseable) { // Java 21+: closes connections and the selector
      try {
        ((AutoCloseable) client).close();
      } catch (Exception e) {
        // closing is best effort; the selector thread also ends once the client is unreachable
      }
    }
  }

  private ServiceRoute route(String service) {
    ServiceRoute route = routes.get(service);
    if (route != null) {
      return route;
    }
    synchronized (lock) {
      if (http == null) {
        throw CairnException.of(ErrorCode.FAILED_PRECONDITION, "client: closed");
      }
      return routes.computeIfAbsent(
          service,
          s ->
              new ServiceRoute(
                  cairn.view(s), portName, policy(s), scheduler, ticker, observations));
    }
  }

  private static CallOptions defaults(HttpRequest request) {
    CallOptions options = CallOptions.DEFAULT.withIdempotent(Routes.idempotent(request.method()));
    return request.timeout().map(options::withDeadline).orElse(options);
  }

  private static String service(URI uri) {
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("uri: " + uri + " (expected: http://<service>/...)");
    }
    String host = uri.getHost();
    if (host == null || uri.getPort() != -1 || !Names.isLabel(host)) {
      throw new IllegalArgumentException(
          "uri: " + uri + " (expected: http://<service>/..., a service name without a port)");
    }
    return host;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Builds a {@link CairnHttpClient}; {@link #build()} checks the settings. */
  public static final class Builder {
    private final CairnClient cairn;
    private CallPolicy defaultPolicy = CallPolicy.defaults();
    private final Map<String, CallPolicy> policies = new HashMap<>();
    private String portName = "http";
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Ticker ticker = Ticker.system();
    private ObservationRegistry observations = ObservationRegistry.NOOP;
    private Consumer<HttpClient.Builder> httpCustomizer = b -> {};

    private Builder(CairnClient cairn) {
      this.cairn = cairn;
    }

    /** The policy of services without their own; {@link CallPolicy#defaults()} by default. */
    public Builder defaultPolicy(CallPolicy policy) {
      this.defaultPolicy = requireNonNull(policy, "defaultPolicy");
      return this;
    }

    /** The policy for calls to {@code service}. */
    public Builder policy(String service, CallPolicy policy) {
      requireNonNull(service, "service");
      if (!Names.isLabel(service)) {
        throw new IllegalArgumentException(
            "service: " + service + " (expected: a service name, a DNS label)");
      }
      policies.put(service, requireNonNull(policy, "policy"));
      return this;
    }

    /** The instance port calls go to; {@code "http"} by default. */
    public Builder portName(String portName) {
      this.portName = requireNonNull(portName, "portName");
      return this;
    }

    /** The HTTP connect timeout per attempt; 2 s by default. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout");
      return this;
    }

    /** The clock for deadlines and latencies; the system's by default. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Observes calls: a span per call and per attempt (annotated with the instance picked), whose
     * W3C trace context ({@code traceparent}) each attempt sends; none by default (no cost).
     */
    public Builder observationRegistry(ObservationRegistry observations) {
      this.observations = requireNonNull(observations, "observations");
      return this;
    }

    /**
     * Adjusts the JDK client builder (version, SSL context, authenticator, proxy...) before it is
     * built; the executor stays the client's own.
     */
    public Builder http(Consumer<HttpClient.Builder> customizer) {
      this.httpCustomizer = requireNonNull(customizer, "http");
      return this;
    }

    /**
     * The client.
     *
     * @throws IllegalArgumentException naming the first bad setting
     */
    public CairnHttpClient build() {
      if (portName.isEmpty()) {
        throw new IllegalArgumentException("portName: \"\" (expected: a port name)");
      }
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException(
            "connectTimeout: " + connectTimeout + " (expected: > 0)");
      }
      return new CairnHttpClient(this);
    }
  }
}
