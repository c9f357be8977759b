package dev.cairn.spring.actuate;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.spring.CairnServiceRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the Cairn SDK in this application: views followed, stale views, instances
 * known, live registrations, drains confirmed and unconfirmed. Each is read when scraped.
 */
public final class CairnClientMetrics implements MeterBinder {

  private final CairnClient client;
  private final CairnServiceRegistry registry;

  public CairnClientMetrics(CairnClient client, CairnServiceRegistry registry) {
    this.client = requireNonNull(client, "client");
    this.registry = requireNonNull(registry, "registry");
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    Gauge.builder("cairn.client.views", client, c -> c.views().size())
        .description("Services this application follows")
        .register(meters);
    Gauge.builder("cairn.client.views.stale", client, CairnClientMetrics::stale)
        .description("Views not kept current by their watch (serving their last instances)")
        .register(meters);
    Gauge.builder("cairn.client.instances", client, CairnClientMetrics::instances)
        .description("Instances known across the views")
        .register(meters);
    Gauge.builder("cairn.client.registrations", registry, r -> r.registrations().size())
        .description("Instances this application keeps registered")
        .register(meters);
    FunctionCounter.builder("cairn.client.drains", registry, r -> drains(r, true))
        .tag("confirmed", "true")
        .description("Drains on shutdown that every watcher confirmed")
        .register(meters);
    FunctionCounter.builder("cairn.client.drains", registry, r -> drains(r, false))
        .tag("confirmed", "false")
        .description("Drains on shutdown that ended without a confirmation")
        .register(meters);
  }

  private static double stale(CairnClient client) {
    return client.views().stream().filter(ServiceView::isStale).count();
  }

  private static double instances(CairnClient client) {
    return client.views().stream().mapToInt(v -> v.instances().size()).sum();
  }

  private static double drains(CairnServiceRegistry registry, boolean confirmed) {
    return registry.drains().values().stream().filter(d -> d.isConfirmed() == confirmed).count();
  }
}
