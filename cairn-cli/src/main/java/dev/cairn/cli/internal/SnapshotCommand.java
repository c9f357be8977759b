package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn snapshot save FILE} and {@code cairn snapshot restore FILE}: a consistent backup of
 * a registry's durable state (persistent instances and service settings, at one revision), taken
 * from any member of a cluster or a single node, and written back through the API, so that a
 * restore reaches every member of a cluster through its log (decision 0105).
 */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Saves a consistent backup of the registry, or restores one.",
      "The backup is what GET /v1/snapshot answers.",
      "  cairn snapshot save FILE     instances and service settings at one revision",
      "  cairn snapshot restore FILE  registers them again (replacing same-id ones)",
      "Ephemeral instances are not saved: their clients register them again.",
      "With --json, one JSON object says what was saved or restored."
    })
final class SnapshotCommand implements Callable<Integer> {

  /** The only format this version writes and reads. */
  static final String FORMAT = "cairn-snapshot-1";

  private static final List<String> INSTANCE_FIELDS =
      List.of("address", "ports", "tags", "metadata", "weight", "zone", "health", "check");

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "ACTION", description = "save or restore.")
  String action;

  @Parameters(index = "1", paramLabel = "FILE", description = "The backup file.")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    switch (action) {
      case "save" -> save(out);
      case "restore" -> restore(out);
      default ->
          throw new ParameterException(
              spec.commandLine(), "ACTION: \"" + action + "\" (expected: save or restore)");
    }
    out.flush();
    return ExitCode.OK;
  }

  private void save(PrintWriter out) {
    Path target = file.toAbsolutePath();
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    // A file that cannot be written is the command line's fault (as one that cannot be read is
    // for restore), found before the server is asked for a whole snapshot.
    try {
      Files.writeString(tmp, "", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw cannotWrite(target, e);
    }
    HttpApi.Answer answer;
    try {
      answer = client.api().get("/v1/snapshot", HttpApi.Query.empty());
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
    JsonNode s = answer.json();
    try {
      Files.writeString(tmp, answer.body(), StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw cannotWrite(target, e);
    }
    int instances = 0;
    for (JsonNode svc : s.path("services")) {
      instances += svc.path("instances").size();
    }
    if (client.json) {
      ObjectNode line = HttpApi.JSON.createObjectNode();
      line.put("saved", target.toString());
      line.put("revision", s.path("revision").asLong());
      line.put("registryId", s.path("registryId").asText());
      line.put("services", s.path("services").size());
      line.put("instances", instances);
      line.put("ephemeralNotSaved", s.path("ephemeralNotSaved").asInt());
      out.println(line);
      return;
    }
    out.printf(
        "saved revision %d: %d services, %d persistent instances (%d ephemeral not saved) to %s%n",
        s.path("revision").asLong(),
        s.path("services").size(),
        instances,
        s.path("ephemeralNotSaved").asInt(),
        target);
  }

  private ParameterException cannotWrite(Path target, IOException e) {
    return new ParameterException(
        spec.commandLine(), "FILE: cannot write " + target + ": " + fileReason(e));
  }

  private static void deleteQuietly(Path tmp) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException ignored) {
      // the write failed already; that is what the command reports
    }
  }

  /** Why a file could not be read or written, without repeating its path. */
  private static String fileReason(IOException e) {
    return e instanceof java.nio.file.FileSystemException
        ? Failures.reason((java.nio.file.FileSystemException) e)
        : Failures.describe(e);
  }

  /**
   * A restore is new writes in the target's history: it keeps the target's registry id and moves
   * its revisions forward (decision 0221). A target with the backup's registry id at a revision
   * below the backup's is a history that started again under the same id: its data directories put
   * back from copies taken before the backup, or a history from before epochs rebuilt under its
   * --cluster-name (a history that starts empty has an id of its own since decision 0222). Clients
   * that saw the old history keep what they showed until the revisions pass it. Restoring is still
   * what the operator wants there; the warning says what clients will do.
   */
  private void warnWhenTheHistoryStartedAgain(HttpApi api, JsonNode backup) {
    String backupId = backup.path("registryId").asText("");
    long backupRevision = backup.path("revision").asLong();
    HttpApi.Answer status = api.get("/v1/status", HttpApi.Query.empty());
    long revision = status.json().path("revision").asLong();
    if (backupId.isEmpty() || !backupId.equals(status.registryId()) || revision >= backupRevision) {
      return;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "warning: "
            + client.server
            + " has the backup's registry id "
            + backupId
            + " at revision "
            + revision
            + ", below the backup's "
            + backupRevision
            + ": its history started again under the same id (data directories put back from"
            + " older copies?). Clients that saw the old history keep what they showed until"
            + " its revision passes "
            + backupRevision
            + " (decision 0221).");
    err.flush();
  }

  private void restore(PrintWriter out) {
    JsonNode s;
    try {
      s = HttpApi.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "FILE: cannot read " + file + ": " + fileReason(e));
    } catch (CliException e) {
      throw new ParameterException(spec.commandLine(), "FILE: " + file + ": " + e.getMessage());
    }
    if (!FORMAT.equals(s.path("format").asText())) {
      throw new ParameterException(
          spec.commandLine(),
          "FILE: "
              + file
              + ": format \""
              + s.path("format").asText()
              + "\" (expected: \""
              + FORMAT
              + "\", as written by cairn snapshot save)");
    }
    HttpApi api = client.api();
    warnWhenTheHistoryStartedAgain(api, s);
    int instances = 0;
    int services = 0;
    for (JsonNode svc : s.path("services")) {
      String ns = svc.path("namespace").asText("default");
      String service = svc.path("service").asText();
      HttpApi.Query query = HttpApi.Query.empty().add("namespace", ns);
      for (JsonNode i : svc.path("instances")) {
        ObjectNode body = HttpApi.JSON.createObjectNode();
        for (String f : INSTANCE_FIELDS) {
          if (i.has(f)) {
            body.set(f, i.get(f));
          }
        }
        api.put(
            "/v1/services/"
                + HttpApi.segment(service)
                + "/instances/"
                + HttpApi.segment(i.path("id").asText())
                + query.toQueryString(),
            body);
        instances++;
      }
      if (svc.has("protectionThreshold")) {
        ObjectNode config = HttpApi.JSON.createObjectNode();
        config.set("protectionThreshold", svc.get("protectionThreshold"));
        api.put(
            "/v1/services/" + HttpApi.segment(service) + "/config" + query.toQueryString(), config);
      }
      services++;
    }
    if (client.json) {
      ObjectNode line = HttpApi.JSON.createObjectNode();
      line.put("restored", file.toString());
      line.put("revision", s.path("revision").asLong());
      line.put("registryId", s.path("registryId").asText());
      line.put("services", services);
      line.put("instances", instances);
      out.println(line);
      return;
    }
    out.printf(
        "restored revision %d of %s: %d services, %d persistent instances%n",
        s.path("revision").asLong(), file, services, instances);
  }
}
