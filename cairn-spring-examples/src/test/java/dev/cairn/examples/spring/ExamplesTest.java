package dev.cairn.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/** The three example applications, as their settings run them, against a test registry. */
class ExamplesTest {

  @RegisterExtension static final CairnServerExtension server = CairnServerExtension.inMemory();

  @Test
  void theGatewayAndTheCallerReachHelloByName() throws Exception {
    String registries = "--cairn.registries=" + server.grpcTarget();
    try (ConfigurableApplicationContext hello =
            new SpringApplicationBuilder(dev.cairn.examples.spring.hello.Application.class)
                .properties("spring.config.name=hello")
                .run(registries);
        ConfigurableApplicationContext gateway =
            new SpringApplicationBuilder(dev.cairn.examples.spring.gateway.Application.class)
                .web(WebApplicationType.REACTIVE)
                .properties("spring.config.name=gateway")
                .run(registries, "--server.port=0");
        ConfigurableApplicationContext caller =
            new SpringApplicationBuilder(dev.cairn.examples.spring.caller.Application.class)
                .properties("spring.config.name=caller")
                .run(registries, "--calls=0")) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> gateway.getBean(CairnClient.class).view("hello").instances().size() == 1);
      int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
      HttpResponse<String> viaGateway =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(viaGateway.body()).isEqualTo("{\"message\":\"Hello, World!\"}");
      String viaCaller =
          caller
              .getBean(RestClient.Builder.class)
              .build()
              .get()
              .uri("http://hello/hello")
              .retrieve()
              .body(String.class);
      assertThat(viaCaller).isEqualTo("{\"message\":\"Hello, World!\"}");
    }
  }
}
