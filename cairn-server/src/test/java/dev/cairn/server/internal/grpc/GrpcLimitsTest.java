package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.proto.v1.CloseSession;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
