package dev.cairn.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.xds.XdsOptions;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The mirror's first snapshot (decision 0226): since an answer tells a client which of its
 * resources do not exist, nothing is published before the catalog was read, and the first snapshot
 * holds the whole catalog.
 */
class CatalogMirrorTest {

  private static final int SERVICES = 30;

  @Test
  void theFirstSnapshotHoldsTheWholeCatalogAndNothingIsPublishedBefore() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build()) {
      server.start();
      List<CompletableFuture<?>> pending = new ArrayList<>();
      for (int s = 0; s < SERVICES; s++) {
        for (int i = 0; i < 2; i++) {
          pending.add(
              server
                  .registry()
                  .register(
                      "default",
                      Instance.builder("s" + s, "127.0.0.1")
                          .id("i" + i)
                          .port("grpc", 8000 + i)
                          .build()));
        }
      }
      CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
          .get(60, TimeUnit.SECONDS);
      List<Snapshot> published = new CopyOnWriteArrayList<>();
      SimpleCache<Object> cache = recording(published);
      try (CatalogMirror mirror =
          new CatalogMirror(server.registry(), XdsOptions.builder().port(0).build(), cache)) {
        // No snapshot: a stream that opens now waits instead of being told nothing exists.
        assertThat(cache.getSnapshot(CatalogMirror.GROUP)).isNull();
        mirror.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !published.isEmpty());
        Snapshot first = published.get(0);
        assertThat(first.clusters().resources()).hasSize(SERVICES);
        assertThat(first.endpoints().resources().values())
            .hasSize(SERVICES)
            .allSatisfy(cla -> assertThat(endpoints(cla)).isEqualTo(2));
      }
    }
  }

  @Test
  void anEmptyCatalogIsPublishedEmpty() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build()) {
      server.start();
      List<Snapshot> published = new CopyOnWriteArrayList<>();
      try (CatalogMirror mirror =
          new CatalogMirror(
              server.registry(), XdsOptions.builder().port(0).build(), recording(published))) {
        mirror.start();
        // Published, so that a client asking for a service is told it does not exist.
        await().atMost(Duration.ofSeconds(60)).until(() -> !published.isEmpty());
        assertThat(published.get(0).listeners().resources()).isEmpty();
      }
    }
  }

  private static SimpleCache<Object> recording(List<Snapshot> published) {
    return new SimpleCache<>(node -> CatalogMirror.GROUP) {
      @Override
      public synchronized void setSnapshot(Object group, Snapshot snapshot) {
        if (CatalogMirror.GROUP.equals(group)) {
          published.add(snapshot);
        }
        super.setSnapshot(group, snapshot);
      }
    };
  }

  private static int endpoints(ClusterLoadAssignment cla) {
    return cla.getEndpointsList().stream().mapToInt(l -> l.getLbEndpointsCount()).sum();
  }
}
