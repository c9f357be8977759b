package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring Cloud's {@code /actuator/serviceregistry} takes an instance out of rotation and back, as
 * with the Consul and Eureka starters; a registration no registry takes is logged once, and its
 * late success too; Spring Cloud LoadBalancer's cache, which Cairn's lists do not go through, is
 * off unless the application turns it on.
 */
class ServiceRegistryEndpointTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  private final HttpClient http = HttpClient.newHttpClient();
  // What the applications log to the console (Spring Boot's console appender), while a test runs.
  private final ByteArrayOutputStream console = new ByteArrayOutputStream();
  private PrintStream systemOut;
  private CairnClient watcher;
  private final List<ManagedChannel> channels = new java.util.ArrayList<>();

  @BeforeEach
  void setUp() {
    systemOut = System.out;
    PrintStream tee =
        new PrintStream(new TeeOutputStream(systemOut, console), true, StandardCharsets.UTF_8);
    System.setOut(tee);
    watcher = CairnClient.builder().registries(server.grpcTarget()).build();
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    watcher.close();
    System.setOut(systemOut);
  }

  private String logged() {
    synchronized (console) {
      return console.toString(StandardCharsets.UTF_8);
    }
  }

  /** Writes to both streams. */
  private static final class TeeOutputStream extends OutputStream {
    private final OutputStream first;
    private final ByteArrayOutputStream second;

    TeeOutputStream(OutputStream first, ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      synchronized (second) {
        second.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      synchronized (second) {
        second.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      first.flush();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> status(int port) throws Exception {
    return send(
        HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/actuator/serviceregistry")));
  }

  private HttpResponse<String> setStatus(int port, String status) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/serviceregistry"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"" + status + "\"}")));
  }

  @Test
  void outOfServiceKeepsTheInstanceRegisteredButPickedByNoClientAndUpBringsItBack()
      throws Exception {
    List<String> p = Apps.base(server, "rotation");
    p.add("management.endpoints.web.exposure.include=serviceregistry");
    ServiceView rotation = watcher.view("rotation");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      int port = Apps.port(app);
      assertThat(app.getBean(Registration.class)).isInstanceOf(CairnRegistration.class);
      DiscoveryClient discovery = app.getBean(DiscoveryClient.class);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(status(port).body()).isEqualTo("UP"));
      assertThat(rotation.instances()).extracting(Instance::health).containsExactly(Health.PASSING);
      String id = rotation.instances().get(0).id();
      long created = rotation.instances().get(0).createRevision();
      LinkedBlockingQueue<WatchResponse> watched = watch("rotation");
      assertThat(watched.poll(10, TimeUnit.SECONDS).getSnapshot().getInstancesList()).hasSize(1);

      assertThat(setStatus(port, "OUT_OF_SERVICE").statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                // Still registered, but critical: no Cairn client picks it.
                assertThat(rotation.instances()).extracting(Instance::id).containsExactly(id);
                assertThat(rotation.instances().get(0).health()).isEqualTo(Health.CRITICAL);
                assertThat(discovery.getInstances("rotation")).isEmpty();
              });
      assertThat(status(port).body()).isEqualTo("OUT_OF_SERVICE");
      // In place (decision 0220): one update of the same instance, no removal.
      assertThat(nextEvents(watched))
          .extracting(WatchEvent::getType, e -> e.getInstance().getHealth())
          .containsExactly(tuple(WatchEvent.Type.UPDATED, dev.cairn.proto.v1.Health.CRITICAL));
      assertThat(rotation.instances().get(0).createRevision()).isEqualTo(created);

      assertThat(setStatus(port, "UP").statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(rotation.instances()).extracting(Instance::id).containsExactly(id);
                assertThat(rotation.instances().get(0).health()).isEqualTo(Health.PASSING);
                assertThat(discovery.getInstances("rotation")).hasSize(1);
                assertThat(status(port).body()).isEqualTo("UP");
              });
      assertThat(nextEvents(watched))
          .extracting(WatchEvent::getType, e -> e.getInstance().getHealth())
          .containsExactly(tuple(WatchEvent.Type.UPDATED, dev.cairn.proto.v1.Health.PASSING));
      assertThat(rotation.instances().get(0).createRevision()).isEqualTo(created);
      assertThat(watched).isEmpty();
    }
  }

  /** A raw gRPC watch of {@code service} on the registry: every message it is sent, in order. */
  private LinkedBlockingQueue<WatchResponse> watch(String service) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.grpcAddress().getPort(), InsecureChannelCredentials.create())
            .build();
    channels.add(channel);
    LinkedBlockingQueue<WatchResponse> out = new LinkedBlockingQueue<>();
    RegistryGrpc.newStub(channel)
        .watch(
            WatchRequest.newBuilder().setService(service).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(WatchResponse value) {
                out.add(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return out;
  }

  /** The events of the next message of {@code watched}, which must be an event batch. */
  private static List<WatchEvent> nextEvents(LinkedBlockingQueue<WatchResponse> watched)
      throws InterruptedException {
    WatchResponse next = watched.poll(10, TimeUnit.SECONDS);
    assertThat(next).isNotNull();
    assertThat(next.hasEvents()).as("an event batch, not %s", next).isTrue();
    return next.getEvents().getEventsList();
  }

  @Test
  void aRegistrationNoRegistryTakesIsLoggedOnceAndItsLateSuccessToo() throws Exception {
    try (TcpProxy registry = new TcpProxy(server.grpcAddress())) {
      registry.refusing(true);
      List<String> p = Apps.base(server, "late");
      p.remove("cairn.registries=" + server.grpcTarget());
      p.add("cairn.registries=" + registry.address());
      ServiceView late = watcher.view("late");
      try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
        String warning =
            "No Cairn registry has taken the registration of late/"
                + app.getBean(CairnAutoRegistration.class).registration().getInstanceId()
                + " yet: none of "
                + registry.address()
                + " answers";
        await().atMost(Duration.ofSeconds(30)).until(() -> logged().contains(warning));

        registry.refusing(false);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(late.instances()).hasSize(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> logged().contains("Registered late/"));
        assertThat(logged().split(java.util.regex.Pattern.quote(warning), -1)).hasSize(2);
      }
    }
  }

  @Test
  void loadBalancerCacheIsOffUnlessTheApplicationTurnsItOn() {
    List<String> p = Apps.base(server, "uncached");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      assertThat(app.getEnvironment().getProperty("spring.cloud.loadbalancer.cache.enabled"))
          .isEqualTo("false");
      assertThat(logged()).doesNotContain("Caffeine");
    }
    p.add("spring.cloud.loadbalancer.cache.enabled=true");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      assertThat(app.getEnvironment().getProperty("spring.cloud.loadbalancer.cache.enabled"))
          .isEqualTo("true");
      // The warning the default avoids (and the proof this test sees it).
      assertThat(logged()).contains("Caffeine");
    }
  }
}
