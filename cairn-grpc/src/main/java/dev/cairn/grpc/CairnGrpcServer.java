package dev.cairn.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server registered in Cairn, serving {@code grpc.health.v1}: one call starts the server,
 * marks every service SERVING and registers the instance (port {@code grpc}) on the client's
 * session.
 *
 * <pre>{@code
 * CairnGrpcServer server =
 *     CairnGrpcServer.builder(client, "hello", ServerBuilder.forPort(0).addService(new HelloImpl()))
 *         .tags(List.of("v1"))
 *         .start();
 * ...
 * server.close(); // NOT_SERVING, deregister, then shut the server down
 * }</pre>
 *
 * <p>Thread-safe. The caller keeps owning the {@link CairnClient}.
 */
public final class CairnGrpcServer implements AutoCloseable {

  private final Server server;
  private final HealthStatusManager health;
  private final Registration registration;
  private final long shutdownGraceMillis;

  private CairnGrpcServer(
      Server server, HealthStatusManager health, Registration registration, long graceMillis) {
    this.server = server;
    this.health = health;
    this.registration = registration;
    this.shutdownGraceMillis = graceMillis;
  }

  /**
   * A builder registering {@code serverBuilder}'s server as an instance of {@code service}; the
   * builder's port decides the port (0 for an ephemeral one, registered as bound).
   */
  public static Builder builder(
      CairnClient client, String service, ServerBuilder<?> serverBuilder) {
    return new Builder(client, service, serverBuilder);
  }

  /** The running gRPC server. */
  public Server server() {
    return server;
  }

  /** The port the server is bound to (and registered with). */
  public int port() {
    return server.getPort();
  }

  /** The health service's manager, e.g. to report NOT_SERVING for one service. */
  public HealthStatusManager health() {
    return health;
  }

  /** The registration in Cairn. */
  public Registration registration() {
    return registration;
  }

  /**
   * Reports NOT_SERVING, deregisters, then shuts the server down, letting calls in flight finish
   * for up to the shutdown grace. Idempotent.
   */
  @Override
  public void close() {
    health.enterTerminalState();
    try {
      registration.deregister().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The session's close (or its expiry) removes the instance anyway.
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGraceMillis, TimeUnit.MILLISECONDS)) {
        server.shutdownNow().awaitTermination(shutdownGraceMillis, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Builds and starts a {@link CairnGrpcServer}; not thread-safe. */
  public static final class Builder {
    private final CairnClient client;
    private final String service;
    private final ServerBuilder<?> serverBuilder;
    private String address = "127.0.0.1";
    private String id = "";
    private List<String> tags = List.of();
    private Map<String, String> metadata = Map.of();
    private String zone = "";
    private int weight = dev.cairn.common.Limits.DEFAULT_WEIGHT;
    private long shutdownGraceMillis = 5_000;

    private Builder(CairnClient client, String service, ServerBuilder<?> serverBuilder) {
      this.client = requireNonNull(client, "client");
      this.service = requireNonNull(service, "service");
      this.serverBuilder = requireNonNull(serverBuilder, "serverBuilder");
    }

    /** The address other processes reach this server at; {@code 127.0.0.1} by default. */
    public Builder address(String address) {
      this.address = requireNonNull(address, "address");
      return this;
    }

    /** The instance id; generated when empty (the default). */
    public Builder id(String id) {
      this.id = requireNonNull(id, "id");
      return this;
    }

    public Builder tags(List<String> tags) {
      this.tags = new ArrayList<>(requireNonNull(tags, "tags"));
      return this;
    }

    public Builder metadata(Map<String, String> metadata) {
      this.metadata = Map.copyOf(requireNonNull(metadata, "metadata"));
      return this;
    }

    public Builder zone(String zone) {
      this.zone = requireNonNull(zone, "zone");
      return this;
    }

    public Builder weight(int weight) {
      this.weight = weight;
      return this;
    }

    /** How long {@link CairnGrpcServer#close()} lets calls in flight finish; 5 s by default. */
    public Builder shutdownGrace(java.time.Duration grace) {
      requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("shutdownGrace: " + grace + " (expected: >= 0)");
      }
      this.shutdownGraceMillis = grace.toMillis();
      return this;
    }

    /**
     * Checks the instance fields, starts the server with the health service added, marks each of
     * its services SERVING and registers it.
     *
     * @throws IllegalArgumentException naming a bad instance field (nothing is started then)
     * @throws IOException when the server cannot bind
     */
    public CairnGrpcServer start() throws IOException {
      Instance.Builder instance =
          Instance.builder(service, address)
              .id(id)
              .port("grpc", 1)
              .tags(tags)
              .metadata(metadata)
              .zone(zone)
              .weight(weight);
      try {
        instance.build();
      } catch (dev.cairn.common.CairnException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      HealthStatusManager health = new HealthStatusManager();
      Server server = serverBuilder.addService(health.getHealthService()).build().start();
      health.setStatus("", ServingStatus.SERVING);
      for (ServerServiceDefinition s : server.getServices()) {
        health.setStatus(s.getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
      Registration r = client.register(instance.port("grpc", server.getPort()).build());
      return new CairnGrpcServer(server, health, r, shutdownGraceMillis);
    }
  }
}
