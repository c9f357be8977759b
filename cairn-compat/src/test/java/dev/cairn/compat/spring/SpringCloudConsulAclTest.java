package dev.cairn.compat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.compat.ConsulApi;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring Cloud Consul Discovery with ACLs on ({@code spring.cloud.consul.discovery.acl-token},
 * decision 0174): a token that may write its own service and read one other registers, heartbeats
 * its TTL check, discovers that other service only, and deregisters on close.
 */
class SpringCloudConsulAclTest {

  @Test
  void registersHeartbeatsAndDiscoversWithAServiceScopedToken() throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .frontDoor(ConsulApi.frontDoor(0))
            .start()) {
      var acls = server.registry().acls();
      acls.bootstrap().join();
      acls.createPolicy(
              new Policy(
                  "hello-app",
                  "",
                  List.of(
                      new Rule(Resource.SERVICE, "*", "hello-app", Access.WRITE),
                      new Rule(Resource.HEALTH, "*", "hello-app", Access.WRITE),
                      new Rule(Resource.SERVICE, "*", "other-app", Access.READ))))
          .join();
      String token = acls.createToken("hello-app", List.of("hello-app")).join().secret();
      for (String service : List.of("other-app", "secret-app")) {
        server
            .registry()
            .register(
                "default",
                Instance.builder(service, "127.0.0.1")
                    .id(service + "-1")
                    .port("http", 9999)
                    .build())
            .join();
      }
      int consulPort = server.frontDoors().get(0).address().getPort();
      ConfigurableApplicationContext app =
          HelloApp.start(
              "spring.application.name=hello-app",
              "spring.cloud.consul.host=127.0.0.1",
              "spring.cloud.consul.port=" + consulPort,
              "spring.cloud.consul.config.enabled=false",
              "spring.cloud.consul.discovery.acl-token=" + token,
              "spring.cloud.consul.discovery.instance-id=hello-app-1",
              "spring.cloud.consul.discovery.prefer-ip-address=true",
              "spring.cloud.consul.discovery.ip-address=127.0.0.1",
              "spring.cloud.consul.discovery.heartbeat.enabled=true",
              "spring.cloud.consul.discovery.heartbeat.ttl=3s",
              "eureka.client.enabled=false");
      try {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        await("registered and passing by heartbeat")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(server.registry().service("default", "hello-app").instances())
                        .singleElement()
                        .satisfies(
                            i -> {
                              assertThat(i.port("http")).isEqualTo(port);
                              assertThat(i.health()).isEqualTo(Health.PASSING);
                            }));
        DiscoveryClient discovery = app.getBean(DiscoveryClient.class);
        await("discovers what its token may read")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(discovery.getInstances("other-app")).hasSize(1);
                  assertThat(discovery.getServices())
                      .contains("other-app", "hello-app")
                      .doesNotContain("secret-app");
                });
        assertThat(discovery.getInstances("secret-app")).isEmpty();
      } finally {
        app.close();
      }
      assertThat(server.registry().service("default", "hello-app").instances()).isEmpty();
    }
  }
}
