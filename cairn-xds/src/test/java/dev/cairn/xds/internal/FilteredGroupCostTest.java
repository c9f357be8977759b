package dev.cairn.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.xds.XdsOptions;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the filtered snapshots cost a change (decision 0176), measured in process and printed (no
 * threshold): what 64 filtered groups, each reading its own 31 of 2,000 services, add to every
 * change when the change is to none of theirs (each group filters the services and finds nothing
 * new). Asserts only that every group got its own services.
 */
class FilteredGroupCostTest {

  private static final int SERVICES = 2_000;
  private static final int GROUPS = 64;
  private static final int ROUNDS = 200;

  @Test
  void publishingWithSixtyFourGroups() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build()) {
      server.start();
      var registry = server.registry();
      List<CompletableFuture<?>> pending = new ArrayList<>();
      for (int i = 0; i < SERVICES; i++) {
        String service = "s" + (i % GROUPS) + "-" + i;
        pending.add(
            registry.register(
                "default",
                Instance.builder(service, "127.0.0.1")
                    .id(service)
                    .ports(Map.of("grpc", 8080))
                    .build()));
      }
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);
      SimpleCache<Object> cache = new SimpleCache<>(node -> CatalogMirror.GROUP);
      XdsOptions options = XdsOptions.builder().port(0).maxFilteredSnapshots(GROUPS).build();
      try (CatalogMirror mirror = new CatalogMirror(registry, options, cache)) {
        mirror.start();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> clusters(cache, CatalogMirror.GROUP) == SERVICES);
        List<FilteredGroup> groups = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
          Rule rule = new Rule(Resource.SERVICE, "*", "s" + g + "-", Access.READ);
          groups.add(
              mirror.join(
                  Authorizer.compile(
                      "t" + g,
                      Authorizer.Kind.KNOWN,
                      List.of("p" + g),
                      List.of(new Policy("p" + g, "", List.of(rule))))));
        }
        assertThat(groups).doesNotContainNull().doesNotHaveDuplicates();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> groups.stream().allMatch(g -> clusters(cache, g) > 0));
        for (FilteredGroup g : groups) {
          assertThat(clusters(cache, g)).isBetween(SERVICES / GROUPS, SERVICES / GROUPS + 1);
        }
        System.out.printf(
            "xDS filtered groups: %d groups over %,d services add %.3f ms to a change none of"
                + " them may read%n",
            GROUPS, SERVICES, timeFiltered(mirror));
      }
    }
  }

  /** The mean time in ms of the filtered groups' share of a publish, on the mirror's thread. */
  private static double timeFiltered(CatalogMirror mirror) throws Exception {
    CompletableFuture<Double> mean = new CompletableFuture<>();
    mirror.execute(
        () -> {
          for (int i = 0; i < ROUNDS / 4; i++) {
            mirror.publishFiltered(); // warm up
          }
          long start = System.nanoTime();
          for (int i = 0; i < ROUNDS; i++) {
            mirror.publishFiltered();
          }
          mean.complete((System.nanoTime() - start) / 1e6 / ROUNDS);
        });
    return mean.get(60, TimeUnit.SECONDS);
  }

  private static int clusters(SimpleCache<Object> cache, Object group) {
    var snapshot = cache.getSnapshot(group);
    return snapshot == null ? 0 : snapshot.clusters().resources().size();
  }
}
