package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A Spring Cloud Gateway route {@code lb://hello} follows instance changes as the registry pushes
 * them: a new instance gets calls without any refresh interval, a killed one stops getting them.
 */
class GatewayTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Gateway {}

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void theRouteFollowsInstancesAtPushLatency() throws Exception {
    List<String> p = Apps.base(server, "gateway");
    p.add("spring.cloud.gateway.server.webflux.enabled=true");
    p.add("spring.cloud.gateway.server.webflux.routes[0].id=hello");
    p.add("spring.cloud.gateway.server.webflux.routes[0].uri=lb://hello");
    p.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/hello");
    p.add("cairn.registration.enabled=false");
    try (HelloProcess first = HelloProcess.start(server.grpcTarget(), "hello-a");
        ConfigurableApplicationContext gateway =
            Apps.start(Gateway.class, WebApplicationType.REACTIVE, p)) {
      URI uri = URI.create("http://127.0.0.1:" + Apps.port(gateway) + "/hello");
      assertThat(call(uri)).contains("hello-a");

      // A second instance: the next calls reach it once its registration is pushed.
      try (HelloProcess second = HelloProcess.start(server.grpcTarget(), "hello-b")) {
        long registered = System.nanoTime();
        int calls = 0;
        boolean reached = false;
        while (!reached && calls < 500) {
          calls++;
          reached = call(uri).contains("hello-b");
        }
        long tookMillis = (System.nanoTime() - registered) / 1_000_000;
        System.out.printf("gateway: hello-b answered after %d calls, %d ms%n", calls, tookMillis);
        assertThat(reached).as("hello-b reached within 500 calls").isTrue();

        // The first instance dies: once the view dropped it, every call goes to the second.
        first.kill();
        CairnClient client = gateway.getBean(CairnClient.class);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> client.view("hello").instances().size() == 1);
        for (int i = 0; i < 20; i++) {
          assertThat(call(uri)).contains("hello-b");
        }
      }
    }
  }

  private String call(URI uri) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
