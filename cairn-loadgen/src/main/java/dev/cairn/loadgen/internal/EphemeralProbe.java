package dev.cairn.loadgen.internal;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * W6's ephemeral side (issue 11: no ephemeral instance removed, no watcher event, for a member's
 * death): SDK clients that each hold one ephemeral instance in a session through the kills (on the
 * leader, as the SDK puts sessions, so every leader kill moves them all), and one more client's
 * view of them, which counts every change it sees. Each client is a {@link CairnClient} of the load
 * generator's process, given every member.
 */
final class EphemeralProbe implements AutoCloseable {

  private final List<CairnClient> clients = new ArrayList<>();
  private final Set<String> expected = new TreeSet<>();
  // Guarded by `this`: the instances' creation revisions once the view held them all, then what
  // the view showed since.
  private Map<String, Long> created;
  private int changes;
  private int mostMissing;

  /**
   * Starts {@code owners} clients of {@code registries} (comma-separated gRPC addresses), each
   * registering one ephemeral instance of {@code service}, and a watching client; returns once the
   * view holds them all.
   */
  static EphemeralProbe start(
      String registries, Target.Tls tls, String service, int owners, Duration timeout)
      throws Exception {
    EphemeralProbe probe = new EphemeralProbe();
    try {
      for (int i = 0; i < owners; i++) {
        CairnClient c = probe.client(registries, tls, "loadgen-w6-owner-" + i);
        Instance instance = Instances.sdk(service, Instances.id("w6-eph", i), i);
        probe.expected.add(instance.id());
        c.register(instance).registered().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      CairnClient watcher = probe.client(registries, tls, "loadgen-w6-watcher");
      ServiceView view = watcher.view(service);
      CountDownLatch complete = new CountDownLatch(1);
      view.addListener(s -> probe.seen(s.instances(), complete));
      probe.seen(view.instances(), complete);
      if (!complete.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "W6: the view of " + service + " did not show its " + owners + " instances");
      }
      return probe;
    } catch (Exception | Error e) {
      probe.close();
      throw e;
    }
  }

  /**
   * A snapshot of the view: until the view first holds every instance, notes their creation
   * revisions; afterwards counts a snapshot that lacks one of them or holds one created anew (a
   * removal and a registration again, in one batch).
   */
  private synchronized void seen(List<Instance> instances, CountDownLatch complete) {
    Map<String, Long> now = new TreeMap<>();
    for (Instance i : instances) {
      if (expected.contains(i.id())) {
        now.put(i.id(), i.createRevision());
      }
    }
    if (created == null) {
      if (now.size() == expected.size()) {
        created = now;
        complete.countDown();
      }
      return;
    }
    if (!now.equals(created)) {
      changes++;
    }
    mostMissing = Math.max(mostMissing, expected.size() - now.size());
  }

  private CairnClient client(String registries, Target.Tls tls, String name) {
    CairnClient c =
        Target.sdkClient(
                registries,
                tls == null ? null : tls.ca(),
                tls == null ? null : tls.cert(),
                tls == null ? null : tls.key(),
                null)
            .clientName(name)
            .shutdownHook(false)
            .build();
    clients.add(c);
    return c;
  }

  int owners() {
    return expected.size();
  }

  /**
   * Snapshots the view showed without exactly the clients' instances as first registered (one
   * missing, or registered anew).
   */
  synchronized int changes() {
    return changes;
  }

  /** The most of the clients' instances missing from the view at once. */
  synchronized int mostMissing() {
    return mostMissing;
  }

  @Override
  public void close() {
    for (CairnClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
  }
}
