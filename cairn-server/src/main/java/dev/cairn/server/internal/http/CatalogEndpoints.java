package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.server.core.HealthySelection;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.internal.auth.AclGuard;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The catalog endpoints: list services, list/get instances (both with long-poll), register and
 * deregister. The unfiltered reads answer with a body encoded once per revision.
 */
final class CatalogEndpoints {

  private static final Set<String> LIST_PARAMS =
      Set.of("namespace", "index", "wait", "tag", "zone", "healthy", "consistent");
  private static final Set<String> SERVICES_PARAMS =
      Set.of("namespace", "index", "wait", "consistent");
  private static final Set<String> NAMESPACE_PARAM = Set.of("namespace");
  private static final Set<String> GET_PARAMS = Set.of("namespace", "consistent");
  private static final Set<String> REGISTER_PARAMS = Set.of("namespace", "session");

  /**
   * The keys of the unfiltered instances body, and of its gzip form, in {@link
   * ServiceSnapshot#encoded}.
   */
  private static final Object INSTANCES_BODY = new Object();

  private static final Object INSTANCES_GZIP = new Object();

  private final Registry registry;
  // The last service-list body per namespace that has services; replaced when the list changes.
  private final ConcurrentHashMap<String, EncodedList> serviceLists = new ConcurrentHashMap<>();
  private final AtomicInteger pendingPolls = new AtomicInteger();

  CatalogEndpoints(Registry registry) {
    this.registry = registry;
  }

  /** The long-polls waiting for a change. */
  int pendingPolls() {
    return pendingPolls.get();
  }

  /** {@code GET /v1/services}. */
  void listServices(Exchange ex) {
    ex.checkParams(SERVICES_PARAMS, false);
    String ns = ex.namespace();
    LongPoll poll = LongPoll.of(ex, registry.revision());
    ServiceList list = registry.services(ns);
    if (poll == null || list.revision() > poll.index()) {
      answerServices(ex, list);
      return;
    }
    poll.await(
        ex,
        registry.awaitServices(ns, poll.index()),
        pendingPolls,
        () -> answerServices(ex, registry.services(ns)));
  }

  /** {@code GET /v1/services/{service}/instances}. */
  void listInstances(Exchange ex) {
    ex.checkParams(LIST_PARAMS, true);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    InstanceFilter filter = InstanceFilter.of(ex);
    LongPoll poll = LongPoll.of(ex, registry.revision());
    if (poll != null) {
      Pollers.polled(registry, ex.channel(), ns, service, poll.index());
    }
    ServiceSnapshot snapshot = registry.service(ns, service);
    if (poll == null || snapshot.revision() > poll.index()) {
      answerInstances(ex, snapshot, filter);
      return;
    }
    poll.await(
        ex,
        registry.awaitService(ns, service, poll.index()),
        pendingPolls,
        () -> answerInstances(ex, registry.service(ns, service), filter));
  }

  /** {@code GET /v1/services/{service}/instances/{id}}. */
  void getInstance(Exchange ex) {
    ex.checkParams(GET_PARAMS, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    String id = Names.checkInstanceId("id", ex.segment(4));
    ServiceSnapshot snapshot = registry.service(ns, service);
    Instance found = find(snapshot.instances(), id);
    if (found == null) {
      throw CairnException.notFound("id", id);
    }
    ex.ok(JsonBodies.instanceAt(snapshot.revision(), found), snapshot.revision());
  }

  /** {@code PUT /v1/services/{service}/instances/{id}}. */
  void register(Exchange ex) {
    ex.checkParams(REGISTER_PARAMS, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    String id = Names.checkNewInstanceId("id", ex.segment(4));
    Instance instance = JsonRequests.instance(ex.jsonBody(), service, id, ex.param("session"));
    ex.reply(
        registry.register(ns, instance, ex.sessionAccess(ns, service), ex.author()),
        stored -> JsonBodies.instanceAt(stored.modRevision(), stored));
  }

  /** {@code DELETE /v1/services/{service}/instances/{id}}. */
  void deregister(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    String id = Names.checkInstanceId("id", ex.segment(4));
    ex.reply(
        registry.deregister(ns, service, id, ex.sessionAccess(ns, service), ex.author()),
        JsonBodies::revision);
  }

  private void answerServices(Exchange ex, ServiceList list) {
    ServiceList readable = AclGuard.readable(ex.authorizer(), list);
    // A list cut for one token is encoded for it alone; the cache holds whole lists only.
    if (readable != list) {
      ex.ok(JsonBodies.services(readable), list.revision());
      return;
    }
    EncodedList encoded = encode(list);
    ex.ok(encoded.body, list.revision(), encoded::gzipped);
  }

  private void answerInstances(Exchange ex, ServiceSnapshot snapshot, InstanceFilter filter) {
    if (filter == null) {
      ByteBuffer body =
          snapshot.encoded(INSTANCES_BODY, s -> Exchange.directBody(JsonBodies.instances(s)));
      ex.ok(
          body,
          snapshot.revision(),
          () -> snapshot.encoded(INSTANCES_GZIP, s -> GzipBodies.gzip(body)));
      return;
    }
    List<Instance> matching = filter.applyExceptHealth(snapshot.instances());
    boolean protection = false;
    if (filter.healthyOnly()) {
      HealthySelection selection =
          registry.healthy(snapshot.namespace(), snapshot.name(), matching);
      matching = selection.instances();
      protection = selection.protection();
    }
    ex.ok(
        JsonBodies.instances(
            snapshot.namespace(), snapshot.name(), snapshot.revision(), matching, protection),
        snapshot.revision(),
        protection);
  }

  private EncodedList encode(ServiceList list) {
    EncodedList cached = serviceLists.get(list.namespace());
    if (cached != null && (cached.list == list || cached.list.equals(list))) {
      return cached;
    }
    EncodedList encoded = new EncodedList(list, Exchange.directBody(JsonBodies.services(list)));
    if (list.services().isEmpty()) {
      serviceLists.remove(list.namespace());
    } else {
      serviceLists.put(list.namespace(), encoded);
    }
    return encoded;
  }

  private static Instance find(List<Instance> instances, String id) {
    for (Instance i : instances) {
      if (i.id().equals(id)) {
        return i;
      }
    }
    return null;
  }

  /** A service list's body, and its gzip form once asked for. */
  private static final class EncodedList {
    final ServiceList list;
    final ByteBuffer body;
    // Made on the first read that takes gzip; two such reads at once may both make it (same bytes).
    private volatile ByteBuffer gzipped;

    EncodedList(ServiceList list, ByteBuffer body) {
      this.list = list;
      this.body = body;
    }

    ByteBuffer gzipped() {
      ByteBuffer g = gzipped;
      if (g == null) {
        g = GzipBodies.gzip(body);
        gzipped = g;
      }
      return g;
    }
  }
}
