package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.proto.v1.CloseSession;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Session streams per connection and the request rate over gRPC: {@code RESOURCE_EXHAUSTED}, with a
 * {@code retry-after} trailer for the rate (decision 0170).
 */
class GrpcLimitsTest {

  private TestServer t;

  @AfterEach
  void close() {
    if (t != null) {
      t.close();
    }
  }

  private static StreamRecorder<SessionRequest, SessionResponse> open(
      ManagedChannel channel, StreamObserver<SessionRequest>[] requests) {
    StreamRecorder<SessionRequest, SessionResponse> responses = StreamRecorder.create();
    requests[0] = RegistryGrpc.newStub(channel).session(responses);
    requests[0].onNext(
        SessionRequest.newBuilder().setOpen(OpenSession.newBuilder().setClientName("t")).build());
    return responses;
  }

  @Test
  void aConnectionHoldsAtMostItsSessionStreamsAndGetsOneBackWhenOneEnds() {
    t = TestServer.start(b -> b.maxSessionsPerClient(2));
    @SuppressWarnings("unchecked")
    StreamObserver<SessionRequest>[] first = new StreamObserver[1];
    StreamRecorder<SessionRequest, SessionResponse> a = open(t.channel, first);
    assertThat(a.next().hasOpened()).isTrue();
    @SuppressWarnings("unchecked")
    StreamObserver<SessionRequest>[] second = new StreamObserver[1];
    assertThat(open(t.channel, second).next().hasOpened()).isTrue();

    @SuppressWarnings("unchecked")
    StreamObserver<SessionRequest>[] third = new StreamObserver[1];
    Status refused = open(t.channel, third).awaitEnd();
    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription()).contains("sessions: 2 session streams");

    // Another connection has its own.
    @SuppressWarnings("unchecked")
    StreamObserver<SessionRequest>[] elsewhere = new StreamObserver[1];
    assertThat(open(t.newChannel(), elsewhere).next().hasOpened()).isTrue();

    // Closing one gives its place back.
    first[0].onNext(
        SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()).build());
    first[0].onCompleted();
    assertThat(a.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    @SuppressWarnings("unchecked")
    StreamObserver<SessionRequest>[] again = new StreamObserver[1];
    assertThat(open(t.channel, again).next().hasOpened()).isTrue();
  }

  @Test
  void withAclsATokenHoldsAtMostItsSessionStreamsAndWatchesAcrossConnections() {
    t = TestServer.start(b -> b.acl(true).maxPerToken(1, 1));
    String secret = t.registry().acls().bootstrap().join().secret();
    Metadata md = new Metadata();
    md.put(AclInterceptor.TOKEN, secret);
    RegistryGrpc.RegistryStub one =
        RegistryGrpc.newStub(t.channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    RegistryGrpc.RegistryStub other =
        RegistryGrpc.newStub(t.newChannel())
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));

    StreamRecorder<SessionRequest, SessionResponse> first = StreamRecorder.create();
    StreamObserver<SessionRequest> requests = one.session(first);
    requests.onNext(
        SessionRequest.newBuilder().setOpen(OpenSession.newBuilder().setClientName("t")).build());
    assertThat(first.next().hasOpened()).isTrue();
    StreamRecorder<SessionRequest, SessionResponse> second = StreamRecorder.create();
    other
        .session(second)
        .onNext(
            SessionRequest.newBuilder()
                .setOpen(OpenSession.newBuilder().setClientName("t"))
                .build());
    Status refused = second.awaitEnd();
    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription()).contains("per token");

    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    one.watch(WatchRequest.newBuilder().setService("web").build(), watch);
    assertThat(watch.next()).isNotNull();
    StreamRecorder<WatchRequest, WatchResponse> secondWatch = StreamRecorder.create();
    other.watch(WatchRequest.newBuilder().setService("web").build(), secondWatch);
    Status watchRefused = secondWatch.awaitEnd();
    assertThat(watchRefused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(watchRefused.getDescription()).contains("per token");

    // The session stream ends: the token has room again.
    requests.onNext(
        SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()).build());
    requests.onCompleted();
    assertThat(first.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    StreamRecorder<SessionRequest, SessionResponse> again = StreamRecorder.create();
    other
        .session(again)
        .onNext(
            SessionRequest.newBuilder()
                .setOpen(OpenSession.newBuilder().setClientName("t"))
                .build());
    assertThat(again.next().hasOpened()).isTrue();
  }

  @Test
  void aTokensWatchesAreCountedOnceAcrossTheGrpcAndHttpApis() throws Exception {
    t = TestServer.start(b -> b.acl(true).maxPerToken(1, 0));
    String secret = t.registry().acls().bootstrap().join().secret();
    Metadata md = new Metadata();
    md.put(AclInterceptor.TOKEN, secret);
    RegistryGrpc.RegistryStub stub =
        RegistryGrpc.newStub(t.channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    stub.watch(WatchRequest.newBuilder().setService("web").build(), watch);
    assertThat(watch.next()).isNotNull();

    // The gRPC watch holds the token's one: the HTTP API's event stream is refused ...
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpRequest sse =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(
                    "http://127.0.0.1:" + t.server.httpAddress().getPort() + "/v1/watch/services"))
            .header("X-Cairn-Token", secret)
            .build();
    java.net.http.HttpResponse<java.io.InputStream> refused =
        http.send(sse, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(new String(refused.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("per token");

    // ... until it ends.
    watch.cancel();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () -> {
              java.net.http.HttpResponse<java.io.InputStream> r =
                  http.send(sse, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
              r.body().close();
              return r.statusCode() == 200;
            });
  }

  @Test
  void aCallOverTheRateEndsWithResourceExhaustedAndARetryAfterTrailer() {
    // Two calls, then one every 1,000 s: nothing refills during the test.
    t = TestServer.start(b -> b.rateLimit(0.001, 2));
    t.blocking.status(StatusRequest.getDefaultInstance());
    t.blocking.status(StatusRequest.getDefaultInstance());
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> t.blocking.status(StatusRequest.getDefaultInstance()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("rate: over").contains("127.0.0.1");
    assertThat(Long.parseLong(e.getTrailers().get(RateLimitInterceptor.RETRY_AFTER)))
        .isGreaterThanOrEqualTo(900);
  }
}
