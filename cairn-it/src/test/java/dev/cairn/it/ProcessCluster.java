package dev.cairn.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.ratis.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** N member JVMs of one cluster on loopback, and the HTTP calls the tests make to them. */
final class ProcessCluster implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final List<Member> members = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String peers;

  ProcessCluster(int n, Path dir) throws IOException {
    this(n, n, dir);
  }

  /** {@code n} members started as the cluster, of {@code listed} in the peer list. */
  ProcessCluster(int n, int listed, Path dir) throws IOException {
    int[] ports = FreePorts.take(listed);
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < n; i++) {
      peers
          .append(i == 0 ? "" : ",")
          .append("n")
          .append(i + 1)
          .append("=127.0.0.1:")
          .append(ports[i]);
    }
    this.peers = peers.toString();
    for (int i = 0; i < listed; i++) {
      String list = i < n ? this.peers : this.peers + ",n" + (i + 1) + "=127.0.0.1:" + ports[i];
      members.add(new Member("n" + (i + 1), ports[i], dir.resolve("n" + (i + 1)), list));
    }
  }

  /** Starts every member. */
  void start() throws IOException {
    start(members.size());
  }

  /** Starts the first {@code n} members. */
  void start(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      members.get(i).start();
    }
  }

  HttpResponse<String> send(Member m, String method, String path, String body, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(m.base() + path)).timeout(timeout);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A metric's value on {@code m}, from its /metrics page; -1 when absent. */
  double metric(Member m, String name) throws IOException, InterruptedException {
    String page = send(m, "GET", "/metrics", null, Duration.ofSeconds(5)).body();
    for (String line : page.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }

  /** The member every live member names as leader, or null when they do not agree yet. */
  Member leader() {
    String agreed = null;
    for (Member m : members) {
      if (!m.alive() || m.outside) {
        continue;
      }
      try {
        JsonNode s = get(m, "/v1/status", Duration.ofSeconds(2));
        if (s.path("role").asText("").equals("not_member")) {
          continue;
        }
        String leader = s.path("leader").asText("");
        if (leader.isEmpty() || (agreed != null && !agreed.equals(leader))) {
          return null;
        }
        agreed = leader;
      } catch (IOException | InterruptedException e) {
        return null;
      }
    }
    for (Member m : members) {
      if (m.id.equals(agreed) && m.alive()) {
        return m;
      }
    }
    return null;
  }

  JsonNode get(Member m, String path, Duration timeout) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(m.base() + path)).timeout(timeout).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(m.id + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  HttpResponse<String> put(Member m, String path, String body, Duration timeout)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(m.base() + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    for (Member m : members) {
      m.kill();
    }
  }
}
