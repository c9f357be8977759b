package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.spring.loadbalancer.CairnServiceInstanceListSupplier;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.health.contributor.Status;
import org.springframework.cloud.client.discovery.health.DiscoveryClientHealthIndicator;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter follows Spring Cloud's own conventions, as the Eureka and Consul starters do: the
 * registered address is the one the web server listens on, Spring Cloud's switches turn discovery
 * and registration off, and {@code InstanceRegisteredEvent} starts the discovery health.
 */
class SpringCloudConventionsTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  private CairnClient watcher;

  @BeforeEach
  void setUp() {
    watcher = CairnClient.builder().registries(server.grpcTarget()).build();
  }

  @AfterEach
  void tearDown() {
    watcher.close();
  }

  /** The test applications' properties without {@code cairn.registration.address}. */
  private static List<String> base(String name) {
    List<String> p = Apps.base(server, name);
    p.remove("cairn.registration.address=127.0.0.1");
    return p;
  }

  @Test
  void registersTheAddressTheWebServerListensOnAndStartsTheDiscoveryHealth() {
    List<String> p = base("hello"); // server.address=127.0.0.1
    ServiceView hello = watcher.view("hello");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(hello.instances()).hasSize(1));
      assertThat(hello.instances().get(0).address()).isEqualTo("127.0.0.1");

      // Spring Cloud's discovery health is "not initialized" until an InstanceRegisteredEvent.
      DiscoveryClientHealthIndicator health = app.getBean(DiscoveryClientHealthIndicator.class);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(health.health().getStatus()).isEqualTo(Status.UP));
    }
  }

  @Test
  void springCloudDiscoveryDisabledTurnsCairnsDiscoveryBalancingAndRegistrationOff() {
    List<String> p = base("quiet");
    p.add("spring.cloud.discovery.enabled=false");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      assertThat(app.getBeansOfType(CairnDiscoveryClient.class)).isEmpty();
      assertThat(app.getBeansOfType(CairnReactiveDiscoveryClient.class)).isEmpty();
      assertThat(app.getBeansOfType(CairnAutoRegistration.class)).isEmpty();
      ServiceInstanceListSupplier supplier =
          app.getBean(LoadBalancerClientFactory.class)
              .getInstance("hello", ServiceInstanceListSupplier.class);
      assertThat(supplier instanceof CairnServiceInstanceListSupplier).isFalse();
    }
  }

  @Test
  void springCloudAutoRegistrationDisabledKeepsDiscoveryAndDoesNotRegister() {
    List<String> p = base("unlisted");
    p.add("spring.cloud.service-registry.auto-registration.enabled=false");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      assertThat(app.getBeansOfType(CairnAutoRegistration.class)).isEmpty();
      assertThat(app.getBeansOfType(CairnDiscoveryClient.class)).hasSize(1);
    }
  }

  @Test
  void aBadSessionTtlFailsTheStartNamingThePropertyAsWritten() {
    List<String> p = base("hello");
    p.add("cairn.session-ttl=0s");
    assertThatThrownBy(() -> Apps.servlet(HelloApp.class, p))
        .hasStackTraceContaining("cairn.session-ttl: PT0S");
  }
}
