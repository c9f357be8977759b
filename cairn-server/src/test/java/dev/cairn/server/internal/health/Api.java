package dev.cairn.server.internal.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The server's HTTP API as a test calls it, and a watcher recording health changes. */
final class Api {

  static final ObjectMapper JSON = new ObjectMapper();

  private final CairnServer server;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Api(CairnServer server) {
    this.server = server;
  }

  record Reply(int status, JsonNode json, HttpResponse<String> raw) {
    String errorField() {
      return json.path("error").path("field").asText();
    }
  }

  Reply put(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** A PUT with headers, given as name, value, name, value... */
  Reply put(String path, String body, String... headers) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .headers(headers)
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  Reply post(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  /** Registers {@code web/<id>} on 127.0.0.1 with one port and the given check JSON. */
  Reply register(String id, int port, String checkJson) {
    return put(
        "/v1/services/web/instances/" + id,
        "{\"address\":\"127.0.0.1\",\"ports\":{\"http\":"
            + port
            + "},\"check\":"
            + checkJson
            + "}");
  }

  Health health(String id) {
    for (Instance i : server.registry().service("", "web").instances()) {
      if (i.id().equals(id)) {
        return i.health();
      }
    }
    throw new AssertionError("no instance " + id);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path);
  }

  private Reply send(HttpRequest r) {
    try {
      HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
      JsonNode json = resp.body().isEmpty() ? null : JSON.readTree(resp.body());
      return new Reply(resp.statusCode(), json, resp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Watches {@code web} and records "<id>=<HEALTH>" for each UPDATED event. */
  Recorder watch() {
    Recorder r = new Recorder();
    r.watch = server.registry().watchService("", "web", 0, r);
    return r;
  }

  static final class Recorder implements WatchListener {
    final List<String> changes = new CopyOnWriteArrayList<>();
    // Each change with when it was delivered (System.nanoTime), in order.
    final List<Map.Entry<String, Long>> timed = new CopyOnWriteArrayList<>();
    Watch watch;

    @Override
    public void onEvents(List<ServiceEvent> events) {
      for (ServiceEvent e : events) {
        if (e.type() == ServiceEvent.Type.UPDATED) {
          String change = e.instance().id() + "=" + e.instance().health();
          timed.add(Map.entry(change, System.nanoTime()));
          changes.add(change);
        }
      }
    }

    long count(String change) {
      return changes.stream().filter(change::equals).count();
    }
  }
}
