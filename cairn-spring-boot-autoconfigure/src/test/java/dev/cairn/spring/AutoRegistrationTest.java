package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** A real Spring Boot application registers once ready, and leaves (drained) on shutdown. */
class AutoRegistrationTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  private CairnClient watcher;

  @BeforeEach
  void setUp() {
    // Without removal protection, the view applies (and acknowledges) the removal of the
    // service's last instance at once, so the drain on shutdown is confirmed.
    watcher =
        CairnClient.builder().registries(server.grpcTarget()).removalProtection(false).build();
  }

  @AfterEach
  void tearDown() {
    watcher.close();
  }

  /** Records, while application runners run (web server up, not yet ready), what Cairn lists. */
  @Configuration(proxyBeanMethods = false)
  @Import(HelloApp.class)
  static class ProbedHello {
    static final AtomicReference<List<Instance>> atRunners = new AtomicReference<>();

    @Bean
    ApplicationRunner probe(CairnClient client) {
      return args -> atRunners.set(client.view("hello").ready().get().instances());
    }
  }

  @Test
  void registersWhenReadyWithPortsZoneTagsMetadataAndLeavesOnShutdown() throws Exception {
    List<String> p = Apps.base(server, "hello");
    p.add("cairn.zone=eu-1");
    p.add("cairn.tags=v1,canary");
    p.add("cairn.metadata.version=1.4.2");
    p.add("management.server.port=0");
    p.add("management.server.address=127.0.0.1");
    p.add("management.endpoints.web.exposure.include=health,cairn");
    // The application's own view of hello (the runner's) must acknowledge its last instance's
    // removal for the drain to be confirmed.
    p.add("cairn.removal-protection=false");
    p.add("management.endpoint.health.show-details=always");
    ConfigurableApplicationContext app = Apps.servlet(ProbedHello.class, p);
    ServiceView hello = watcher.view("hello");
    int port = Apps.port(app);
    CairnAutoRegistration registration = app.getBean(CairnAutoRegistration.class);
    try {
      // The web server was up while the runners ran, but the application was not ready yet.
      assertThat(ProbedHello.atRunners.get()).isEmpty();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(hello.instances()).hasSize(1));
      Instance i = hello.instances().get(0);
      assertThat(i.address()).isEqualTo("127.0.0.1");
      assertThat(i.ports()).containsEntry("http", port).containsKey("management");
      assertThat(i.ports().get("management")).isNotEqualTo(port);
      assertThat(i.zone()).isEqualTo("eu-1");
      assertThat(i.tags()).containsExactly("v1", "canary");
      assertThat(i.metadata()).containsEntry("version", "1.4.2");
      assertThat(registration.registration().getInstanceId()).isEqualTo(i.id());

      // Actuator: the cairn health is UP, the endpoint shows the registration and the views.
      String management = "http://127.0.0.1:" + i.ports().get("management") + "/actuator/";
      assertThat(get(management + "health/cairn")).contains("\"status\":\"UP\"");
      String endpoint = get(management + "cairn");
      assertThat(endpoint)
          .contains("\"id\":\"" + i.id() + "\"")
          .contains("\"state\":\"REGISTERED\"");
      assertThat(endpoint).contains("\"service\":\"hello\"").contains("\"views\"");
    } finally {
      app.close();
    }
    // Deregistered before the context closed its client: the drain ran and reported.
    assertThat(registration.registration()).isNull();
    assertThat(registration.lastDrain()).isNotNull();
    assertThat(registration.lastDrain().isConfirmed()).as("%s", registration.lastDrain()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> hello.instances().isEmpty());
  }

  private static String get(String uri) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri))
                .timeout(Duration.ofSeconds(10))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void aServiceNameThatIsNotADnsLabelFailsTheStartNamingTheProperty() {
    List<String> p = Apps.base(server, "hello");
    p.add("cairn.registration.service=Hello_World");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Apps.servlet(HelloApp.class, p))
        .hasStackTraceContaining("cairn.registration.service: \"Hello_World\"");
  }
}
