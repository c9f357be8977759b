package dev.cairn.spring.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the Cairn starter, under {@code cairn.*}. Every one has a default; an application
 * that sets nothing registers as {@code spring.application.name} on the local registry ({@code
 * 127.0.0.1:8501}) and discovers through it.
 */
@ConfigurationProperties("cairn")
public class CairnProperties {

  /** Whether the Cairn auto-configuration is on at all. */
  private boolean enabled = true;

  /**
   * The registries' gRPC addresses, in order of preference, comma-separated host:port; the client
   * fails over between them.
   */
  private String registries = "127.0.0.1:8501";

  /** The namespace this application registers and discovers in. */
  private String namespace = "default";

  /** This application's zone: registered with its instance and preferred by its load balancer. */
  private String zone = "";

  /** Tags registered with this application's instance. */
  private List<String> tags = new ArrayList<>();

  /** Metadata registered with this application's instance ({@code cairn.metadata.version=v2}). */
  private Map<String, String> metadata = new HashMap<>();

  /**
   * How long the registry keeps this application's instances once it stops hearing from it (1 s..5
   * min); keepalives go every third of it.
   */
  private Duration sessionTtl = Duration.ofSeconds(10);

  /**
   * A directory for disk snapshots of the views, so that an application starting while every
   * registry is down still finds its peers; none by default.
   */
  private String snapshotDir;

  /**
   * Whether views hold back an update that would empty a service or remove more than half of it,
   * until the registry confirms it (protection against a registry that lost its state). A view
   * holding back a removal does not acknowledge it, so the drain of a service's last instance waits
   * for its timeout.
   */
  private boolean removalProtection = true;

  public boolean isRemovalProtection() {
    return removalProtection;
  }

  public void setRemovalProtection(boolean removalProtection) {
    this.removalProtection = removalProtection;
  }

  /**
   * Whether this application's session (its registrations and keepalives) opens on the member that
   * leads a Cairn cluster, whichever member it was given: writes the leader takes cost the cluster
   * about half of what a follower forwards. Falls back to the given member for a minute when the
   * leader's advertised address cannot be reached from here. No effect on a single registry.
   */
  private boolean sessionsOnLeader = true;

  public boolean isSessionsOnLeader() {
    return sessionsOnLeader;
  }

  public void setSessionsOnLeader(boolean sessionsOnLeader) {
    this.sessionsOnLeader = sessionsOnLeader;
  }

  private final Discovery discovery = new Discovery();
  private final Registration registration = new Registration();
  private final LoadBalancer loadbalancer = new LoadBalancer();
  private final Grpc grpc = new Grpc();
  private final Amqp amqp = new Amqp();
  private final Tls tls = new Tls();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getRegistries() {
    return registries;
  }

  public void setRegistries(String registries) {
    this.registries = registries;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getZone() {
    return zone;
  }

  public void setZone(String zone) {
    this.zone = zone;
  }

  public List<String> getTags() {
    return tags;
  }

  public void setTags(List<String> tags) {
    this.tags = tags;
  }

  public Map<String, String> getMetadata() {
    return metadata;
  }

  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }

  public Duration getSessionTtl() {
    return sessionTtl;
  }

  public void setSessionTtl(Duration sessionTtl) {
    this.sessionTtl = sessionTtl;
  }

  public String getSnapshotDir() {
    return snapshotDir;
  }

  public void setSnapshotDir(String snapshotDir) {
    this.snapshotDir = snapshotDir;
  }

  public Discovery getDiscovery() {
    return discovery;
  }

  public Registration getRegistration() {
    return registration;
  }

  public LoadBalancer getLoadbalancer() {
    return loadbalancer;
  }

  public Grpc getGrpc() {
    return grpc;
  }

  public Amqp getAmqp() {
    return amqp;
  }

  public Tls getTls() {
    return tls;
  }

  /**
   * TLS towards the registries (see docs/security.md): PEM files. Unset, the client falls back to
   * the {@code CAIRN_TLS_*} environment variables, else plaintext.
   */
  public static class Tls {

    /** The CA file the registries' certificates must chain to; setting it turns TLS on. */
    private String ca;

    /** This application's client certificate (mutual TLS), with {@code key}. */
    private String cert;

    /** The client certificate's unencrypted PKCS#8 key. */
    private String key;

    public String getCa() {
      return ca;
    }

    public void setCa(String ca) {
      this.ca = ca;
    }

    public String getCert() {
      return cert;
    }

