package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.CairnServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A view never goes back in the revisions of one registry (decision 0201), against two real
 * servers: {@code ahead} and {@code behind} share one registry history (the second started from a
 * copy of the first's data directory), and the test writes to {@code ahead} only, until it lets
 * {@code behind} catch up. A view that showed {@code ahead}'s state and fails over to {@code
 * behind} keeps it, by its watch or by its reads alone (its watches on {@code behind} refused), and
 * moves on once {@code behind} has caught up. A registry with another id is a fresh start, a
 * registry rebuilt from empty data under its old Raft identity included (decision 0222). A listing
 * of the services ({@link CairnClient#services()}) never goes back either.
 */
class ViewRevisionTest {

  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @ParameterizedTest(name = "watches on the member behind: {0}")
  @ValueSource(booleans = {true, false})
  void aViewNeverGoesBackOnAMemberOfItsRegistryThatIsBehind(boolean watchesThere) throws Exception {
    Path aheadDir = dir.resolve("ahead");
    CairnServer first = start(aheadDir);
    register(first, "a", "b");
    first.close();
    copy(aheadDir, dir.resolve("behind"));
    CairnServer ahead = start(aheadDir);
    CairnServer behind = start(dir.resolve("behind"));
    assertThat(behind.registry().historyId()).isEqualTo(ahead.registry().historyId()).isNotEmpty();
    assertThat(behind.registry().revision()).isEqualTo(ahead.registry().revision());
    // Only `ahead` applies these: `behind` is a member of the same registry that has not yet.
    removeAAddC(ahead);

    ReadsOn reads = new ReadsOn(Servers.target(behind), !watchesThere);
    CairnClient client =
        built(client(Servers.target(ahead) + "," + Servers.target(behind)).interceptor(reads));
    ServiceView view = client.view("orders");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !view.isStale() && ids(view.instances()).equals(List.of("b", "c")));
    List<String> shown = new CopyOnWriteArrayList<>();
    view.addListener(s -> shown.add(String.join(",", ids(s.instances()))));

    ahead.close();
    // The view's reads (and watches, if they are not refused there) now go to `behind`.
    int before = reads.answered.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.answered.get() >= before + 3);
    if (watchesThere) {
      await().atMost(Duration.ofSeconds(20)).until(() -> !view.isStale());
    }

    assertThat(ids(view.instances())).containsExactly("b", "c");
    assertThat(shown).allMatch(s -> s.equals("b,c"));
    assertThat(view.snapshot().revision()).isEqualTo(ahead.registry().revision());

    // `behind` catches up (the same writes, in the same order), then moves past.
    removeAAddC(behind);
    assertThat(behind.registry().revision()).isEqualTo(ahead.registry().revision());
    behind.registry().register("default", instance("orders", "d")).join();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(view.instances()).equals(List.of("b", "c", "d")));
    assertThat(shown).allMatch(s -> s.equals("b,c") || s.equals("b,c,d"));
  }

  @ParameterizedTest(name = "watches on the other registry: {0}")
  @ValueSource(booleans = {true, false})
  void aRegistryWithAnotherIdIsAFreshStart(boolean watchesThere) throws Exception {
    CairnServer old = start(dir.resolve("old"));
    register(old, "a", "b", "c", "e");
    CairnServer other = start(dir.resolve("other"));
    register(other, "x");
    assertThat(other.registry().historyId()).isNotEqualTo(old.registry().historyId());
    assertThat(other.registry().revision()).isLessThan(old.registry().revision());

    ReadsOn reads = new ReadsOn(Servers.target(other), !watchesThere);
    // Nothing here waits for "behind": a request timeout that a busy machine does not reach keeps
    // the view on `old` until it closes.
    CairnClient client =
        built(
            client(Servers.target(old) + "," + Servers.target(other))
                .requestTimeout(Duration.ofSeconds(10))
                .interceptor(reads));
    ServiceView view = client.view("orders");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !view.isStale() && ids(view.instances()).size() == 4);

    old.close();

    // Its revisions restart: what it says is taken as it is, not waited for.
    await().atMost(Duration.ofSeconds(20)).until(() -> ids(view.instances()).equals(List.of("x")));
    assertThat(view.snapshot().revision()).isEqualTo(other.registry().revision());
    other.registry().register("default", instance("orders", "y")).join();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(view.instances()).equals(List.of("x", "y")));
  }

  @Test
  void aRegistryRebuiltFromEmptyDataUnderItsOldIdentityIsAFreshStart() throws Exception {
    Path oldDir = dir.resolve("old");
    CairnServer old = start(oldDir);
    register(old, "a", "b", "c", "e");
    // Empty data but the old Raft identity, as a cluster rebuilt under its --cluster-name has its
    // old Raft group: its history has a registry id of its own (decision 0222).
    Path rebuiltDir = Files.createDirectories(dir.resolve("rebuilt"));
    Files.copy(
        oldDir.resolve("cairn-raft.properties"), rebuiltDir.resolve("cairn-raft.properties"));
    CairnServer rebuilt = start(rebuiltDir);
    register(rebuilt, "x");
    assertThat(rebuilt.registry().historyId())
        .isNotEmpty()
        .isNotEqualTo(old.registry().historyId());
    assertThat(rebuilt.registry().revision()).isLessThan(old.registry().revision());

    CairnClient client =
        built(
            client(Servers.target(old) + "," + Servers.target(rebuilt))
                .requestTimeout(Duration.ofSeconds(10)));
    ServiceView view = client.view("orders");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !view.isStale() && ids(view.instances()).size() == 4);

    old.close();

    // Taken as it is, at its lower revision: the old history's instances are gone from the view.
    await().atMost(Duration.ofSeconds(20)).until(() -> ids(view.instances()).equals(List.of("x")));
    assertThat(view.snapshot().revision()).isEqualTo(rebuilt.registry().revision());
  }

  @Test
  void aListingNeverGoesBackOnAMemberOfItsRegistryThatIsBehind() throws Exception {
    Path aheadDir = dir.resolve("ahead");
    CairnServer first = start(aheadDir);
    register(first, "a");
    first.close();
    copy(aheadDir, dir.resolve("behind"));
    CairnServer ahead = start(aheadDir);
    CairnServer behind = start(dir.resolve("behind"));
    // Only `ahead` applies this: `behind` is a member of the same registry that has not yet.
    ahead.registry().register("default", instance("payments", "p")).join();

    ReadsOn listings =
        new ReadsOn(Servers.target(behind), false, RegistryGrpc.getListServicesMethod());
    CairnClient client =
        built(client(Servers.target(ahead) + "," + Servers.target(behind)).interceptor(listings));
    assertThat(client.services().get(20, TimeUnit.SECONDS)).containsExactly("orders", "payments");

    ahead.close();
    // Every listing now reaches `behind` (first or after `ahead` refused): none shows it.
    List<List<String>> answers = new CopyOnWriteArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try {
                answers.add(client.services().get(20, TimeUnit.SECONDS));
              } catch (ExecutionException e) {
                // `behind` says it is behind; `ahead` is gone.
              }
              return listings.answered.get() >= 3;
            });
    assertThat(answers).allMatch(names -> names.contains("payments"));

    // `behind` catches up, then moves past: the listing follows.
    behind.registry().register("default", instance("payments", "p")).join();
    behind.registry().register("default", instance("shipping", "s")).join();
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () ->
                client
                    .services()
                    .get(20, TimeUnit.SECONDS)
                    .equals(List.of("orders", "payments", "shipping")));
  }

  private CairnServer start(Path dataDir) throws IOException {
    CairnServer s = CairnServer.builder().dataDir(dataDir).httpPort(0).grpcPort(0).start();
    open.add(s);
    return s;
  }

  // Reads every 100 ms: a read that asks for a revision a member has not applied is answered
  // "behind" within half the request timeout.
  private static CairnClient.Builder client(String registries) {
    return CairnClient.builder()
        .registries(registries)
        .spreadOverRegistries(false)
        .shutdownHook(false)
        .removalProtection(false)
        .reconcileInterval(Duration.ofMillis(100))
        .requestTimeout(Duration.ofSeconds(1))
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  private CairnClient built(CairnClient.Builder b) {
    CairnClient c = b.build();
    open.add(c);
    return c;
  }

  // The writes `behind` misses until it catches up.
  private static void removeAAddC(CairnServer s) {
    s.registry().deregister("default", "orders", "a").join();
    s.registry().register("default", instance("orders", "c")).join();
  }

  private static void register(CairnServer s, String... ids) {
    for (String id : ids) {
      s.registry().register("default", instance("orders", id)).join();
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * On the registry at {@code authority}: counts the {@code read} calls answered (whatever the
   * answer; {@code GetService} unless said), and refuses watches there when {@code refuseWatches}
   * (the view's watch then keeps failing over, and only its reads reach that registry).
   */
  private static final class ReadsOn implements ClientInterceptor {
    final String authority;
    final boolean refuseWatches;
    final MethodDescriptor<?, ?> read;
    final AtomicInteger answered = new AtomicInteger();

    ReadsOn(String authority, boolean refuseWatches) {
      this(authority, refuseWatches, RegistryGrpc.getGetServiceMethod());
    }

    ReadsOn(String authority, boolean refuseWatches, MethodDescriptor<?, ?> read) {
      this.authority = authority;
      this.refuseWatches = refuseWatches;
      this.read = read;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      if (!next.authority().equals(authority)) {
        return call;
      }
      if (refuseWatches && method.equals(RegistryGrpc.getWatchWithAcksMethod())) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(listener, headers);
            call.cancel("test: no watches on this registry", null);
          }
        };
      }
      if (!method.equals(read)) {
        return call;
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  answered.incrementAndGet();
                  super.onClose(status, trailers);
                }
              },
              headers);
        }
      };
    }
  }
}
