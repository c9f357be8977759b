package dev.cairn.compat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.compat.EurekaApi;
import dev.cairn.testing.CairnServerExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Spring Boot app with {@code spring-cloud-starter-netflix-eureka-client}, unchanged, whose
 * {@code defaultZone} points at Cairn: it registers, renews, discovers another app, and disappears
 * when {@code kill -9}ed; a Cairn SDK client sees it come and go (one catalog, several doors).
 */
class SpringCloudEurekaTest {

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(EurekaApi.frontDoor(0)));

  @Test
  void registersRenewsDiscoversAndDisappearsWhenKilled() throws Exception {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("other-app", "127.0.0.1").id("other-1").port("http", 9999).build())
        .join();
    String defaultZone = cairn.server().frontDoors().get(0).endpoint();
    Process app =
        start(
            "spring.application.name=eureka-app",
            "eureka.client.service-url.defaultZone=" + defaultZone,
            "eureka.client.registry-fetch-interval-seconds=1",
            "eureka.instance.lease-renewal-interval-in-seconds=1",
            "eureka.instance.lease-expiration-duration-in-seconds=3",
            "eureka.instance.prefer-ip-address=true",
            "eureka.instance.ip-address=127.0.0.1",
            "eureka.instance.instance-id=eureka-app-1",
            "spring.cloud.consul.enabled=false",
            "spring.cloud.consul.discovery.enabled=false");
    try (CairnClient sdk =
        CairnClient.builder()
            .registries("127.0.0.1:" + cairn.server().grpcAddress().getPort())
            .removalProtection(false)
            .shutdownHook(false)
            .build()) {
      int port = port(app);
      ServiceView view = sdk.view("eureka-app");

      await("registered, seen by the SDK")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(view.instances())
                      .singleElement()
                      .satisfies(
                          i -> {
                            assertThat(i.id()).isEqualTo("eureka-app-1");
                            assertThat(i.port("http")).isEqualTo(port);
                          }));
      Instance registered = cairn.registry().service("default", "eureka-app").instances().get(0);
      assertThat(registered.kind()).isEqualTo(InstanceKind.EPHEMERAL);

      await("discovers the other app through Eureka")
          .atMost(Duration.ofSeconds(60))
          .until(() -> get(port, "/instances/other-app").equals("[\"127.0.0.1:9999\"]"));

      // Renewals keep the 3 s lease alive well past its duration.
      await("renewed")
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(10))
          .until(() -> view.instances().size() == 1);
      assertThat(cairn.registry().service("default", "eureka-app").instances().get(0).sessionId())
          .isEqualTo(registered.sessionId());

      app.destroyForcibly();
      assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();

      await("gone once its lease ran out")
          .atMost(Duration.ofSeconds(30))
          .until(() -> view.instances().isEmpty());
      assertThat(cairn.registry().service("default", "eureka-app").instances()).isEmpty();
    } finally {
      app.destroyForcibly();
    }
  }

  private static Process start(String... properties) throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin.toString(),
                "-cp",
                classpath,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                HelloApp.class.getName()));
    command.addAll(List.of(properties));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Reads the child's output up to its {@code started <port>} line. */
  private static int port(Process app) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("started ")) {
        return Integer.parseInt(line.substring("started ".length()).trim());
      }
    }
    throw new AssertionError("the app exited: " + app.waitFor());
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
