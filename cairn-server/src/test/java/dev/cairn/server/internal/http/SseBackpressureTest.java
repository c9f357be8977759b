package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Instance;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.ServiceEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watcher that stops reading makes its connection unwritable; the registry then holds its events,
 * drops them when its buffer overflows, and resyncs it with a snapshot once it reads again. What it
 * ends up holding is the registry's state.
 *
 * <p>Whether the kernel's socket buffers absorb a given number of events depends on the machine, so
 * the test does not guess a number: it counts, through the registry's monitor, the events committed
 * to the service and those the watch handed to its transport, and registers more while the watcher
 * does not read until more are missing than its buffer and one drain in flight can hold; some of
 * them were then dropped, which only a resync does.
 */
class SseBackpressureTest {

  /** A small per-watcher buffer: the watcher is resynced soon after its connection stalls. */
  private static final int BUFFER_EVENTS = 16;

  /** Registered together; also the most events one commit (not yet offered) may carry. */
  private static final int CHUNK = 100;

  /** ~3.5 KB each, so ~70 MB: far beyond what any socket buffers hold. */
  private static final int MAX_INSTANCES = 20_000;

  private final Counts counts = new Counts();

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults(),
          null,
          RegistryOptions.builder().watchBufferEvents(BUFFER_EVENTS).monitor(counts).build());

  // Keepalives reset the socket's read timeout, so a watcher that is never resynced would read
  // forever: the whole test has a deadline, enforced from another thread (a blocking socket read
  // does not answer an interrupt), so a broken resync fails it instead of hanging the build.
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void slowWatcherIsResyncedAndConverges() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress("127.0.0.1", api.server().localAddress().getPort()));
      socket
          .getOutputStream()
          .write(
              "GET /v1/watch/services/web HTTP/1.1\r\nHost: x\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      Frames in =
          new Frames(
              new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)));
      assertThat(in.reader().readLine()).isEqualTo("HTTP/1.1 200 OK");

      // The initial snapshot is taken when it is sent: read it first, so that every instance
      // registered below reaches the watcher as an event, not in that snapshot.
      Frame first = in.next();
      assertThat(first.event()).isEqualTo("snapshot");
      assertThat(first.data().get("instances")).isEmpty();

      // While nothing reads the socket, register until the watcher has certainly lost events.
      int registered = 0;
      while (!counts.eventsLost()) {
        assertThat(registered).as("the watcher never fell behind").isLessThan(MAX_INSTANCES);
        register(registered, CHUNK);
        registered += CHUNK;
      }
      long target = api.registry().revision();

      Set<String> held = new HashSet<>();
      int snapshots = 1;
      boolean caughtUp = false;
      while (!caughtUp) {
        Frame f = in.next();
        if ("snapshot".equals(f.event())) {
          snapshots++;
          held.clear();
          f.data().get("instances").forEach(i -> held.add(i.get("id").asText()));
        } else if ("removed".equals(f.event())) {
          held.remove(f.data().at("/instance/id").asText());
        } else {
          held.add(f.data().at("/instance/id").asText());
        }
        caughtUp = f.id() >= target;
      }

      assertThat(snapshots).as("initial snapshot plus at least one resync").isGreaterThan(1);
      assertThat(counts.resyncs.get()).isPositive();
      assertThat(held).hasSize(registered);
    }
  }

  /** Registers {@code count} large instances {@code i-<from>...}, all at once, and waits. */
  private void register(int from, int count) {
    Map<String, String> metadata = new TreeMap<>();
    for (int k = 0; k < 7; k++) {
      metadata.put("k" + k, "v".repeat(500));
    }
    List<CompletableFuture<Instance>> done = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      done.add(
          api.registry()
              .register(
                  "default",
                  Instance.builder("web", "10.0.0.1").id("i-" + i).metadata(metadata).build()));
    }
    CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).join();
  }

  /**
   * Events of {@code web} committed, and handed to watch transports (there is one watch). Each
   * committed event is either handed over, buffered (at most {@link #BUFFER_EVENTS}), taken by a
   * drain not yet counted (at most as many), or dropped for a resync; the monitor hears of a commit
   * just before the watch is offered it, so the last commit (at most {@link #CHUNK} events) may not
   * have been offered yet.
   */
  private static final class Counts implements RegistryMonitor {
    final AtomicLong committed = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong resyncs = new AtomicLong();

    @Override
    public void serviceChanged(String namespace, String service, List<ServiceEvent> events) {
      if (service.equals("web")) {
        committed.addAndGet(events.size());
      }
    }

    @Override
    public void eventsDelivered(int events, long lagNanos) {
      delivered.addAndGet(events);
    }

    @Override
    public void snapshotDelivered(boolean resync) {
      if (resync) {
        resyncs.incrementAndGet();
      }
    }

    /** True once some events were certainly dropped, so a resync is due or done. */
    boolean eventsLost() {
      // Committed first: delivered only grows, so reading it second overestimates it.
      long c = committed.get();
      return c - CHUNK - delivered.get() > 2L * BUFFER_EVENTS;
    }
  }

  private record Frame(String event, long id, JsonNode data) {}

  /** Reads one server-sent event at a time. */
  private record Frames(BufferedReader reader) {
    Frame next() throws IOException {
      String event = null;
      long id = -1;
      while (true) {
        String line = reader.readLine();
        assertThat(line).as("stream ended early").isNotNull();
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("data: ")) {
          return new Frame(event, id, HttpApiFixture.JSON.readTree(line.substring(6)));
        }
      }
    }
  }
}