    public void setCert(String cert) {
      this.cert = cert;
    }

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }
  }

  /** Spring Cloud discovery ({@code DiscoveryClient}, {@code ReactiveDiscoveryClient}). */
  public static class Discovery {

    /** Whether Cairn serves Spring Cloud's discovery clients. */
    private boolean enabled = true;

    /**
     * How long the first read of a service not yet followed waits for the registry's answer (later
     * reads never wait).
     */
    private Duration firstReadTimeout = Duration.ofSeconds(2);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getFirstReadTimeout() {
      return firstReadTimeout;
    }

    public void setFirstReadTimeout(Duration firstReadTimeout) {
      this.firstReadTimeout = firstReadTimeout;
    }
  }

  /** This application's own instance. */
  public static class Registration {

    /** Whether the application registers itself once it is ready to serve. */
    private boolean enabled = true;

    /** The service to register as; {@code spring.application.name} by default. */
    private String service;

    /** The instance id; {@code <service>-<random>} by default. */
    private String instanceId = "";

    /**
     * The address peers call; the first non-loopback address Spring Cloud finds by default (set
     * {@code 127.0.0.1} on a developer machine).
     */
    private String address;

    /** The port to register as {@code http}; the web server's port by default. */
    private Integer port;

    /** Register the management server's port (when it differs) as {@code management}. */
    private boolean registerManagementPort = true;

    /** The instance's weight for weighted balancing (1..10000). */
    private int weight = 100;

    /**
     * On shutdown: how long to wait, after deregistering, for the registry to confirm that every
     * watcher of the service received the removal, before the web server stops taking requests.
     */
    private Duration drainTimeout = Duration.ofSeconds(10);

    /**
     * After the drain: how long no request must have arrived before the web server stops (requests
     * of callers that picked this instance just before their view changed); within the drain
     * timeout. 0 turns it off.
     */
    private Duration drainQuietPeriod = Duration.ofMillis(250);

    public Duration getDrainQuietPeriod() {
      return drainQuietPeriod;
    }

    public void setDrainQuietPeriod(Duration drainQuietPeriod) {
      this.drainQuietPeriod = drainQuietPeriod;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getService() {
      return service;
    }

    public void setService(String service) {
      this.service = service;
    }

    public String getInstanceId() {
      return instanceId;
    }

    public void setInstanceId(String instanceId) {
      this.instanceId = instanceId;
    }

    public String getAddress() {
      return address;
    }

    public void setAddress(String address) {
      this.address = address;
    }

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }

    public boolean isRegisterManagementPort() {
      return registerManagementPort;
    }

    public void setRegisterManagementPort(boolean registerManagementPort) {
      this.registerManagementPort = registerManagementPort;
    }

    public int getWeight() {
      return weight;
    }

    public void setWeight(int weight) {
      this.weight = weight;
    }

    public Duration getDrainTimeout() {
      return drainTimeout;
    }

    public void setDrainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
    }
  }

  /** Spring Cloud LoadBalancer. */
  public static class LoadBalancer {

    /**
     * Whether Cairn's balancer picks instances ({@code false}: Spring's round robin over Cairn's
     * push-fed instance list).
     */
    private boolean enabled = true;

    /** The policy: p2c_ewma, round_robin, weighted or ring_hash. */
    private String policy = "p2c_ewma";

    /** Per-service policies, e.g. {@code cairn.loadbalancer.services.hello=weighted}. */
    private Map<String, String> services = new HashMap<>();

    /** Whether calls stay in {@code cairn.zone} while enough of its instances are usable. */
    private boolean zoneAware = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getPolicy() {
      return policy;
    }

    public void setPolicy(String policy) {
      this.policy = policy;
    }

    public Map<String, String> getServices() {
      return services;
    }

    public void setServices(Map<String, String> services) {
      this.services = services;
    }

    public boolean isZoneAware() {
      return zoneAware;
    }

    public void setZoneAware(boolean zoneAware) {
      this.zoneAware = zoneAware;
    }
  }

  /** gRPC: {@code cairn:///service} channels and this application's gRPC server. */
  public static class Grpc {

    /** Whether {@code cairn:///} targets resolve through this application's Cairn client. */
    private boolean enabled = true;

    private final Server server = new Server();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Server getServer() {
      return server;
    }

    /** A gRPC server serving the application's {@code BindableService} beans. */
    public static class Server {

      /**
       * The gRPC server's port (0: an ephemeral one); unset: no server. Registered as the port
       * named {@code grpc} of the application's instance.
       */
      private Integer port;

      /** How long calls in flight may finish when the server stops. */
      private Duration shutdownGrace = Duration.ofSeconds(5);

      public Integer getPort() {
        return port;
      }

      public void setPort(Integer port) {
        this.port = port;
      }

      public Duration getShutdownGrace() {
        return shutdownGrace;
      }

      public void setShutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
      }
    }
  }

  /** Spring AMQP: broker addresses from the registry. */
  public static class Amqp {

    /** Whether Spring AMQP connection factories take their broker addresses from Cairn. */
    private boolean enabled = true;

    /** The service brokers register under. */
    private String service = "rabbitmq";

    /** The name of the brokers' AMQP port. */
    private String portName = "amqp";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getService() {
      return service;
    }

    public void setService(String service) {
      this.service = service;
    }

    public String getPortName() {
      return portName;
    }

    public void setPortName(String portName) {
      this.portName = portName;
    }
  }
}
