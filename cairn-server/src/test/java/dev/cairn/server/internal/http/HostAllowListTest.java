package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API answers only to its own names in {@code Host} (DNS rebinding, decision 0168), and
 * every write's body is JSON.
 */
class HostAllowListTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static RawHttp.Response get(int port, String host, String path) throws Exception {
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "GET "
              + path
              + " HTTP/1.1\r\n"
              + (host == null ? "" : "Host: " + host + "\r\n")
              + "Connection: close\r\n\r\n");
      return c.read();
    }
  }

  private static RawHttp.Response write(
      int port, String method, String path, String contentType, String body) throws Exception {
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          method
              + " "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1:"
              + port
              + "\r\n"
              + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
              + "Content-Length: "
              + body.length()
              + "\r\nConnection: close\r\n\r\n"
              + body);
      return c.read();
    }
  }

  @Test
  void aServerOnLoopbackRefusesARequestNamingAnotherHostAsARebindingPageSendsIt() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start()) {
      int port = server.httpAddress().getPort();
      for (String path : new String[] {"/v1/services", "/ui/", "/v1/status", "/nope"}) {
        RawHttp.Response r = get(port, "evil.example:" + port, path);
        assertThat(r.status()).as(path).isEqualTo(403);
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(error.get("field").asText()).isEqualTo("host");
        assertThat(error.get("message").asText())
            .contains("evil.example:" + port)
            .contains("--allowed-hosts");
      }
      for (String host :
          new String[] {
            "127.0.0.1:" + port,
            "localhost:" + port,
            "LocalHost",
            "[::1]:" + port,
            "127.0.0.2",
            "app.localhost:" + port,
            "localhost.:" + port,
            "10.1.2.3:" + port,
            null
          }) {
        assertThat(get(port, host, "/v1/services").status())
            .as(String.valueOf(host))
            .isEqualTo(200);
      }
    }
  }

  @Test
  void namesGivenWithAllowedHostsAndTheBoundNameAreServed() throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .bind("localhost")
            .httpPort(0)
            .grpcPort(0)
            .allowedHosts(List.of("cairn.internal", "Registry.Example."))
            .start()) {
      int port = server.httpAddress().getPort();
      assertThat(get(port, "cairn.internal:" + port, "/v1/services").status()).isEqualTo(200);
      assertThat(get(port, "registry.example", "/v1/services").status()).isEqualTo(200);
      assertThat(get(port, "other.example", "/v1/services").status()).isEqualTo(403);
      RawHttp.Response r = get(port, "other.example", "/v1/services");
      assertThat(JSON.readTree(r.body()).get("error").get("message").asText())
          .contains("cairn.internal")
          .contains("registry.example");
    }
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .allowedHosts(List.of("*"))
            .start()) {
      int port = server.httpAddress().getPort();
      assertThat(get(port, "anything.example", "/v1/services").status()).isEqualTo(200);
    }
  }

  @Test
  void theListFollowsTheBindAndChecksItsNames() throws Exception {
    HostAllowList loopback = HostAllowList.forBind("127.0.0.1", LOOPBACK, List.of());
    assertThat(loopback.allowsAny()).isFalse();
    assertThat(loopback.allows("evil.example")).isFalse();
    assertThat(loopback.allows("localhost.evil.example")).isFalse();
    assertThat(loopback.allows("127.0.0.1.evil.example")).isFalse();
    assertThat(loopback.allows("")).isFalse();
    assertThat(loopback.allows(":8500")).isFalse();
    assertThat(loopback.allows("::1")).isFalse(); // unbracketed
    assertThat(loopback.allows("[::1]")).isTrue();
    assertThat(loopback.allows("[::1")).isFalse();
    // Off loopback with no names: any host (it authenticates its clients instead).
    InetAddress lan = InetAddress.getByName("192.0.2.10");
    assertThat(HostAllowList.forBind("192.0.2.10", lan, List.of()).allowsAny()).isTrue();
    HostAllowList named = HostAllowList.forBind("0.0.0.0", lan, List.of("cairn.internal"));
    assertThat(named.allows("cairn.internal:8500")).isTrue();
    assertThat(named.allows("other.internal:8500")).isFalse();
    assertThatThrownBy(() -> HostAllowList.forBind("x", LOOPBACK, List.of("a b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"a b\"");
    assertThatThrownBy(
            () -> CairnServer.builder().allowedHosts(List.of("cairn.internal:8500")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedHosts");
  }

  @Test
  void everyWriteWithABodyNeedsJsonAlsoWhereTheBodyIsNotRead() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start()) {
      int port = server.httpAddress().getPort();
      // What a form on any page can send without a CORS preflight.
      for (String type :
          new String[] {
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            null
          }) {
        RawHttp.Response bootstrap = write(port, "POST", "/v1/acl/bootstrap", type, "a=b");
        assertThat(bootstrap.status()).as(String.valueOf(type)).isEqualTo(415);
        assertThat(JSON.readTree(bootstrap.body()).get("error").get("field").asText())
            .isEqualTo("content-type");
        assertThat(write(port, "POST", "/v1/sessions", type, "a=b").status()).isEqualTo(415);
        assertThat(write(port, "DELETE", "/v1/sessions/s1", type, "a=b").status()).isEqualTo(415);
      }
      assertThat(server.registry().acls().bootstrapped()).isFalse();
      assertThat(server.registry().sessionCount()).isZero();
      // JSON, and no body at all, are served.
      assertThat(write(port, "POST", "/v1/sessions", "application/json", "{}").status())
          .isEqualTo(200);
      assertThat(write(port, "POST", "/v1/sessions", null, "").status()).isEqualTo(200);
      assertThat(server.registry().sessionCount()).isEqualTo(2);
    }
  }
}
