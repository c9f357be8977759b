package dev.cairn.server.core.internal;

import dev.cairn.common.Health;
import dev.cairn.server.core.log.CommandLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a follower tells the leader about the sessions it serves, without logging it (decision
 * 0102): the sessions its clients renewed since the last flush (one message for all of them, sent
 * every {@code flushEvery}), and at once a session whose client went away (its stream broke) and a
 * TTL check's report. The leader keeps the leases and runs the checks; these messages reach its
 * {@link dev.cairn.server.core.log.LogStateMachine#leaderMessage}.
 *
 * <p>Thread-safe.
 */
final class LeaderChannel {

  private static final Logger log = LoggerFactory.getLogger(LeaderChannel.class);

  static final byte RENEW = 1;
  static final byte DETACH = 2;
  static final byte REPORT = 3;

  /** One operation for the leader. */
  record Op(byte kind, String session, String namespace, String service, String id, Health health) {

    static Op renew(String session) {
      return new Op(RENEW, session, "", "", "", Health.PASSING);
    }

    static Op detach(String session) {
      return new Op(DETACH, session, "", "", "", Health.PASSING);
    }

    static Op report(String namespace, String service, String id, Health health) {
      return new Op(REPORT, "", namespace, service, id, health);
    }
  }

  private final CommandLog commandLog;
  // Sessions renewed since the last flush; guarded by `this`.
  private Set<String> renewed = new LinkedHashSet<>();

  LeaderChannel(CommandLog commandLog) {
    this.commandLog = commandLog;
  }

  /** Notes a renewal, sent with the next {@link #flush}. */
  synchronized void renewed(String sessionId) {
    renewed.add(sessionId);
  }

  /** Sends the renewals noted since the last flush, if any; called every flush interval. */
  void flush() {
    Set<String> batch;
    synchronized (this) {
      if (renewed.isEmpty()) {
        return;
      }
      batch = renewed;
      renewed = new LinkedHashSet<>();
    }
    List<Op> ops = new ArrayList<>(batch.size());
    for (String s : batch) {
      ops.add(Op.renew(s));
    }
    send(ops)
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                // Put them back: the next flush (to whichever member leads by then) carries them.
                synchronized (this) {
                  renewed.addAll(batch);
                }
                log.debug("forwarding {} renewals failed: {}", batch.size(), e.toString());
              }
            });
  }

  /** Sends one operation at once. */
  CompletableFuture<byte[]> send(Op op) {
    return send(List.of(op));
  }

  private CompletableFuture<byte[]> send(List<Op> ops) {
    return commandLog.sendToLeader(encode(ops));
  }

  static byte[] encode(List<Op> ops) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + ops.size() * 40);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(ops.size());
      for (Op op : ops) {
        out.writeByte(op.kind());
        if (op.kind() == REPORT) {
          out.writeUTF(op.namespace());
          out.writeUTF(op.service());
          out.writeUTF(op.id());
          out.writeByte(op.health().ordinal());
        } else {
          out.writeUTF(op.session());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static List<Op> decode(byte[] message) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
    int n = in.readInt();
    if (n < 0 || n > message.length) {
      throw new IOException("leader message: " + n + " operations in " + message.length + " bytes");
    }
    List<Op> ops = new ArrayList<>(n);
    Health[] healths = Health.values();
    for (int i = 0; i < n; i++) {
      byte kind = in.readByte();
      if (kind == REPORT) {
        String ns = in.readUTF();
        String service = in.readUTF();
        String id = in.readUTF();
        int h = in.readUnsignedByte();
        if (h >= healths.length) {
          throw new IOException("leader message: health " + h);
        }
        ops.add(Op.report(ns, service, id, healths[h]));
      } else if (kind == RENEW || kind == DETACH) {
        ops.add(new Op(kind, in.readUTF(), "", "", "", Health.PASSING));
      } else {
        throw new IOException("leader message: operation " + kind);
      }
    }
    return ops;
  }
}
