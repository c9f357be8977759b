package dev.cairn.server.core.internal;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** One namespace. */
final class NamespaceState {
  final String name;
  final ConcurrentHashMap<String, ServiceState> services = new ConcurrentHashMap<>();
  // Bumped by the apply thread at each publish that changed the namespace.
  volatile long generation;
  // The list built at some generation; rebuilt when the generation moved on.
  private volatile CachedList cached;

  NamespaceState(String name) {
    this.name = name;
  }

  ServiceList list() {
    long gen = generation;
    CachedList c = cached;
    if (c != null && c.generation == gen) {
      return c.list;
    }
    long nsRevision = 0;
    List<ServiceSummary> summaries = new ArrayList<>();
    for (ServiceState svc : services.values()) {
      ServiceSnapshot snap = svc.published;
      nsRevision = Math.max(nsRevision, snap.revision());
      if (snap.instances().isEmpty()) {
        continue;
      }
      int passing = 0;
      for (Instance i : snap.instances()) {
        if (i.health() == Health.PASSING) {
          passing++;
        }
      }
      summaries.add(
          new ServiceSummary(snap.name(), snap.instances().size(), passing, snap.revision()));
    }
    summaries.sort((a, b) -> a.name().compareTo(b.name()));
    ServiceList list = new ServiceList(name, nsRevision, summaries);
    // Tagged with the generation read before building: if a publish raced with us, the next
    // reader sees a newer generation and rebuilds.
    cached = new CachedList(gen, list);
    return list;
  }

  private record CachedList(long generation, ServiceList list) {}
}
