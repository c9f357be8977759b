package dev.cairn.client.internal;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.GetServiceResponse;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views' disk snapshots: one file per service, {@code <dir>/<namespace>.<service>.pb}, holding
 * a {@code cairn.v1.GetServiceResponse}. Written atomically (a temporary file moved over the old
 * one) on the store's own thread; when writes come faster than the disk, only the latest per
 * service is written. A missing or unreadable file reads as empty.
 */
final class SnapshotStore {

  private static final Logger log = LoggerFactory.getLogger(SnapshotStore.class);

  private final Path dir;
  private final String namespace;
  private final ExecutorService io;
  // Guarded by itself: the latest snapshot per service not yet written.
  private final Map<String, GetServiceResponse> dirty = new HashMap<>();

  SnapshotStore(Path dir, String namespace, ExecutorService io) {
    this.dir = dir;
    this.namespace = namespace;
    this.io = io;
  }

  /** Reads the service's snapshot; blocking, call on the store's thread. */
  Optional<GetServiceResponse> read(String service) {
    Path file = file(service);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(GetServiceResponse.parseFrom(Files.readAllBytes(file)));
    } catch (IOException e) {
      log.warn("Ignoring unreadable snapshot {}: {}", file, e.toString());
      return Optional.empty();
    }
  }

  /** Queues a write of the service's instances at {@code revision}. */
  void write(String service, long revision, List<Instance> instances) {
    GetServiceResponse.Builder b = GetServiceResponse.newBuilder().setRevision(revision);
    for (Instance i : instances) {
      b.addInstances(Protos.toProto(i));
    }
    boolean schedule;
    synchronized (dirty) {
      schedule = dirty.put(service, b.build()) == null;
    }
    if (schedule) {
      io.execute(() -> flush(service));
    }
  }

  /** The executor of this store's I/O. */
  ExecutorService executor() {
    return io;
  }

  private void flush(String service) {
    GetServiceResponse snapshot;
    synchronized (dirty) {
      snapshot = dirty.remove(service);
    }
    if (snapshot == null) {
      return;
    }
    Path file = file(service);
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + namespace + "." + service + ".", ".tmp");
      try {
        Files.write(tmp, snapshot.toByteArray());
        try {
          Files.move(
              tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      log.warn("Could not write snapshot {}: {}", file, e.toString());
    }
  }

  private Path file(String service) {
    return dir.resolve(namespace + "." + service + ".pb");
  }
}
