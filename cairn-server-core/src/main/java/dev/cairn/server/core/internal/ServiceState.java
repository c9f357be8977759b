package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** One service: the published snapshot plus the apply thread's changes since it. */
final class ServiceState {
  final NamespaceState namespace;
  final String name;
  volatile ServiceSnapshot published;
  // Apply thread only: the published instances, sorted by id (never changed once published).
  private Instance[] array = new Instance[0];
  // Apply thread only: the current instances by id, changes since the last publish included.
  private final IdIndex byId = new IdIndex();
  // Apply thread only: the ids changed since the last publish, in no order, maybe repeated.
  private ArrayList<String> changed;
  long revision;

  ServiceState(NamespaceState namespace, String name) {
    this.namespace = namespace;
    this.name = name;
    this.published = ServiceSnapshot.of(namespace.name, name, 0, List.of());
  }

  /** The current instance with {@code id} (published or not), or null. */
  Instance get(String id) {
    return byId.get(id);
  }

  void put(Instance instance) {
    byId.put(instance);
    changed().add(instance.id());
  }

  void remove(String id) {
    byId.remove(id);
    changed().add(id);
  }

  private ArrayList<String> changed() {
    if (changed == null) {
      changed = new ArrayList<>();
    }
    return changed;
  }

  /**
   * Merges the changes into a new sorted snapshot: a binary search per changed id and bulk copies
   * between them, so a batch touching few instances of a large service does not walk it.
   */
  void publish() {
    if (changed == null) {
      return;
    }
    Instance[] old = array;
    String[] ids = changed.toArray(new String[0]);
    changed = null;
    Arrays.sort(ids);
    Instance[] merged = new Instance[old.length + ids.length];
    int n = 0;
    int i = 0;
    String previous = null;
    for (String id : ids) {
      if (id.equals(previous)) {
        continue; // changed more than once: its current state was merged already
      }
      previous = id;
      int at = indexFrom(old, i, id);
      int insertion = at >= 0 ? at : -at - 1;
      System.arraycopy(old, i, merged, n, insertion - i);
      n += insertion - i;
      i = at >= 0 ? at + 1 : insertion;
      Instance current = byId.get(id);
      if (current != null) {
        merged[n++] = current;
      }
    }
    System.arraycopy(old, i, merged, n, old.length - i);
    n += old.length - i;
    publishArray(n == merged.length ? merged : Arrays.copyOf(merged, n));
  }

  /**
   * Replaces every instance with {@code sorted}, which nobody changes afterwards; unpublished
   * changes are dropped.
   */
  void setInstances(Instance[] sorted) {
    byId.clear();
    for (Instance instance : sorted) {
      byId.put(instance);
    }
    changed = null;
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
