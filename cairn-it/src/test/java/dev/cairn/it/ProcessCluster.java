package dev.cairn.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
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

  ProcessCluster(int n, Path dir) throws IOException {
    int[] ports = freePorts(n);
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < n; i++) {
      peers
          .append(i == 0 ? "" : ",")
          .append("n")
          .append(i + 1)
          .append("=127.0.0.1:")
          .append(ports[i]);
    }
    for (int i = 0; i < n; i++) {
      members.add(
          new Member("n" + (i + 1), ports[i], dir.resolve("n" + (i + 1)), peers.toString()));
    }
  }

  void start() throws IOException {
    for (Member m : members) {
      m.start();
    }
  }

  /** The member every live member names as leader, or null when they do not agree yet. */
  Member leader() {
    String agreed = null;
    for (Member m : members) {
      if (!m.alive()) {
        continue;
      }
      try {
        JsonNode s = get(m, "/v1/status", Duration.ofSeconds(2));
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

  static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
    return ports;
  }
}
