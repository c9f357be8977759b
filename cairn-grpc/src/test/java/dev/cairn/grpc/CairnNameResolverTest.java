package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.grpc.internal.CairnNameResolver;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The resolver on its own: what it publishes as instances come and go. */
class CairnNameResolverTest {

  @RegisterExtension CairnServerExtension registry = CairnServerExtension.inMemory();

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicReference<NameResolver.ResolutionResult> result = new AtomicReference<>();
  private final AtomicReference<Status> error = new AtomicReference<>();
  private NameResolver resolver;

  @AfterEach
  void stop() {
    if (resolver != null) {
      resolver.shutdown();
    }
    scheduler.shutdownNow();
  }

  private void start(String target) {
    NameResolver.Args args =
        NameResolver.Args.newBuilder()
            .setDefaultPort(443)
            .setProxyDetector(a -> null)
            .setSynchronizationContext(
                new SynchronizationContext((t, e) -> error.set(Status.fromThrowable(e))))
            .setScheduledExecutorService(scheduler)
            .setServiceConfigParser(
                new NameResolver.ServiceConfigParser() {
                  @Override
                  public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> config) {
                    return NameResolver.ConfigOrError.fromConfig(config);
                  }
                })
            .build();
    resolver = new CairnNameResolverProvider().newNameResolver(URI.create(target), args);
    resolver.start(
        new NameResolver.Listener2() {
          @Override
          public void onResult(NameResolver.ResolutionResult r) {
            error.set(null);
            result.set(r);
          }

          @Override
          public Status onResult2(NameResolver.ResolutionResult r) {
            onResult(r);
            return Status.OK;
          }

          @Override
          public void onError(Status status) {
            error.set(status);
          }
        });
  }

  private List<EquivalentAddressGroup> groups() {
    NameResolver.ResolutionResult r = result.get();
    return r == null ? List.of() : r.getAddressesOrError().getValue();
  }

  @Test
  void publishesEachInstanceWithItsAttributesAsTheyComeAndGo() {
    registry
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1")
                .id("h1")
                .port("grpc", 9001)
                .port("http", 8001)
                .weight(250)
                .zone("eu-1")
                .tags(List.of("v2"))
                .metadata(Map.of("version", "2.1"))
                .health(Health.WARNING)
                .build())
        .join();
    start("cairn://" + registry.grpcTarget() + "/hello?lb=cairn_weighted");

    await().atMost(Duration.ofSeconds(10)).until(() -> groups().size() == 1);
    EquivalentAddressGroup g = groups().get(0);
    assertThat(g.getAddresses()).containsExactly(new InetSocketAddress("127.0.0.1", 9001));
    assertThat(g.getAttributes().get(CairnAttributes.WEIGHT)).isEqualTo(250);
    assertThat(g.getAttributes().get(CairnAttributes.ZONE)).isEqualTo("eu-1");
    assertThat(g.getAttributes().get(CairnAttributes.TAGS)).containsExactly("v2");
    assertThat(g.getAttributes().get(CairnAttributes.METADATA)).containsEntry("version", "2.1");
    assertThat(g.getAttributes().get(CairnAttributes.HEALTH)).isEqualTo(Health.WARNING);
    assertThat(g.getAttributes().get(CairnAttributes.INSTANCE).id()).isEqualTo("h1");
    assertThat(result.get().getAttributes().get(CairnAttributes.STALE)).isFalse();
    assertThat(result.get().getServiceConfig().getConfig().toString()).contains("cairn_weighted");

    registry
        .registry()
        .register(
            "default", Instance.builder("hello", "127.0.0.1").id("h2").port("grpc", 9002).build())
        .join();
    await().atMost(Duration.ofSeconds(10)).until(() -> groups().size() == 2);

    registry.registry().deregister("default", "hello", "h1").join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                groups().size() == 1
                    && groups()
                        .get(0)
                        .getAttributes()
                        .get(CairnAttributes.INSTANCE)
                        .id()
                        .equals("h2"));
  }

  @Test
  void keepsTheLastAddressesFlaggedStaleWhenTheRegistryStops() {
    registry
        .registry()
        .register(
            "default", Instance.builder("hello", "127.0.0.1").id("h1").port("grpc", 9001).build())
        .join();
    start("cairn://" + registry.grpcTarget() + "/hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> groups().size() == 1);

    registry.server().close();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Boolean.TRUE.equals(result.get().getAttributes().get(CairnAttributes.STALE)));
    assertThat(groups()).hasSize(1);
    assertThat(error.get()).isNull();
  }

  @Test
  void anEmptyServiceIsAnEmptyListNamingItForCairnsBalancers() {
    start("cairn://" + registry.grpcTarget() + "/nobody");

    await().atMost(Duration.ofSeconds(10)).until(() -> result.get() != null);
    assertThat(groups()).isEmpty();
    Status none = result.get().getAttributes().get(CairnNameResolver.NO_INSTANCES);
    assertThat(none.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(none.getDescription()).contains("service \"nobody\" has no instances");
    assertThat(error.get()).isNull();
  }

  @Test
  void anEmptyServiceIsAnErrorNamingItForGrpcsOwnPolicies() {
    start("cairn://" + registry.grpcTarget() + "/nobody?lb=round_robin");

    await().atMost(Duration.ofSeconds(10)).until(() -> error.get() != null);
    assertThat(error.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.get().getDescription()).contains("service \"nobody\" has no instances");
    assertThat(result.get()).isNull();
  }
}
