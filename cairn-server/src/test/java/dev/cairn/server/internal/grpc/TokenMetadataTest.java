package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gRPC twin of {@code TokenHeadersTest}: {@code authorization: Bearer} and {@code
 * x-cairn-token} metadata naming two different tokens end the call {@code INVALID_ARGUMENT} (ACLs
 * on and off), the same token in both is served, and with ACLs on another {@code authorization}
 * scheme is {@code UNAUTHENTICATED}. A real server on loopback.
 */
class TokenMetadataTest {

  private TestServer t;

  @AfterEach
  void stop() {
    if (t != null) {
      t.close();
    }
  }

  @ParameterizedTest(name = "acl={0}")
  @ValueSource(booleans = {true, false})
  void twoDifferentTokensAreRefused(boolean acl) {
    t = TestServer.start(b -> b.acl(acl));
    String a = acl ? token("a") : "first-secret-4711";
    String b = acl ? token("b") : "second-secret-0815";

    StatusRuntimeException e =
        catchThrowableOfType(() -> list(metadata("Bearer " + a, b)), StatusRuntimeException.class);

    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .contains("Authorization: Bearer and X-Cairn-Token carry different tokens")
        .doesNotContain(b);
  }

  @ParameterizedTest(name = "acl={0}")
  @ValueSource(booleans = {true, false})
  void theSameTokenInBothIsServed(boolean acl) {
    t = TestServer.start(b -> b.acl(acl));
    String a = acl ? token("a") : "first-secret-4711";

    assertThat(list(metadata("Bearer " + a, a)).getRevision()).isNotNegative();
  }

  @Test
  void anotherSchemeIsUnauthenticatedWithAclsOn() {
    t = TestServer.start(b -> b.acl(true));

    StatusRuntimeException e =
        catchThrowableOfType(
            () -> list(metadata("Basic b3BzOnNlY3JldA==", null)), StatusRuntimeException.class);

    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).startsWith("authorization: scheme Basic");
  }

  @Test
  void anotherSchemeIsNotReadWithAclsOff() {
    t = TestServer.start();

    assertThat(list(metadata("Basic b3BzOnNlY3JldA==", null)).getRevision()).isNotNegative();
  }

  private String token(String name) {
    return t.registry().acls().createToken(name, List.of("global-management")).join().secret();
  }

  private static Metadata metadata(String authorization, String token) {
    Metadata md = new Metadata();
    if (authorization != null) {
      md.put(AclInterceptor.AUTHORIZATION, authorization);
    }
    if (token != null) {
      md.put(AclInterceptor.TOKEN, token);
    }
    return md;
  }

  private dev.cairn.proto.v1.ListServicesResponse list(Metadata md) {
    return RegistryGrpc.newBlockingStub(t.channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listServices(ListServicesRequest.newBuilder().setNamespace("default").build());
  }
}
