package dev.cairn.spring.internal;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.spring.CairnServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.cloud.client.ServiceInstance;

/**
 * Spring's instance lists read from Cairn's views: no I/O after a service's first read, and no
 * cache of its own: each call maps the view's current snapshot (the mapped list is kept only as
 * long as the snapshot it came from, so an unchanged view costs no allocation). Instances whose
 * health is {@code CRITICAL} are left out. Thread-safe.
 */
public final class InstanceLists {

  private final CairnClient client;
  private final Duration firstReadTimeout;

  public InstanceLists(CairnClient client, Duration firstReadTimeout) {
    this.client = client;
    this.firstReadTimeout = firstReadTimeout;
  }

  /** Spring's service id as a Cairn service name (lower case), or null when it cannot be one. */
  public static String serviceName(String serviceId) {
    if (serviceId == null) {
      return null;
    }
    String name = serviceId.toLowerCase(Locale.ROOT);
    return Names.isLabel(name) ? name : null;
  }

  /** The view of {@code serviceId}, or null when it is not a valid service name. */
  public ServiceView view(String serviceId) {
    String name = serviceName(serviceId);
    return name == null ? null : client.view(name);
  }

  /**
   * The instances of {@code serviceId} now; the first read of a service waits up to the first read
   * timeout for the registry's answer. Empty for an unknown or invalid service.
   */
  public List<ServiceInstance> instances(String serviceId) {
    ServiceView view = view(serviceId);
    if (view == null) {
      return List.of();
    }
    if (!view.ready().isDone()) {
      try {
        view.ready().get(firstReadTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // Nothing known yet: an empty list, as Spring's discovery clients answer.
      }
    }
    return of(view.snapshot());
  }

  /** The Spring instances of one snapshot, mapped once per snapshot. */
  public static List<ServiceInstance> of(ServiceView.Snapshot snapshot) {
    return MAPPED.get(snapshot);
  }

  private static final Memo MAPPED = new Memo();

  /** Remembers the list of the last snapshot seen per thread-safe single slot. */
  private static final class Memo {
    // One slot per stripe: the snapshot object and its mapped list, replaced together.
    private final Slot[] slots = new Slot[64];

    List<ServiceInstance> get(ServiceView.Snapshot snapshot) {
      int i = (System.identityHashCode(snapshot) & 0x7fffffff) % slots.length;
      Slot s = slots[i];
      if (s != null && s.snapshot == snapshot) {
        return s.list;
      }
      List<ServiceInstance> list = map(snapshot.instances());
      slots[i] = new Slot(snapshot, list);
      return list;
    }

    private static List<ServiceInstance> map(List<Instance> instances) {
      List<ServiceInstance> out = new ArrayList<>(instances.size());
      for (Instance i : instances) {
        if (i.health() != Health.CRITICAL) {
          out.add(CairnServiceInstance.of(i));
        }
      }
      return List.copyOf(out);
    }
  }

  private static final class Slot {
    final ServiceView.Snapshot snapshot;
    final List<ServiceInstance> list;

    Slot(ServiceView.Snapshot snapshot, List<ServiceInstance> list) {
      this.snapshot = snapshot;
      this.list = list;
    }
  }
}
