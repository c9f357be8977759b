package dev.cairn.compat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.compat.ConsulApi;
import dev.cairn.testing.CairnServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.cloud.consul.ConsulClient;
import org.springframework.cloud.consul.config.ConfigWatch;
import org.springframework.cloud.consul.config.ConsulPropertySource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;

/**
 * Spring Cloud Consul Config, unchanged, in an app that imports {@code consul:} configuration and
 * is pointed at Cairn's Consul-compatible front door, which has no KV store: the app starts without
 * configuration, as against a Consul with no keys, its config watch waits on the door's blocking
 * reads, and a write through its Consul client is an error (decision 0224).
 */
class SpringCloudConsulConfigTest {

  // One watch per client address: a blocking read the app's config watch holds shows as a 429 to
  // the test's own blocking query from the same address.
  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(b -> b.frontDoor(ConsulApi.frontDoor(0)).maxWatchesPerClient(1));

  private ConfigurableApplicationContext start(String... more) {
    int consulPort = cairn.server().frontDoors().get(0).address().getPort();
    List<String> properties =
        new ArrayList<>(
            List.of(
                "spring.application.name=hello-app",
                "spring.cloud.consul.host=127.0.0.1",
                "spring.cloud.consul.port=" + consulPort,
                "spring.cloud.consul.discovery.enabled=false",
                "spring.cloud.consul.discovery.catalog-services-watch.enabled=false",
                "spring.cloud.service-registry.auto-registration.enabled=false",
                "eureka.client.enabled=false"));
    properties.addAll(List.of(more));
    return HelloApp.start(properties.toArray(String[]::new));
  }

  // Against Cairn before decision 0224 (every KV read a 501), `consul:` failed to start with and
  // without fail-fast ("Config data location 'consul:' does not exist"), `optional:consul:` started
  // with a warning per context; against a Consul with no keys all four start.
  @ParameterizedTest(name = "spring.config.import={0}, fail-fast={1}")
  @CsvSource({
    "consul:, true",
    "consul:, false",
    "optional:consul:, true",
    "optional:consul:, false"
  })
  void anAppImportingConsulConfigStartsWithoutConfiguration(String location, boolean failFast) {
    ConfigurableApplicationContext app =
        start(
            "spring.config.import=" + location, "spring.cloud.consul.config.fail-fast=" + failFast);
    try {
      List<String> contexts = new ArrayList<>();
      for (PropertySource<?> source : app.getEnvironment().getPropertySources()) {
        if (source instanceof ConsulPropertySource consul) {
          contexts.add(consul.getName());
          assertThat(consul.getPropertyNames()).as(consul.getName()).isEmpty();
        }
      }
      // Every context was read, and read as empty.
      assertThat(contexts).contains("config/hello-app/", "config/application/");
      assertThat(app.getEnvironment().getProperty("greeting")).isNull();
    } finally {
      app.close();
    }
  }

  @Test
  void theConfigWatchWaitsOnTheDoorAndAWriteThroughTheAppsClientIsRefused() throws Exception {
    cairn
        .registry()
        .register("default", Instance.builder("web", "127.0.0.1").port("http", 80).build())
        .join();
    long index = cairn.registry().services("default").revision();
    String blockingCatalog =
        cairn.server().frontDoors().get(0).endpoint()
            + "/v1/catalog/services?index="
            + index
            + "&wait=10ms";
    ConfigurableApplicationContext app =
        start("spring.config.import=consul:", "spring.cloud.consul.config.watch.enabled=true");
    try {
      assertThat(app.getBean(ConfigWatch.class).isRunning()).isTrue();
      // The watch's blocking read of the KV store waits at the door (and holds this address' one
      // watch) instead of being answered at once and asked again every second.
      await("the config watch's KV read waits")
          .atMost(Duration.ofSeconds(30))
          .until(() -> status(blockingCatalog) == 429);

      // A client that writes gets an error, never a stored key: nothing is read back.
      ConsulClient client = app.getBean(ConsulClient.class);
      assertThatThrownBy(() -> client.setKVValue("config/hello-app/greeting", "hi"))
          .isInstanceOf(RuntimeException.class);
      assertThat(client.getKVValue("config/hello-app/greeting", null).getStatusCode().value())
          .isEqualTo(404);
    } finally {
      app.close();
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static int status(String url) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
