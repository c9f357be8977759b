package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceSnapshot;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;

/** One service: the published snapshot plus the apply thread's pending changes. */
final class ServiceState {
  final NamespaceState namespace;
  final String name;
  volatile ServiceSnapshot published;
  // Apply thread only: the published instances, sorted by id (never changed once published).
  private Instance[] array = new Instance[0];
  // Apply thread only: the published instances by id.
  private final IdIndex byId = new IdIndex();
  // Apply thread only: changes since the last publish; a null value marks a removal.
  private HashMap<String, Instance> pending;
  long revision;

  ServiceState(NamespaceState namespace, String name) {
    this.namespace = namespace;
    this.name = name;
    this.published = ServiceSnapshot.of(namespace.name, name, 0, List.of());
  }

  Instance get(String id) {
    if (pending != null && pending.containsKey(id)) {
      return pending.get(id);
    }
    return byId.get(id);
  }

  void put(Instance instance) {
    pending().put(instance.id(), instance);
  }

  void remove(String id) {
    pending().put(id, null);
  }

  private HashMap<String, Instance> pending() {
    if (pending == null) {
      pending = new HashMap<>();
    }
    return pending;
  }

  /**
   * Merges the pending changes into a new sorted snapshot: a binary search per change and bulk
   * copies between them, so a batch touching few instances of a large service does not walk it.
   */
  void publish() {
    if (pending == null) {
      return;
    }
    Instance[] old = array;
    String[] ids = pending.keySet().toArray(new String[0]);
    Arrays.sort(ids);
    Instance[] merged = new Instance[old.length + ids.length];
    int n = 0;
    int i = 0;
    for (String id : ids) {
      int at = indexFrom(old, i, id);
      int insertion = at >= 0 ? at : -at - 1;
      System.arraycopy(old, i, merged, n, insertion - i);
      n += insertion - i;
      i = at >= 0 ? at + 1 : insertion;
      Instance replacement = pending.get(id);
      if (replacement != null) {
        merged[n++] = replacement;
        byId.put(replacement);
      } else {
        byId.remove(id);
      }
    }
    System.arraycopy(old, i, merged, n, old.length - i);
    n += old.length - i;
    pending = null;
    publishArray(n == merged.length ? merged : Arrays.copyOf(merged, n));
  }

  /** Replaces every instance with {@code sorted}, which nobody changes afterwards. */
  void setInstances(Instance[] sorted) {
    for (Instance old : array) {
      byId.remove(old.id());
    }
    for (Instance instance : sorted) {
      byId.put(instance);
    }
    publishArray(sorted);
  }

  private void publishArray(Instance[] sorted) {
    array = sorted;
    published =
        ServiceSnapshot.of(
            namespace.name, name, revision, Collections.unmodifiableList(Arrays.asList(sorted)));
  }

  /** Like {@link Arrays#binarySearch} on ids, from index {@code from}. */
  private static int indexFrom(Instance[] sorted, int from, String id) {
    int lo = from;
    int hi = sorted.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = sorted[mid].id().compareTo(id);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }
}
