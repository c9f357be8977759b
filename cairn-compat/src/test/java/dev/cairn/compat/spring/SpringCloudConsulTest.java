package dev.cairn.compat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.compat.ConsulApi;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring Cloud Consul Discovery, unchanged, pointed at Cairn's Consul-compatible front door:
 * registers the app with a TTL heartbeat, discovers another app registered in Cairn, and
 * deregisters on shutdown.
 */
class SpringCloudConsulTest {

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(ConsulApi.frontDoor(0)));

  @Test
  void registersHeartbeatsDiscoversAnotherAppAndDeregisters() {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("other-app", "127.0.0.1").id("other-1").port("http", 9999).build())
        .join();
    int consulPort = cairn.server().frontDoors().get(0).address().getPort();

    ConfigurableApplicationContext app =
        HelloApp.start(
            "spring.application.name=hello-app",
            "spring.cloud.consul.host=127.0.0.1",
            "spring.cloud.consul.port=" + consulPort,
            "spring.cloud.consul.config.enabled=false",
            "spring.cloud.consul.discovery.instance-id=hello-app-1",
            "spring.cloud.consul.discovery.prefer-ip-address=true",
            "spring.cloud.consul.discovery.ip-address=127.0.0.1",
            "spring.cloud.consul.discovery.heartbeat.enabled=true",
            "spring.cloud.consul.discovery.heartbeat.ttl=3s",
            "spring.cloud.consul.discovery.tags=team-core,version=1",
            "eureka.client.enabled=false");
    try {
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();

      await("registered in Cairn and passing by heartbeat")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(cairn.registry().service("default", "hello-app").instances())
                      .singleElement()
                      .satisfies(
                          i -> {
                            assertThat(i.id()).isEqualTo("hello-app-1");
                            assertThat(i.port("http")).isEqualTo(port);
                            assertThat(i.tags()).contains("team-core");
                            assertThat(i.check().map(HealthCheck::type))
                                .hasValue(HealthCheck.Type.TTL);
                            assertThat(i.health()).isEqualTo(Health.PASSING);
                          }));

      DiscoveryClient discovery = app.getBean(DiscoveryClient.class);
      await("discovers the other app")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                List<ServiceInstance> others = discovery.getInstances("other-app");
                assertThat(others)
                    .singleElement()
                    .satisfies(o -> assertThat(o.getPort()).isEqualTo(9999));
                assertThat(discovery.getServices()).contains("other-app", "hello-app");
              });
    } finally {
      app.close();
    }
    assertThat(cairn.registry().service("default", "hello-app").instances()).isEmpty();
  }
}
