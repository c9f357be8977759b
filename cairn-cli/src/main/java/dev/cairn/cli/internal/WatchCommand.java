package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn watch <service>}: follows a service's server-sent events and prints one line per
 * change until interrupted. A broken stream is resumed with {@code Last-Event-ID}; when the server
 * cannot resume (or answers with a fresh snapshot), the watch starts over and the differences to
 * what was shown are printed as changes.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Prints a service's instances, then each change until Ctrl-C.",
      "Follows GET /v1/watch/services/{service} (server-sent events), one line per",
      "change as it happens; reconnects with Last-Event-ID if the stream breaks."
    })
final class WatchCommand implements Callable<Integer> {

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration FOREVER = Duration.ofDays(365);

  @Spec CommandSpec spec;
  @Mixin ClientOptions.Namespaced client;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Option(
      names = "--max-events",
      hidden = true,
      paramLabel = "N",
      description = "Stop after N changes (for tests and scripts).")
  Integer maxEvents;

  @Option(
      names = "--timeout",
      hidden = true,
      paramLabel = "DURATION",
      converter = Durations.class,
      description = "Stop after this long (for tests and scripts).")
  Duration timeout;

  // Owned by the thread running call().
  private final Map<String, JsonNode> shown = new LinkedHashMap<>();
  private PrintWriter out;
  private PrintWriter err;
  private long deadlineNanos;
  private String lastId;
  private boolean connected;
  private boolean snapshotSeen;
  private int changes;

  @Override
  public Integer call() throws InterruptedException {
    out = spec.commandLine().getOut();
    err = spec.commandLine().getErr();
    deadlineNanos = System.nanoTime() + (timeout == null ? FOREVER : timeout).toNanos();
    HttpApi api = client.api();
    Duration backoff = FIRST_BACKOFF;
    while (true) {
      String reason;
      try (EventStream stream =
          EventStream.open(
              api,
              api.uri("/v1/watch/services/" + HttpApi.segment(service), HttpApi.Query.empty()),
              lastId)) {
        reason = follow(stream);
      }
      if (reason == null) {
        return ExitCode.OK;
      }
      if (connected) {
        backoff = FIRST_BACKOFF;
        connected = false;
      }
      err.println(
          "watch: "
              + reason
              + "; reconnecting"
              + (lastId == null ? "" : " from revision " + lastId)
              + " in "
              + backoff.toMillis()
              + "ms");
      err.flush();
      if (remaining().compareTo(backoff) <= 0) {
        return ExitCode.OK;
      }
      Thread.sleep(backoff.toMillis());
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }
  }

  /**
   * Prints what {@code stream} brings until it ends. Returns null when the watch is over ({@code
   * --timeout}, {@code --max-events}), else why the stream ended, to reconnect. Throws when there
   * is no point in reconnecting: the first connection failed, or the server refused the watch.
   */
  private String follow(EventStream stream) throws InterruptedException {
    while (true) {
      EventStream.Item item = stream.poll(remaining());
      if (item == null) {
        return null;
      }
      if (item instanceof EventStream.Connected) {
        if (snapshotSeen) {
          err.println("watch: reconnected");
          err.flush();
        }
        connected = true;
      } else if (item instanceof EventStream.Event) {
        EventStream.Event event = (EventStream.Event) item;
        if ("error".equals(event.type())) {
          throw ended(event);
        }
        if (event.id() != null) {
          lastId = event.id();
        }
        snapshotSeen |= print(event);
        if (maxEvents != null && changes >= maxEvents) {
          return null;
        }
      } else if (item instanceof EventStream.Failed) {
        return failed((EventStream.Failed) item);
      } else {
        return "the server closed the stream";
      }
    }
  }

  /**
   * The server ended the watch with an {@code error} event: with ACLs, its token was deleted or no
   * longer grants it (decision 0217). Reconnecting would be refused the same way.
   */
  private static CliException ended(EventStream.Event event) {
    JsonNode error = HttpApi.parse(event.data()).path("error");
    String code = error.path("code").asText("");
    boolean refused = code.equals("PERMISSION_DENIED") || code.equals("UNAUTHENTICATED");
    return new CliException(
        refused ? ExitCode.REFUSED : ExitCode.SERVER_ERROR,
        "the server ended the watch: " + error.path("message").asText(code));
  }

  private String failed(EventStream.Failed failed) {
    String message = failed.error().getMessage();
    if (!snapshotSeen) {
      throw failed.error();
    }
    if (failed.status() == 0 || failed.status() == 429 || failed.status() >= 500) {
      return message; // unreachable, busy or restarting: try again
    }
    if (lastId != null) {
      // E.g. a server restarted without its data does not know the revision: start over, and
      // show the differences when the fresh snapshot comes.
      lastId = null;
      connected = true; // the server is up: no need to back off
      return "cannot resume (" + message + ")";
    }
    throw failed.error();
  }

  /** Prints {@code event}; returns whether it was a snapshot. */
  private boolean print(EventStream.Event event) {
    JsonNode data = HttpApi.parse(event.data());
    String revision = Render.text(data, "revision");
    boolean snapshot = "snapshot".equals(event.type());
    if ("compacted".equals(event.type())) {
      // The server no longer holds the changes since our last id; its snapshot comes next, and
      // the differences to what was shown are printed then.
      if (client.json) {
        ObjectNode line = HttpApi.JSON.createObjectNode().put("event", event.type());
        if (data.isObject()) {
          line.setAll((ObjectNode) data);
        }
        out.println(line);
        out.flush();
      }
      return false;
    }
    if (client.json) {
      ObjectNode line = HttpApi.JSON.createObjectNode().put("event", event.type());
      if (data.isObject()) {
        line.setAll((ObjectNode) data);
      }
      out.println(line);
      if (!snapshot) {
        changes++;
      }
    } else if (snapshot && !snapshotSeen) {
      printInitial(data, revision);
    } else if (snapshot) {
      printDifferences(data, revision);
    } else {
      JsonNode instance = data.path("instance");
      String id = Render.text(instance, "id");
      if ("removed".equals(event.type())) {
        shown.remove(id);
      } else {
        shown.put(id, instance);
      }
      change(event.type(), instance, revision);
    }
    out.flush();
    return snapshot;
  }

  private void printInitial(JsonNode data, String revision) {
    JsonNode instances = data.path("instances");
    out.println(
        "watching "
            + service
            + " at revision "
            + revision
            + ": "
            + instances.size()
            + (instances.size() == 1 ? " instance" : " instances"));
    for (JsonNode instance : instances) {
      shown.put(Render.text(instance, "id"), instance);
      out.println("  " + Render.line(instance));
    }
  }

  private void printDifferences(JsonNode data, String revision) {
    Map<String, JsonNode> now = new LinkedHashMap<>();
    data.path("instances").forEach(i -> now.put(Render.text(i, "id"), i));
    for (Map.Entry<String, JsonNode> e : shown.entrySet()) {
      if (!now.containsKey(e.getKey())) {
        change("removed", e.getValue(), revision);
      }
    }
    for (Map.Entry<String, JsonNode> e : now.entrySet()) {
      JsonNode before = shown.get(e.getKey());
      if (before == null) {
        change("added", e.getValue(), revision);
      } else if (!before.equals(e.getValue())) {
        change("updated", e.getValue(), revision);
      }
    }
    shown.clear();
    shown.putAll(now);
  }

  private void change(String type, JsonNode instance, String revision) {
    out.println(String.format("%-8s %s  (revision %s)", type, Render.line(instance), revision));
    changes++;
  }

  private Duration remaining() {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }
}
