package dev.cairn.xds;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Settings of the xDS front door. Immutable; {@link #builder()} starts from the defaults: port
 * {@value #DEFAULT_PORT}, the {@code default} namespace, port name {@value #DEFAULT_PORT_NAME},
 * retries of {@code UNAVAILABLE} on, at most {@value #DEFAULT_MAX_FILTERED_SNAPSHOTS} filtered
 * snapshots.
 */
public final class XdsOptions {

  /** The port by default (Envoy control planes commonly listen on 18000). */
  public static final int DEFAULT_PORT = 18000;

  /** The instance port an endpoint uses by default. */
  public static final String DEFAULT_PORT_NAME = "grpc";

  /** How often an idle stream's token is checked again by default (decision 0232). */
  public static final Duration DEFAULT_TOKEN_CHECK_INTERVAL = Duration.ofSeconds(15);

  /** The filtered snapshots served at once by default. */
  public static final int DEFAULT_MAX_FILTERED_SNAPSHOTS = 64;

  private final int port;
  private final List<String> namespaces;
  private final String portName;
  private final boolean retryUnavailable;
  private final int maxFilteredSnapshots;
  private final Duration tokenCheckInterval;

  private XdsOptions(Builder b) {
    this.port = b.port;
    this.namespaces = List.copyOf(b.namespaces);
    this.portName = b.portName;
    this.retryUnavailable = b.retryUnavailable;
    this.maxFilteredSnapshots = b.maxFilteredSnapshots;
    this.tokenCheckInterval = b.tokenCheckInterval;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults. */
  public static XdsOptions defaults() {
    return builder().build();
  }

  /** The port the ADS server listens on; 0 for a free one. */
  public int port() {
    return port;
  }

  /**
   * The namespaces served. Services of the first are named as they are ({@code hello}); services of
   * the others carry their namespace ({@code hello.staging}).
   */
  public List<String> namespaces() {
    return namespaces;
  }

  /**
   * The name of the instance port endpoints use; an instance without it uses its only port, and one
   * with several ports but not this one is left out.
   */
  public String portName() {
    return portName;
  }

  /**
   * Whether routes retry calls that fail with {@code UNAVAILABLE} (up to 2 more attempts, on other
   * endpoints): what keeps an instance that dies from failing idempotent calls. Turn it off when
   * the services' methods are not idempotent.
   */
  public boolean retryUnavailable() {
    return retryUnavailable;
  }

  /**
   * How many filtered snapshots the front door serves at once (with ACLs on): a token that may read
   * only some services and subscribes to every cluster or listener is answered from a snapshot of
   * the services it may read, one per distinct set of {@code service} read rules among the open
   * streams (tokens with the same policies share one), each recomputed at every change. A stream
   * that would need one more ends {@code RESOURCE_EXHAUSTED}; 0 refuses such subscriptions. Streams
   * naming their resources, and tokens that may read every service, need none.
   */
  public int maxFilteredSnapshots() {
    return maxFilteredSnapshots;
  }

  /**
   * How often, with ACLs on, every open stream's token is checked again (decision 0232): a stream
   * is checked before each response it is sent, and this bounds how long one that is sent nothing
   * (its services do not change) goes on after its token was deleted or its policies narrowed. 15
   * seconds by default, as the server's event-stream keep-alive; each check of a stream whose token
   * did not change is one cache look-up.
   */
  public Duration tokenCheckInterval() {
    return tokenCheckInterval;
  }

  /** Builds {@link XdsOptions}; not thread-safe. */
  public static final class Builder {
    private int port = DEFAULT_PORT;
    private List<String> namespaces = List.of(Limits.DEFAULT_NAMESPACE);
    private String portName = DEFAULT_PORT_NAME;
    private boolean retryUnavailable = true;
    private int maxFilteredSnapshots = DEFAULT_MAX_FILTERED_SNAPSHOTS;
    private Duration tokenCheckInterval = DEFAULT_TOKEN_CHECK_INTERVAL;

    private Builder() {}

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder namespaces(List<String> namespaces) {
      this.namespaces = List.copyOf(requireNonNull(namespaces, "namespaces"));
      return this;
    }

    public Builder portName(String portName) {
      this.portName = requireNonNull(portName, "portName");
      return this;
    }

    public Builder retryUnavailable(boolean on) {
      this.retryUnavailable = on;
      return this;
    }

    public Builder maxFilteredSnapshots(int max) {
      this.maxFilteredSnapshots = max;
      return this;
    }

    public Builder tokenCheckInterval(Duration every) {
      this.tokenCheckInterval = requireNonNull(every, "tokenCheckInterval");
      return this;
    }

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException for a port outside 0..65535, no namespace, a namespace or
     *     port name that is not a DNS label, a namespace named twice, or a negative {@code
     *     maxFilteredSnapshots}, or a {@code tokenCheckInterval} that is not positive
     */
    public XdsOptions build() {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      if (maxFilteredSnapshots < 0) {
        throw new IllegalArgumentException(
            "maxFilteredSnapshots: " + maxFilteredSnapshots + " (expected: >= 0)");
      }
      if (tokenCheckInterval.isNegative() || tokenCheckInterval.isZero()) {
        throw new IllegalArgumentException(
            "tokenCheckInterval: " + tokenCheckInterval + " (expected: more than 0)");
      }
      if (namespaces.isEmpty()) {
        throw new IllegalArgumentException("namespaces: [] (expected: at least one)");
      }
      if (new LinkedHashSet<>(namespaces).size() != namespaces.size()) {
        throw new IllegalArgumentException("namespaces: " + namespaces + " (expected: distinct)");
      }
      try {
        namespaces.forEach(n -> Names.checkLabel("namespaces", n));
        Names.checkLabel("portName", portName);
      } catch (CairnException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return new XdsOptions(this);
    }
  }
}
