package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small stand-in for the server's HTTP API, on an ephemeral loopback port. It implements only
 * what the CLI uses, one namespace, and lets a test break watch streams to exercise resuming. The
 * CLI tests prefer the real server; this fake covers what a real one cannot easily do on demand.
 */
final class FakeHttpApiServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer http;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  // Guarded by "this": instances by service then id, the revision, and every event so far.
  private final Map<String, Map<String, ObjectNode>> services = new TreeMap<>();
  private final List<String[]> history = new ArrayList<>();
  private long revision;
  private final List<BlockingQueue<String[]>> watchers = new CopyOnWriteArrayList<>();
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private volatile int breakWatchesAfter = Integer.MAX_VALUE;

  FakeHttpApiServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
  }

  /** Watch streams opened from now on end after sending this many change events. */
  void breakWatchesAfter(int events) {
    breakWatchesAfter = events;
  }

  /** The Last-Event-ID headers watch requests carried, in order. */
  List<String> lastEventIds() {
    return lastEventIds;
  }

  /** How many watch streams are open. */
  int watchers() {
    return watchers.size();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String[] path = exchange.getRequestURI().getRawPath().split("/");
      if (path.length == 3 && path[2].equals("status")) {
        status(exchange);
      } else if (path.length == 3 && path[2].equals("services")) {
        services(exchange);
      } else if (path.length == 5 && path[4].equals("instances") && method.equals("GET")) {
        instances(exchange, path[3]);
      } else if (path.length == 6 && method.equals("PUT")) {
        register(exchange, path[3], URLDecoder.decode(path[5], StandardCharsets.UTF_8));
      } else if (path.length == 6 && method.equals("DELETE")) {
        deregister(exchange, path[3], URLDecoder.decode(path[5], StandardCharsets.UTF_8));
      } else if (path.length == 5 && path[2].equals("watch")) {
        watch(exchange, path[4]);
      } else {
        error(exchange, 404, "NOT_FOUND", "path: " + exchange.getRequestURI() + " (not found)");
      }
    }
  }

  private synchronized void status(HttpExchange exchange) throws IOException {
    int count = services.values().stream().mapToInt(Map::size).sum();
    ObjectNode body =
        JSON.createObjectNode()
            .put("version", "0.1.0-SNAPSHOT")
            .put("revision", revision)
            .put("uptimeMillis", 3_723_000)
            .put("instances", count)
            .put("sessions", 0)
            .put("pid", 42);
    send(exchange, 200, body);
  }

  private synchronized void services(HttpExchange exchange) throws IOException {
    ObjectNode body = JSON.createObjectNode().put("namespace", "default").put("revision", revision);
    ArrayNode list = body.putArray("services");
    services.forEach(
        (name, instances) -> {
          long rev =
              instances.values().stream()
                  .mapToLong(i -> i.get("modRevision").asLong())
                  .max()
                  .orElse(0);
          list.addObject()
              .put("name", name)
              .put("instances", instances.size())
              .put("passing", instances.size())
              .put("revision", rev);
        });
    send(exchange, 200, body);
  }

  private synchronized void instances(HttpExchange exchange, String service) throws IOException {
    Map<String, List<String>> query = query(exchange.getRequestURI());
    ObjectNode body =
        JSON.createObjectNode()
            .put("namespace", "default")
            .put("service", service)
            .put("revision", revision);
    ArrayNode list = body.putArray("instances");
    for (ObjectNode i : services.getOrDefault(service, Map.of()).values()) {
      List<String> tags = new ArrayList<>();
      i.path("tags").forEach(t -> tags.add(t.asText()));
      boolean match =
          tags.containsAll(query.getOrDefault("tag", List.of()))
              && query
                  .getOrDefault("zone", List.of(i.path("zone").asText()))
                  .contains(i.path("zone").asText());
      if (match) {
        list.add(i);
      }
    }
    send(exchange, 200, body);
  }

  private void register(HttpExchange exchange, String service, String id) throws IOException {
    JsonNode in = JSON.readTree(exchange.getRequestBody());
    int weight = in.path("weight").asInt(100);
    if (weight < 1 || weight > 10_000) {
      error(exchange, 400, "INVALID_ARGUMENT", "weight: " + weight + " (expected: 1..10000)");
      return;
    }
    ObjectNode instance;
    long rev;
    synchronized (this) {
      rev = ++revision;
      Map<String, ObjectNode> instances = services.computeIfAbsent(service, s -> new TreeMap<>());
      ObjectNode before = instances.get(id);
      instance = ((ObjectNode) in).deepCopy();
      instance
          .put("id", id)
          .put("service", service)
          .put("weight", weight)
          .put("health", "passing")
          .put("kind", "persistent")
          .put("createRevision", before == null ? rev : before.get("createRevision").asLong())
          .put("modRevision", rev);
      instances.put(id, instance);
      publish(before == null ? "added" : "updated", rev, instance);
    }
    send(exchange, 200, JSON.createObjectNode().put("revision", rev).set("instance", instance));
  }

  private void deregister(HttpExchange exchange, String service, String id) throws IOException {
    long rev;
    synchronized (this) {
      Map<String, ObjectNode> instances = services.getOrDefault(service, Map.of());
      ObjectNode removed = instances.get(id);
      if (removed == null) {
        rev = -1;
      } else {
        instances.remove(id);
        if (instances.isEmpty()) {
          services.remove(service);
        }
        rev = ++revision;
        publish("removed", rev, removed);
      }
    }
    if (rev < 0) {
      error(exchange, 404, "NOT_FOUND", "instance: \"" + id + "\" (not found)");
      return;
    }
    send(exchange, 200, JSON.createObjectNode().put("revision", rev));
  }

  // Called with "this" held.
  private void publish(String type, long rev, ObjectNode instance) {
    ObjectNode data = JSON.createObjectNode().put("revision", rev);
    data.set("instance", instance.deepCopy());
    String[] event = {type, Long.toString(rev), data.toString()};
    history.add(event);
    watchers.forEach(w -> w.add(event));
  }

  private void watch(HttpExchange exchange, String service) throws IOException {
    String lastEventId = exchange.getRequestHeaders().getFirst("Last-Event-ID");
    if (lastEventId != null) {
      lastEventIds.add(lastEventId);
    }
    BlockingQueue<String[]> queue = new LinkedBlockingQueue<>();
    String snapshot;
    synchronized (this) {
      if (lastEventId == null) {
        ObjectNode data = JSON.createObjectNode().put("revision", revision);
        ArrayNode list = data.putArray("instances");
        services.getOrDefault(service, Map.of()).values().forEach(list::add);
        snapshot = frame("snapshot", Long.toString(revision), data.toString());
      } else {
        snapshot = null;
        long after = Long.parseLong(lastEventId);
        history.stream().filter(e -> Long.parseLong(e[1]) > after).forEach(queue::add);
      }
      watchers.add(queue);
    }
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    int budget = breakWatchesAfter;
    try {
      if (snapshot != null) {
        write(out, snapshot);
      }
      write(out, ": keepalive\n\n");
      for (int sent = 0; sent < budget; sent++) {
        String[] e = queue.poll(30, TimeUnit.SECONDS);
        if (e == null) {
          break;
        }
        if (!service.equals(JSON.readTree(e[2]).path("instance").path("service").asText())) {
          sent--;
          continue;
        }
        write(out, frame(e[0], e[1], e[2]));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The client went away.
    } finally {
      watchers.remove(queue);
    }
  }

  private static String frame(String type, String id, String data) {
    return "event: " + type + "\nid: " + id + "\ndata: " + data + "\n\n";
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void error(HttpExchange exchange, int status, String code, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message);
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static Map<String, List<String>> query(URI uri) {
    Map<String, List<String>> params = new TreeMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return params;
  }
}
