package dev.cairn.examples.rest;

import dev.cairn.client.CairnClient;
import dev.cairn.http.CairnHttpClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Calls {@code http://hello/hello} by name in a loop and prints who answered: start and stop {@link
 * HelloServer} instances meanwhile and watch calls move.
 *
 * <p>Run: {@code mvn -B -q -pl cairn-examples -am verify -DskipTests -Dexample=rest.client}
 * (options through {@code -Dexec.args}: {@code --registries 127.0.0.1:8501 --calls 600
 * --interval-ms 500}); at most {@code calls} calls, and at most ten minutes.
 */
public final class HelloClient {

  private HelloClient() {}

  public static void main(String[] argv) throws Exception {
    Args args =
        new Args(
            argv, Map.of("registries", "127.0.0.1:8501", "calls", "600", "interval-ms", "500"));
    int calls = args.integer("calls");
    Duration interval = Duration.ofMillis(args.integer("interval-ms"));
    long endNanos = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://hello/hello"))
            .timeout(Duration.ofSeconds(2))
            .build();
    try (CairnClient cairn =
            CairnClient.builder()
                .registries(args.get("registries"))
                .clientName("hello-client")
                .build();
        CairnHttpClient http = CairnHttpClient.builder(cairn).build()) {
      for (int i = 1; i <= calls && System.nanoTime() < endNanos; i++) {
        try {
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          System.out.printf(
              "%d: %d from %s %s%n",
              i, response.statusCode(), response.uri().getAuthority(), response.body());
        } catch (Exception e) {
          System.out.printf("%d: failed: %s%n", i, e);
        }
        Thread.sleep(interval.toMillis());
      }
    }
  }
}
