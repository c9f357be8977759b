package dev.cairn.server.internal.trends;

import dev.cairn.server.core.ServiceSummary;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each service's instance and passing counts at the last {@code points} samples, in a ring. At most
 * {@code maxServices} services are followed; a service with no instance at any kept sample is
 * dropped. Memory: about {@code maxServices * (points * 8 + 100)} bytes at most.
 */
final class ServiceCounts {

  private final int points;
  private final int maxServices;
  private final long[] times;
  // namespace -> service -> counts, sorted by name
  private final Map<String, TreeMap<String, Series>> namespaces = new TreeMap<>();
  private int next; // the slot of the next sample
  private int size; // samples kept
  private int followed;
  private long refused; // services seen at the last sample but not followed (over maxServices)

  ServiceCounts(int points, int maxServices) {
    if (points < 1 || maxServices < 0) {
      throw new IllegalArgumentException(
          "points: " + points + ", maxServices: " + maxServices + " (expected: >= 1, >= 0)");
    }
    this.points = points;
    this.maxServices = maxServices;
    this.times = new long[points];
  }

  /** Records the counts of every service at {@code timeMillis}; services not listed have none. */
  synchronized void sample(long timeMillis, Map<String, List<ServiceSummary>> byNamespace) {
    int slot = next;
    times[slot] = timeMillis;
    for (TreeMap<String, Series> services : namespaces.values()) {
      for (Series s : services.values()) {
        s.instances[slot] = 0;
        s.passing[slot] = 0;
      }
    }
    long over = 0;
    for (Map.Entry<String, List<ServiceSummary>> ns : byNamespace.entrySet()) {
      TreeMap<String, Series> services = namespaces.get(ns.getKey());
      for (ServiceSummary summary : ns.getValue()) {
        Series s = services == null ? null : services.get(summary.name());
        if (s == null) {
          if (followed >= maxServices) {
            over++;
            continue;
          }
          if (services == null) {
            services = new TreeMap<>();
            namespaces.put(ns.getKey(), services);
          }
          s = new Series(points);
          services.put(summary.name(), s);
          followed++;
        }
        s.instances[slot] = summary.instanceCount();
        s.passing[slot] = summary.passingCount();
      }
    }
    refused = over;
    next = (slot + 1) % points;
    size = Math.min(size + 1, points);
    dropEmpty();
  }

  private void dropEmpty() {
    Iterator<TreeMap<String, Series>> nss = namespaces.values().iterator();
    while (nss.hasNext()) {
      TreeMap<String, Series> services = nss.next();
      Iterator<Series> it = services.values().iterator();
      while (it.hasNext()) {
        if (it.next().empty()) {
          it.remove();
          followed--;
        }
      }
      if (services.isEmpty()) {
        nss.remove();
      }
    }
  }

  /** The kept samples of {@code namespace}'s services, oldest first. */
  synchronized Trends.ServiceHistory of(String namespace) {
    long[] t = new long[size];
    int first = (next - size + points) % points;
    for (int i = 0; i < size; i++) {
      t[i] = times[(first + i) % points];
    }
    List<Trends.ServiceSeries> out = new ArrayList<>();
    TreeMap<String, Series> services = namespaces.getOrDefault(namespace, new TreeMap<>());
    for (Map.Entry<String, Series> e : services.entrySet()) {
      int[] instances = new int[size];
      int[] passing = new int[size];
      for (int i = 0; i < size; i++) {
        int slot = (first + i) % points;
        instances[i] = e.getValue().instances[slot];
        passing[i] = e.getValue().passing[slot];
      }
      out.add(new Trends.ServiceSeries(e.getKey(), instances, passing));
    }
    return new Trends.ServiceHistory(t, out, refused);
  }

  /** The services followed now, all namespaces. */
  synchronized int followed() {
    return followed;
  }

  private static final class Series {
    final int[] instances;
    final int[] passing;

    Series(int points) {
      instances = new int[points];
      passing = new int[points];
    }

    boolean empty() {
      for (int n : instances) {
        if (n != 0) {
          return false;
        }
      }
      return true;
    }
  }
}
