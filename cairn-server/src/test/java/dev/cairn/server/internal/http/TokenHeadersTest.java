package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.server.CairnServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who acts must not be a guess (decision 0167 addendum): {@code Authorization: Bearer} and {@code
 * X-Cairn-Token} naming two different tokens are refused with 400 naming both headers, with ACLs on
 * and off, and change nothing; the same token in both is served. With ACLs on, an {@code
 * Authorization} of another scheme and no {@code X-Cairn-Token} is a 401 naming {@code
 * authorization}, without showing the value; with ACLs off it is not read. Real servers on
 * loopback.
 */
class TokenHeadersTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private CairnServer server;
  private String management;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest(name = "acl={0}")
  @ValueSource(booleans = {true, false})
  void twoDifferentTokensAreRefusedAndWriteNothing(boolean acl) throws Exception {
    start(acl);
    String other = acl ? otherToken() : "second-secret-0815";
    long before = server.registry().revision();

    HttpResponse<String> r =
        send(
            register("x")
                .header("Authorization", "Bearer " + (acl ? management : "first-secret-4711"))
                .header("X-Cairn-Token", other));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = HttpApiFixture.JSON.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("field").asText()).isEqualTo("token");
    assertThat(error.get("message").asText())
        .isEqualTo(
            "token: Authorization: Bearer and X-Cairn-Token carry different tokens (expected: the"
                + " token in one of the two headers, or the same token in both)")
        .doesNotContain(other);
    assertThat(server.registry().revision()).isEqualTo(before);
  }

  @ParameterizedTest(name = "acl={0}")
  @ValueSource(booleans = {true, false})
  void theSameTokenInBothHeadersIsServed(boolean acl) throws Exception {
    start(acl);
    String token = acl ? management : "a";

    HttpResponse<String> write =
        send(
            register("x")
                .header("Authorization", "bearer  " + token + " ")
                .header("X-Cairn-Token", token));
    HttpResponse<String> read =
        send(
            request("/v1/services/web/instances")
                .header("Authorization", "Bearer " + token)
                .header("X-Cairn-Token", token)
                .GET());

    assertThat(write.statusCode()).as(write.body()).isEqualTo(200);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
  }

  @Test
  void anotherSchemeIsRefusedWithAclsOnNamingItsSchemeOnly() throws Exception {
    start(true);
    String basic = Base64.getEncoder().encodeToString(("ops:" + management).getBytes());

    HttpResponse<String> r =
        send(request("/v1/services/web/instances").header("Authorization", "Basic " + basic).GET());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    JsonNode error = HttpApiFixture.JSON.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(error.get("field").asText()).isEqualTo("authorization");
    assertThat(error.get("message").asText())
        .isEqualTo(
            "authorization: scheme Basic (expected: Bearer <secret>, or the secret in"
                + " X-Cairn-Token: ACLs are on)");
  }

  @Test
  void aValueWithoutASchemeIsRefusedWithoutBeingShown() throws Exception {
    start(true);

    HttpResponse<String> r =
        send(request("/v1/services/web/instances").header("Authorization", management).GET());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(HttpApiFixture.JSON.readTree(r.body()).at("/error/message").asText())
        .startsWith("authorization: a value with no scheme (expected: Bearer <secret>")
        .doesNotContain(management);
  }

  @Test
  void anotherSchemeBesideTheTokenHeaderIsTheProxysAndTheTokenActs() throws Exception {
    start(true);

    HttpResponse<String> r =
        send(
            register("x")
                .header("Authorization", "Basic b3BzOnByb3h5LXBhc3N3b3Jk")
                .header("X-Cairn-Token", management));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void anotherSchemeIsNotReadWithAclsOff() throws Exception {
    start(false);

    HttpResponse<String> r =
        send(register("x").header("Authorization", "Digest username=\"ops\", nonce=\"n\""));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private void start(boolean acl) throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(acl).start();
    if (acl) {
      HttpResponse<String> boot =
          send(request("/v1/acl/bootstrap").POST(HttpRequest.BodyPublishers.noBody()));
      management = HttpApiFixture.JSON.readTree(boot.body()).get("secret").asText();
    }
  }

  /** A second management token. */
  private String otherToken() {
    return server
        .registry()
        .acls()
        .createToken("other", java.util.List.of("global-management"))
        .join()
        .secret();
  }

  private HttpRequest.Builder register(String id) {
    return request("/v1/services/web/instances/" + id)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"10.0.0.1\"}"));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
