package dev.cairn.server.internal.grpc;

import static dev.cairn.server.internal.grpc.Fixtures.instance;
import static dev.cairn.server.internal.grpc.Fixtures.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.InstanceKind;
import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc.RegistryBlockingStub;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.server.core.ServiceSnapshot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad request is answered with the status its {@code ErrorCode} maps to and a message naming
 * the field, and changes nothing.
 */
class BadInputTest {

  private static TestServer t;

  @BeforeAll
  static void start() {
    t = TestServer.start();
    t.blocking.register(register("web", "web-1"));
  }

  @AfterAll
  static void stop() {
    t.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        bad(
            "register without instance",
            s -> s.register(RegisterRequest.getDefaultInstance()),
            Status.Code.INVALID_ARGUMENT,
            "instance"),
        bad(
            "register with an upper-case service",
            s -> s.register(register("Web", "w")),
            Status.Code.INVALID_ARGUMENT,
            "service: \"Web\""),
        bad(
            "register without address",
            s -> s.register(req(instance("web", "w").setAddress(""))),
            Status.Code.INVALID_ARGUMENT,
            "address"),
        bad(
            "register with weight 20000",
            s -> s.register(req(instance("web", "w").setWeight(20_000))),
            Status.Code.INVALID_ARGUMENT,
            "weight: 20000 (expected: 1..10000)"),
        bad(
            "register with a negative weight",
            s -> s.register(req(instance("web", "w").setWeight(-1))),
            Status.Code.INVALID_ARGUMENT,
            "weight: -1"),
        bad(
            "register with port 70000",
            s -> s.register(req(instance("web", "w").putPorts("http", 70_000))),
            Status.Code.INVALID_ARGUMENT,
            "ports.http: 70000"),
        bad(
            "register with 33 tags",
            s -> s.register(req(withTags(instance("web", "w"), 33))),
            Status.Code.INVALID_ARGUMENT,
            "tags"),
        bad(
            "register with too much metadata",
            s -> s.register(req(Fixtures.withBulk(instance("web", "w"), 5000))),
            Status.Code.INVALID_ARGUMENT,
            "metadata"),
        bad(
            "register with a bad id",
            s -> s.register(register("web", "a b")),
            Status.Code.INVALID_ARGUMENT,
            "id: \"a b\""),
        bad(
            "register in a bad namespace",
            s -> s.register(register("web", "w").toBuilder().setNamespace("Prod").build()),
            Status.Code.INVALID_ARGUMENT,
            "namespace: \"Prod\""),
        bad(
            "register with an unknown health",
            s -> s.register(req(instance("web", "w").setHealthValue(42))),
            Status.Code.INVALID_ARGUMENT,
            "instance.health: 42"),
        bad(
            "register with an unknown kind",
            s -> s.register(req(instance("web", "w").setKindValue(42))),
            Status.Code.INVALID_ARGUMENT,
            "instance.kind: 42"),
        bad(
            "register an ephemeral instance without session",
            s -> s.register(req(instance("web", "w").setKind(InstanceKind.EPHEMERAL))),
            Status.Code.INVALID_ARGUMENT,
            "session"),
        bad(
            "register a persistent instance with a session",
            s ->
                s.register(
                    req(instance("web", "w").setKind(InstanceKind.PERSISTENT).setSessionId("s1"))),
            Status.Code.INVALID_ARGUMENT,
            "session"),
        bad(
            "register with two different sessions",
            s ->
                s.register(
                    req(instance("web", "w").setSessionId("s1")).toBuilder()
                        .setSessionId("s2")
                        .build()),
            Status.Code.INVALID_ARGUMENT,
            "instance.session_id"),
        bad(
            "register with an unknown session",
            s -> s.register(register("web", "w").toBuilder().setSessionId("nope").build()),
            Status.Code.NOT_FOUND,
            "session: \"nope\""),
        bad(
            "register a message over 1 MiB",
            s -> s.register(req(instance("web", "w").putMetadata("big", "x".repeat(1_100_000)))),
            Status.Code.RESOURCE_EXHAUSTED,
            ""),
        bad(
            "deregister an unknown instance",
            s -> s.deregister(dereg("web", "nobody")),
            Status.Code.NOT_FOUND,
            "nobody"),
        bad(
            "deregister without service",
            s -> s.deregister(dereg("", "web-1")),
            Status.Code.INVALID_ARGUMENT,
            "service"),
        bad(
            "deregister with a bad id",
            s -> s.deregister(dereg("web", "a/b")),
            Status.Code.INVALID_ARGUMENT,
            "instance_id: \"a/b\""),
        bad(
            "get without service",
            s -> s.getService(GetServiceRequest.getDefaultInstance()),
            Status.Code.INVALID_ARGUMENT,
            "service"),
        bad(
            "get in a bad namespace",
            s ->
                s.getService(
                    GetServiceRequest.newBuilder().setNamespace("-x").setService("web").build()),
            Status.Code.INVALID_ARGUMENT,
            "namespace"),
        bad(
            "list in a bad namespace",
            s -> s.listServices(ListServicesRequest.newBuilder().setNamespace("a_b").build()),
            Status.Code.INVALID_ARGUMENT,
            "namespace"),
        bad(
            "watch a bad service",
            s -> s.watch(WatchRequest.newBuilder().setService("a.b").build()).hasNext(),
            Status.Code.INVALID_ARGUMENT,
            "service"),
        bad(
            "watch from a negative revision",
            s ->
                s.watch(WatchRequest.newBuilder().setService("web").setFromRevision(-1).build())
                    .hasNext(),
            Status.Code.INVALID_ARGUMENT,
            "revision: -1"),
        bad(
            "watch from a future revision",
            s ->
                s.watch(
                        WatchRequest.newBuilder()
                            .setService("web")
                            .setFromRevision(1_000_000)
                            .build())
                    .hasNext(),
            Status.Code.INVALID_ARGUMENT,
            "revision: 1000000"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRejectedAndChangesNothing(
      String name, Consumer<RegistryBlockingStub> call, Status.Code code, String message) {
    long revision = t.registry().revision();
    ServiceSnapshot web = t.registry().service("default", "web");

    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> call.accept(t.blocking));

    assertThat(e).as(name).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).contains(message);
    assertThat(t.registry().revision()).isEqualTo(revision);
    assertThat(t.registry().service("default", "web")).isSameAs(web);
    assertThat(t.registry().instanceCount()).isEqualTo(1);
    assertThat(t.registry().watcherCount()).isZero();
  }

  private static Arguments bad(
      String name, Consumer<RegistryBlockingStub> call, Status.Code code, String message) {
    return Arguments.of(name, call, code, message);
  }

  private static RegisterRequest req(dev.cairn.proto.v1.Instance.Builder instance) {
    return RegisterRequest.newBuilder().setInstance(instance).build();
  }

  private static DeregisterRequest dereg(String service, String id) {
    return DeregisterRequest.newBuilder().setService(service).setInstanceId(id).build();
  }

  private static dev.cairn.proto.v1.Instance.Builder withTags(
      dev.cairn.proto.v1.Instance.Builder b, int n) {
    IntStream.range(0, n).forEach(i -> b.addTags("t" + i));
    return b;
  }
}
