package dev.cairn.spring.actuate;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code cairn} health: UP when a registry answers within the timeout, DOWN otherwise; details
 * name the registries, the services listed, and the views that are stale (not kept current by their
 * watch, serving their last known instances).
 */
public final class CairnHealthIndicator extends AbstractHealthIndicator {

  private final CairnClient client;
  private final Duration timeout;

  public CairnHealthIndicator(CairnClient client, Duration timeout) {
    super("Cairn health check failed");
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    builder.withDetail("registries", client.registries());
    List<String> stale = new ArrayList<>();
    for (ServiceView v : client.views()) {
      if (v.isStale()) {
        stale.add(v.service());
      }
    }
    builder.withDetail("views", client.views().size()).withDetail("staleViews", stale);
    int services = client.services().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
    builder.up().withDetail("services", services);
  }
}
