package dev.cairn.xds.internal;

import dev.cairn.common.Instance;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.xds.XdsOptions;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Keeps an xDS snapshot of the served namespaces in step with the catalog: it watches each
 * namespace's service list and each service, and after every batch of changes publishes a new
 * {@link Snapshot} to the cache, which pushes it to the streams whose versions differ.
 *
 * <p>Threading: every watch delivers on one executor ({@code cairn-xds-catalog}), which owns all
 * the mutable state below; publishing runs there too, once per batch of deliveries.
 *
 * <p>Besides the snapshot every stream may read ({@link #GROUP}), it publishes one {@link
 * FilteredGroup} per distinct set of read rules among the streams whose tokens subscribed to every
 * resource but may read only some services (decision 0176), at most {@code
 * XdsOptions.maxFilteredSnapshots} at once, each from the same resource objects.
 *
 * <p>Versions: CDS, LDS and RDS carry the revision at which the set of services last changed; EDS
 * the latest revision that changed any served service; a second publish of other resources at the
 * same revision takes a suffix ({@link GroupPublisher}). Revisions are the catalog's, durable, so a
 * client that reconnects to a restarted server with the versions it holds is sent nothing until
 * something changes.
 */
final class CatalogMirror implements AutoCloseable {

  /** The group of every stream but those answered from a {@link FilteredGroup}. */
  static final String GROUP = "cairn";

  private final Registry registry;
  private final XdsOptions options;
  private final SimpleCache<Object> cache;
  private final ExecutorService executor;

  // Guarded by itself: the filtered groups by their rules, joined and left by the streams.
  private final Map<Set<Rule>, FilteredGroup> groups = new HashMap<>();

  // Owned by the executor.
  private final List<Watch> listWatches = new ArrayList<>();
  private final Map<String, ServiceMirror> services = new TreeMap<>();
  private final Map<String, Set<String>> namesByNamespace = new HashMap<>();
  private final Set<FilteredGroup> filtered = new LinkedHashSet<>();
  private final GroupPublisher all = new GroupPublisher(GROUP);
  // Whether the catalog has been read once: every served namespace's list and every listed
  // service's instances (decision 0226). Until then nothing is published, so a stream that opens
  // early (a client reconnecting to a restarting server) waits instead of being told that its
  // resources are gone or empty.
  private boolean loaded;
  private long clustersRevision;
  private long endpointsRevision;
  private boolean publishQueued;
  private boolean closed;

  CatalogMirror(Registry registry, XdsOptions options, SimpleCache<Object> cache) {
    this.registry = registry;
    this.options = options;
    this.cache = cache;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "cairn-xds-catalog");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts watching; the first snapshot follows shortly. */
  void start() {
    executor.execute(
        () -> {
          for (String ns : options.namespaces()) {
            listWatches.add(registry.watchServices(ns, 0, new ListListener(ns)));
          }
        });
  }

  /** Runs {@code task} on the mirror's thread; for tests that wait for the mirror to settle. */
  void execute(Runnable task) {
    executor.execute(task);
  }

  /**
   * The filtered group of {@code caller}'s service read rules, made (and first published) if no
   * stream holds one for them yet; the caller {@link #leave}s it when its stream ends. Any thread.
   *
   * @return null when {@code XdsOptions.maxFilteredSnapshots} groups for other rules are held
   */
  FilteredGroup join(Authorizer caller) {
    Set<Rule> rules = rulesOf(caller);
    FilteredGroup g;
    synchronized (groups) {
      g = groups.get(rules);
      if (g == null) {
        if (groups.size() >= options.maxFilteredSnapshots()) {
          return null;
        }
        g = new FilteredGroup(rules, caller);
        groups.put(rules, g);
        FilteredGroup added = g;
        executor.execute(() -> addGroup(added));
      }
      g.streams++;
    }
    return g;
  }

  /**
   * What keys {@code caller}'s filtered group: its service read rules of the served namespaces and
   * of every one. Two tokens with the same rules see the same services.
   */
  Set<Rule> rulesOf(Authorizer caller) {
    return caller.rules(Resource.SERVICE).stream()
        .filter(
            r ->
                r.namespace().equals(Rule.ANY_NAMESPACE)
                    || options.namespaces().contains(r.namespace()))
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Gives back a stream's place in {@code g}; the last stream's removes it. Any thread. */
  void leave(FilteredGroup g) {
    synchronized (groups) {
      if (--g.streams > 0) {
        return;
      }
      groups.remove(g.rules);
    }
    executor.execute(() -> removeGroup(g));
  }

  /** The filtered groups held now. */
  int filteredGroups() {
    synchronized (groups) {
      return groups.size();
    }
  }

  // On the executor.
  private void addGroup(FilteredGroup g) {
    if (closed) {
      return;
    }
    filtered.add(g);
    if (loaded) {
      publish(g);
    }
  }

  // On the executor; its streams have ended, so it has no watches left and goes from the cache.
  private void removeGroup(FilteredGroup g) {
    filtered.remove(g);
    cache.clearSnapshot(g);
  }

  @Override
  public void close() {
    executor.execute(
        () -> {
          closed = true;
          listWatches.forEach(Watch::close);
          services.values().forEach(s -> s.watch.close());
          services.clear();
        });
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // On the executor.
  private void onServiceList(String namespace, ServiceList list) {
    if (closed) {
      return;
    }
    Set<String> names = new HashSet<>();
    for (ServiceSummary s : list.services()) {
      names.add(s.name());
    }
    Set<String> before = namesByNamespace.get(namespace);
    if (names.equals(before)) {
      return;
    }
    if (before == null) {
      before = Set.of();
    }
    namesByNamespace.put(namespace, names);
    for (String gone : before) {
      if (!names.contains(gone)) {
        ServiceMirror m = services.remove(name(namespace, gone));
        if (m != null) {
          m.watch.close();
        }
      }
    }
    for (String added : names) {
      String name = name(namespace, added);
      if (!services.containsKey(name)) {
        ServiceMirror m = new ServiceMirror(name, namespace, added);
        services.put(name, m);
        m.watch = registry.watchService(namespace, added, 0, m);
      }
    }
    clustersRevision = Math.max(clustersRevision, list.revision());
    endpointsRevision = Math.max(endpointsRevision, list.revision());
    queuePublish();
  }

  private void queuePublish() {
    if (!publishQueued) {
      publishQueued = true;
      executor.execute(this::publish);
    }
  }

  // On the executor: one snapshot for every change delivered before it.
  private void publish() {
    publishQueued = false;
    if (closed || !loaded && !catalogRead()) {
      return;
    }
    loaded = true;
    List<Cluster> clusters = new ArrayList<>(services.size());
    List<ClusterLoadAssignment> endpoints = new ArrayList<>(services.size());
    List<Listener> listeners = new ArrayList<>(services.size());
    List<RouteConfiguration> routes = new ArrayList<>(services.size());
    for (ServiceMirror m : services.values()) {
      clusters.add(m.cluster);
      endpoints.add(m.endpoints());
      listeners.add(m.listener);
      routes.add(m.route);
    }
    all.publish(cache, clusters, endpoints, listeners, routes, clustersRevision, endpointsRevision);
    publishFiltered();
  }

  // On the executor: whether every namespace's list and every listed service has been delivered.
  private boolean catalogRead() {
    if (namesByNamespace.size() < options.namespaces().size()) {
      return false;
    }
    for (ServiceMirror m : services.values()) {
      if (!m.delivered) {
        return false;
      }
    }
    return true;
  }

  // On the executor: each filtered group's share of the services, published if it changed.
  void publishFiltered() {
    for (FilteredGroup g : filtered) {
      publish(g);
    }
  }

  // On the executor: the services g may read, from the same resource objects.
  private void publish(FilteredGroup g) {
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    for (ServiceMirror m : services.values()) {
      if (g.reads(m.namespace, m.service)) {
        clusters.add(m.cluster);
        endpoints.add(m.endpoints());
        listeners.add(m.listener);
        routes.add(m.route);
      }
    }
    g.publish(cache, clusters, endpoints, listeners, routes, clustersRevision, endpointsRevision);
  }

  private String name(String namespace, String service) {
    return XdsResources.resourceName(namespace, service, options.namespaces().get(0));
  }

  /** Delivers a namespace's service list to the mirror. */
  private final class ListListener implements WatchListener {
    private final String namespace;

    ListListener(String namespace) {
      this.namespace = namespace;
    }

    @Override
    public java.util.concurrent.Executor executor() {
      return executor;
    }

    @Override
    public void onServiceList(ServiceList list) {
      CatalogMirror.this.onServiceList(namespace, list);
    }
  }

  /** One service's instances and its resources; owned by the executor. */
  private final class ServiceMirror implements WatchListener {
    final String name;
    final String namespace;
    final String service;
    final Cluster cluster;
    final Listener listener;
    final RouteConfiguration route;
    final Map<String, Instance> instances = new TreeMap<>();
    Watch watch;
    boolean delivered; // its first snapshot arrived
    ClusterLoadAssignment endpoints; // null when stale

    ServiceMirror(String name, String namespace, String service) {
      this.name = name;
      this.namespace = namespace;
      this.service = service;
      this.cluster = XdsResources.cluster(name);
      this.listener = XdsResources.listener(name);
      this.route = XdsResources.route(name, options.retryUnavailable());
    }

    ClusterLoadAssignment endpoints() {
      if (endpoints == null) {
        endpoints = XdsResources.endpoints(name, namespace, instances.values(), options.portName());
      }
      return endpoints;
    }

    @Override
    public java.util.concurrent.Executor executor() {
      return executor;
    }

    @Override
    public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
      if (services.get(name) != this) {
        return;
      }
      delivered = true;
      instances.clear();
      for (Instance i : snapshot.instances()) {
        instances.put(i.id(), i);
      }
      changed(snapshot.revision());
    }

    @Override
    public void onEvents(List<ServiceEvent> events) {
      if (services.get(name) != this) {
        return;
      }
      delivered = true;
      long revision = 0;
      for (ServiceEvent e : events) {
        if (e.type() == ServiceEvent.Type.REMOVED) {
          instances.remove(e.instance().id());
        } else {
          instances.put(e.instance().id(), e.instance());
        }
        revision = Math.max(revision, e.revision());
      }
      changed(revision);
    }

    private void changed(long revision) {
      endpoints = null;
      endpointsRevision = Math.max(endpointsRevision, revision);
      queuePublish();
    }
  }
}
