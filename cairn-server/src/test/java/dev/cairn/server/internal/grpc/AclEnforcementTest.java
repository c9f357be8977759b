package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v1.AwaitDrainedRequest;
import dev.cairn.proto.v1.DeregisterInstance;
import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.Health;
import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ReportHealthRequest;
import dev.cairn.proto.v1.RequestResult;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.internal.auth.Requirement;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every method of {@code cairn.v1.Registry}, with ACLs on: no token, an unknown token, a token
 * without the method's right and a token with exactly that right give {@code UNAUTHENTICATED} /
 * {@code PERMISSION_DENIED} / {@code PERMISSION_DENIED} / an answer that is not a refusal.
 * Generated from the service descriptor: a new method without a call here or a rule in {@link
 * GrpcRules} fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclEnforcementTest {

  private TestServer t;
  private String nothing;

  /** How to call each method with a stub; the outcome is the call's status code. */
  private final Map<String, Function<RegistryGrpc.RegistryStub, Status.Code>> calls =
      Map.of(
          RegistryGrpc.getRegisterMethod().getFullMethodName(),
          s -> unary(() -> blocking(s).register(Fixtures.register("web", "w1"))),
          RegistryGrpc.getDeregisterMethod().getFullMethodName(),
          s ->
              unary(
                  () ->
                      blocking(s)
                          .deregister(
                              DeregisterRequest.newBuilder()
                                  .setService("web")
                                  .setInstanceId("w1")
                                  .build())),
          RegistryGrpc.getGetServiceMethod().getFullMethodName(),
          s ->
              unary(
                  () ->
                      blocking(s)
                          .getService(GetServiceRequest.newBuilder().setService("web").build())),
          RegistryGrpc.getListServicesMethod().getFullMethodName(),
          s -> unary(() -> blocking(s).listServices(ListServicesRequest.getDefaultInstance())),
          RegistryGrpc.getStatusMethod().getFullMethodName(),
          s -> unary(() -> blocking(s).status(StatusRequest.getDefaultInstance())),
          RegistryGrpc.getReportHealthMethod().getFullMethodName(),
          s ->
              unary(
                  () ->
                      blocking(s)
                          .reportHealth(
                              ReportHealthRequest.newBuilder()
                                  .setService("web")
                                  .setInstanceId("w1")
                                  .setHealth(Health.PASSING)
                                  .build())),
          RegistryGrpc.getWatchMethod().getFullMethodName(),
          s -> {
            StreamRecorder<WatchRequest, WatchResponse> r = StreamRecorder.create();
            s.watch(WatchRequest.newBuilder().setService("web").build(), r);
            return firstOrEnd(r);
          },
          RegistryGrpc.getWatchWithAcksMethod().getFullMethodName(),
          s -> {
            StreamRecorder<WatchClientMessage, WatchResponse> r = StreamRecorder.create();
            StreamObserver<WatchClientMessage> in = s.watchWithAcks(r);
            in.onNext(
                WatchClientMessage.newBuilder()
                    .setWatch(WatchRequest.newBuilder().setService("web"))
                    .build());
            return firstOrEnd(r);
          },
          RegistryGrpc.getAwaitDrainedMethod().getFullMethodName(),
          s ->
              unary(
                  () ->
                      blocking(s)
                          .awaitDrained(
                              AwaitDrainedRequest.newBuilder()
                                  .setService("web")
                                  .setRevision(1)
                                  .setTimeoutMillis(1)
                                  .build())),
          RegistryGrpc.getSessionMethod().getFullMethodName(),
          s -> {
            StreamRecorder<SessionRequest, SessionResponse> r = StreamRecorder.create();
            s.session(r)
                .onNext(
                    SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()).build());
            return firstOrEnd(r);
          });

  @BeforeAll
  void start() {
    t = TestServer.start(b -> b.acl(true));
    t.registry().acls().bootstrap().join();
    t.registry().acls().createPolicy(new Policy("nothing", "", List.of())).join();
    nothing = t.registry().acls().createToken("", List.of("nothing")).join().secret();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  @TestFactory
  Stream<DynamicTest> everyMethodRefusesWithoutItsRightAndAnswersWithIt() {
    List<DynamicTest> tests = new ArrayList<>();
    for (MethodDescriptor<?, ?> m : RegistryGrpc.getServiceDescriptor().getMethods()) {
      String name = m.getFullMethodName();
      tests.add(DynamicTest.dynamicTest(name, () -> check(name)));
    }
    return tests.stream();
  }

  private void check(String method) {
    Requirement rule = GrpcRules.of(method);
    assertThat(rule).as("the ACL rule of %s", method).isNotNull();
    Function<RegistryGrpc.RegistryStub, Status.Code> call = calls.get(method);
    assertThat(call).as("a call of %s in this test", method).isNotNull();

    assertThat(call.apply(stub(null, false))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(call.apply(stub("not-a-token", true))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(call.apply(stub(nothing, false))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(call.apply(stub(tokenWith(method, rule), true)))
        .isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
  }

  @Test
  void aSessionStreamRegistersOnlyWhereItsTokenMayWrite() {
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "sessions-on-web",
                "",
                List.of(
                    Rule.of(Resource.SESSION, Access.WRITE),
                    new Rule(Resource.SERVICE, "*", "web", Access.WRITE))))
        .join();
    String token = t.registry().acls().createToken("", List.of("sessions-on-web")).join().secret();
    StreamRecorder<SessionRequest, SessionResponse> r = StreamRecorder.create();
    StreamObserver<SessionRequest> in = stub(token, false).session(r);
    in.onNext(SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()).build());
    assertThat(r.next().hasOpened()).isTrue();

    in.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(1)
                    .setInstance(Fixtures.instance("web-api", "a")))
            .build());
    in.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(2)
                    .setInstance(Fixtures.instance("db", "b")))
            .build());
    in.onNext(
        SessionRequest.newBuilder()
            .setDeregister(
                DeregisterInstance.newBuilder().setRequestId(3).setService("db").setInstanceId("b"))
            .build());
    List<RequestResult> results = new ArrayList<>();
    while (results.size() < 3) {
      SessionResponse m = r.next();
      if (m.hasResult()) {
        results.add(m.getResult());
      } else {
        results.addAll(m.getResults().getResultsList());
      }
    }
    results.sort(java.util.Comparator.comparingLong(RequestResult::getRequestId));
    assertThat(results.get(0).getErrorCode()).isZero();
    assertThat(results.get(1).getErrorCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
    assertThat(results.get(1).getErrorMessage()).contains("may not write service default/db");
    assertThat(results.get(2).getErrorCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
  }

  // Decision 0234: a request in a session stream is checked with its token's rights of the
  // moment, not those of when the stream opened.
  @Test
  void aSessionStreamOfADeletedTokenRegistersNothingMore() {
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "sessions-on-api",
                "",
                List.of(
                    Rule.of(Resource.SESSION, Access.WRITE),
                    new Rule(Resource.SERVICE, "*", "api", Access.WRITE))))
        .join();
    var issued = t.registry().acls().createToken("", List.of("sessions-on-api")).join();
    StreamRecorder<SessionRequest, SessionResponse> r = StreamRecorder.create();
    StreamObserver<SessionRequest> in = stub(issued.secret(), false).session(r);
    in.onNext(SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()).build());
    assertThat(r.next().hasOpened()).isTrue();
    in.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(1)
                    .setInstance(Fixtures.instance("api", "before")))
            .build());
    assertThat(sessionResult(r).getErrorCode()).isZero();

    t.registry().acls().deleteToken(issued.token().accessorId()).join();
    in.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(2)
                    .setInstance(Fixtures.instance("api", "after")))
            .build());

    RequestResult refused = sessionResult(r);
    assertThat(refused.getRequestId()).isEqualTo(2);
    assertThat(refused.getErrorCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
    assertThat(refused.getErrorMessage()).contains("token: unknown");
    assertThat(t.registry().service("default", "api").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactly("before");
    in.onCompleted();
  }

  private static RequestResult sessionResult(StreamRecorder<SessionRequest, SessionResponse> r) {
    SessionResponse m = r.next();
    if (m.hasResult()) {
      return m.getResult();
    }
    assertThat(m.getResults().getResultsList()).hasSize(1);
    return m.getResults().getResults(0);
  }

  @Test
  void listsAndServiceListWatchesShowOnlyTheServicesATokenMayRead() {
    t.registry()
        .register("lists", dev.cairn.common.Instance.builder("shop", "10.0.0.1").id("s1").build())
        .join();
    t.registry()
        .register("lists", dev.cairn.common.Instance.builder("db", "10.0.0.2").id("d1").build())
        .join();
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "read-shop", "", List.of(new Rule(Resource.SERVICE, "lists", "shop", Access.READ))))
        .join();
    String token = t.registry().acls().createToken("", List.of("read-shop")).join().secret();

    assertThat(
            blocking(stub(token, false))
                .listServices(ListServicesRequest.newBuilder().setNamespace("lists").build())
                .getServicesList())
        .extracting(s -> s.getName())
        .containsExactly("shop");
    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    stub(token, true).watch(WatchRequest.newBuilder().setNamespace("lists").build(), watch);
    assertThat(watch.next().getServices().getServicesList())
        .extracting(s -> s.getName())
        .containsExactly("shop");
    t.registry()
        .register("lists", dev.cairn.common.Instance.builder("shop-2", "10.0.0.3").id("x").build())
        .join();
    t.registry()
        .register("lists", dev.cairn.common.Instance.builder("db-2", "10.0.0.4").id("y").build())
        .join();
    List<String> last = List.of();
    while (!last.contains("shop-2")) {
      last = watch.next().getServices().getServicesList().stream().map(s -> s.getName()).toList();
      assertThat(last).doesNotContain("db", "db-2");
    }
    // A namespace where it may read nothing is still refused.
    assertThat(
            unary(
                () ->
                    blocking(stub(token, false))
                        .listServices(
                            ListServicesRequest.newBuilder().setNamespace("other").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  // Decision 0217: a watch open before its token was deleted ends at its next event.
  @Test
  void aWatchEndsWhenItsTokenIsDeletedAndShowsNothingAfter() {
    t.registry()
        .register("revoked", dev.cairn.common.Instance.builder("pay", "10.0.0.1").id("p1").build())
        .join();
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "read-pay", "", List.of(new Rule(Resource.SERVICE, "revoked", "pay", Access.READ))))
        .join();
    var issued = t.registry().acls().createToken("", List.of("read-pay")).join();
    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    stub(issued.secret(), true)
        .watch(WatchRequest.newBuilder().setNamespace("revoked").setService("pay").build(), watch);
    assertThat(watch.next().getSnapshot().getInstancesList()).hasSize(1);

    t.registry().acls().deleteToken(issued.token().accessorId()).join();
    t.registry()
        .register("revoked", dev.cairn.common.Instance.builder("pay", "10.0.0.9").id("p2").build())
        .join();

    Status end = watch.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(end.getDescription()).contains("token: unknown", "token was deleted");
    assertThat(watch.drain()).isEmpty();
  }

  // Decision 0217: a service-list watch shows what the token may read now, not when it began.
  @Test
  void aServiceListWatchFollowsItsTokensPolicies() {
    t.registry()
        .register("narrowed", dev.cairn.common.Instance.builder("shop", "10.0.0.1").id("s").build())
        .join();
    t.registry()
        .register("narrowed", dev.cairn.common.Instance.builder("db", "10.0.0.2").id("d").build())
        .join();
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "narrowed-shop",
                "",
                List.of(new Rule(Resource.SERVICE, "narrowed", "shop", Access.READ))))
        .join();
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "narrowed-db",
                "",
                List.of(new Rule(Resource.SERVICE, "narrowed", "db", Access.READ))))
        .join();
    String token =
        t.registry()
            .acls()
            .createToken("", List.of("narrowed-shop", "narrowed-db"))
            .join()
            .secret();
    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    stub(token, false).watch(WatchRequest.newBuilder().setNamespace("narrowed").build(), watch);
    assertThat(watch.next().getServices().getServicesList())
        .extracting(s -> s.getName())
        .containsExactlyInAnyOrder("shop", "db");

    t.registry().acls().deletePolicy("narrowed-db").join();
    t.registry()
        .register("narrowed", dev.cairn.common.Instance.builder("db", "10.0.0.3").id("d2").build())
        .join();
    t.registry()
        .register(
            "narrowed", dev.cairn.common.Instance.builder("shop", "10.0.0.4").id("s2").build())
        .join();

    List<WatchResponse> seen =
        watch.nextUntil(
            r ->
                r.getServices().getServicesList().stream()
                    .anyMatch(s -> s.getName().equals("shop") && s.getInstanceCount() == 2));
    assertThat(seen.get(seen.size() - 1).getServices().getServicesList())
        .extracting(s -> s.getName())
        .containsExactly("shop");
    assertThat(seen)
        .allSatisfy(
            r ->
                assertThat(r.getServices().getServicesList())
                    .noneMatch(s -> s.getName().equals("db") && s.getInstanceCount() == 2));
  }

  // Decision 0164: a policy created under a deleted one's name gives nothing to the old tokens.
  @Test
  void aPolicyCreatedUnderADeletedOnesNameGivesNothingToItsOldTokens() {
    t.registry()
        .acls()
        .createPolicy(new Policy("tmp-grpc", "", List.of(Rule.of(Resource.CLUSTER, Access.READ))))
        .join();
    String old = t.registry().acls().createToken("old", List.of("tmp-grpc")).join().secret();
    Function<RegistryGrpc.RegistryStub, Status.Code> status =
        calls.get(RegistryGrpc.getStatusMethod().getFullMethodName());
    assertThat(status.apply(stub(old, true))).isEqualTo(Status.Code.OK);

    t.registry().acls().deletePolicy("tmp-grpc").join();
    t.registry()
        .acls()
        .createPolicy(
            new Policy(
                "tmp-grpc",
                "",
                List.of(
                    Rule.of(Resource.CLUSTER, Access.WRITE), Rule.of(Resource.ACL, Access.WRITE))))
        .join();

    assertThat(status.apply(stub(old, true))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.apply(stub(old, false))).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  // ---- helpers ----

  private String tokenWith(String method, Requirement rule) {
    Rule r =
        rule.resource().scoped()
            ? new Rule(rule.resource(), "*", "", rule.access())
            : Rule.of(rule.resource(), rule.access());
    String name =
        "only-" + method.substring(method.indexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
    t.registry().acls().createPolicy(new Policy(name, "", List.of(r))).join();
    return t.registry().acls().createToken(name, List.of(name)).join().secret();
  }

  /**
   * A stub sending {@code token} (none when null) as {@code authorization} or {@code
   * x-cairn-token}.
   */
  private RegistryGrpc.RegistryStub stub(String token, boolean bearer) {
    RegistryGrpc.RegistryStub s = RegistryGrpc.newStub(t.channel);
    if (token == null) {
      return s;
    }
    Metadata md = new Metadata();
    if (bearer) {
      md.put(AclInterceptor.AUTHORIZATION, "Bearer " + token);
    } else {
      md.put(AclInterceptor.TOKEN, token);
    }
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private static RegistryGrpc.RegistryBlockingStub blocking(RegistryGrpc.RegistryStub s) {
    // The async stub's channel carries its header interceptor.
    return RegistryGrpc.newBlockingStub(s.getChannel()).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static Status.Code unary(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static Status.Code firstOrEnd(StreamRecorder<?, ?> r) {
    return r.firstOrEnd();
  }
}
