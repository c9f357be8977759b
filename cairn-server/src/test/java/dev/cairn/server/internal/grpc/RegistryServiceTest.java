package dev.cairn.server.internal.grpc;

import static dev.cairn.server.internal.grpc.Fixtures.instance;
import static dev.cairn.server.internal.grpc.Fixtures.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.DeregisterResponse;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.Health;
import dev.cairn.proto.v1.InstanceKind;
import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.ListServicesResponse;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegisterResponse;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.proto.v1.StatusResponse;
import dev.cairn.server.internal.BuildInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The unary calls of {@code cairn.v1.Registry} over a real loopback connection. */
class RegistryServiceTest {

  private final TestServer t = TestServer.start();

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void registerStoresTheInstanceAndAnswersWithItsRevision() {
    RegisterResponse r =
        t.blocking.register(
            RegisterRequest.newBuilder()
                .setNamespace("prod")
                .setInstance(
                    instance("web", "web-1")
                        .addTags("v1")
                        .putMetadata("k", "v")
                        .setZone("z1")
                        .setHealth(Health.WARNING))
                .build());

    assertThat(r.getRevision()).isEqualTo(t.registry().revision()).isPositive();
    assertThat(r.getInstance().getId()).isEqualTo("web-1");
    assertThat(r.getInstance().getWeight()).isEqualTo(100);
    assertThat(r.getInstance().getKind()).isEqualTo(InstanceKind.PERSISTENT);
    assertThat(r.getInstance().getCreateRevision()).isEqualTo(r.getRevision());
    assertThat(r.getInstance().getModRevision()).isEqualTo(r.getRevision());
    dev.cairn.common.Instance stored = t.registry().service("prod", "web").instances().get(0);
    assertThat(stored.tags()).containsExactly("v1");
    assertThat(stored.metadata()).containsEntry("k", "v");
    assertThat(stored.zone()).isEqualTo("z1");
    assertThat(stored.health()).isEqualTo(dev.cairn.common.Health.WARNING);
    assertThat(stored.port("http")).isEqualTo(8080);
  }

  @Test
  void registerWithoutIdGetsAGeneratedOne() {
    RegisterResponse r =
        t.blocking.register(RegisterRequest.newBuilder().setInstance(instance("web", "")).build());

    assertThat(r.getInstance().getId()).isNotEmpty();
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactly(r.getInstance().getId());
  }

  @Test
  void getServiceAnswersTheInstancesAndBothRevisions() {
    long first = t.blocking.register(register("web", "web-1")).getRevision();
    long second = t.blocking.register(register("web", "web-2")).getRevision();
    long other = t.blocking.register(register("db", "db-1")).getRevision();

    GetServiceResponse r =
        t.blocking.getService(GetServiceRequest.newBuilder().setService("web").build());

    assertThat(first).isLessThan(second);
    assertThat(r.getServiceRevision()).isEqualTo(second);
    assertThat(r.getRevision()).isEqualTo(other);
    assertThat(r.getInstancesList())
        .extracting(dev.cairn.proto.v1.Instance::getId)
        .containsExactly("web-1", "web-2");
  }

  @Test
  void readsNameTheRegistryAndWaitOnlyForARevisionOfIt() {
    long revision = t.blocking.register(register("web", "web-1")).getRevision();
    String id = t.registry().historyId();
    assertThat(id).isNotEmpty();

    GetServiceResponse r =
        t.blocking.getService(GetServiceRequest.newBuilder().setService("web").build());
    assertThat(r.getRegistryId()).isEqualTo(id);
    assertThat(t.blocking.listServices(ListServicesRequest.getDefaultInstance()).getRegistryId())
        .isEqualTo(id);

    // A revision of another registry means nothing here: answered at once (decision 0201).
    GetServiceResponse other =
        t.blocking
            .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
            .getService(
                GetServiceRequest.newBuilder()
                    .setService("web")
                    .setMinRevision(revision + 100)
                    .setRegistryId("another-registry")
                    .build());
    assertThat(other.getRevision()).isEqualTo(revision);
    // One of this registry that it has not reached: "behind", before the caller's deadline.
    assertThatThrownBy(
            () ->
                t.blocking
                    .withDeadlineAfter(1, java.util.concurrent.TimeUnit.SECONDS)
                    .getService(
                        GetServiceRequest.newBuilder()
                            .setService("web")
                            .setMinRevision(revision + 100)
                            .setRegistryId(id)
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("behind");
            });
  }

  @Test
  void getServiceOfAnUnknownServiceIsEmpty() {
    GetServiceResponse r =
        t.blocking.getService(GetServiceRequest.newBuilder().setService("nothing").build());

    assertThat(r.getInstancesList()).isEmpty();
    assertThat(r.getServiceRevision()).isZero();
  }

  @Test
  void listServicesCountsInstancesAndPassingOnes() {
    t.blocking.register(register("web", "web-1"));
    t.blocking.register(
        RegisterRequest.newBuilder()
            .setInstance(instance("web", "web-2").setHealth(Health.CRITICAL))
            .build());
    long last = t.blocking.register(register("db", "db-1")).getRevision();

    ListServicesResponse r = t.blocking.listServices(ListServicesRequest.getDefaultInstance());

    assertThat(r.getRevision()).isEqualTo(last);
    assertThat(r.getServicesList())
        .extracting(s -> s.getName() + ":" + s.getInstanceCount() + ":" + s.getPassingCount())
        .containsExactly("db:1:1", "web:2:1");
  }

  @Test
  void deregisterRemovesTheInstance() {
    t.blocking.register(register("web", "web-1"));

    DeregisterResponse r =
        t.blocking.deregister(
            DeregisterRequest.newBuilder().setService("web").setInstanceId("web-1").build());

    assertThat(r.getRevision()).isEqualTo(t.registry().revision());
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void deregisterOfAnUnknownInstanceIsNotFound() {
    t.blocking.register(register("web", "web-1"));
    long before = t.registry().revision();

    assertThatThrownBy(
            () ->
                t.blocking.deregister(
                    DeregisterRequest.newBuilder()
                        .setService("web")
                        .setInstanceId("web-9")
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(t.registry().revision()).isEqualTo(before);
  }

  @Test
  void statusNamesVersionAndRevision() {
    long revision = t.blocking.register(register("web", "web-1")).getRevision();

    StatusResponse r = t.blocking.status(StatusRequest.getDefaultInstance());

    assertThat(r.getVersion()).isEqualTo(BuildInfo.VERSION);
    assertThat(r.getRevision()).isEqualTo(revision);
    assertThat(r.getUptimeMillis()).isNotNegative();
  }
}
