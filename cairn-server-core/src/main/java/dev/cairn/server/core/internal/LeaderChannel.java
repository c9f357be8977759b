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
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a follower tells the leader about the sessions it serves, without logging it (decision
 * 0102): the sessions its clients renewed since the last flush (one message for all of them, sent
 * every {@code flushEvery}), and at once a session whose client went away (its stream broke) and a
 * TTL check's report. The leader keeps the leases and runs the checks; these messages reach its
 * {@link dev.cairn.server.core.log.LogStateMachine#leaderMessage}.
 *
 * <p>Every message names its sender, and a flush names the sessions whose clients opened or resumed
 * them on the sender since the last one: the leader ends a session for a detach only when it comes
 * from the member that holds the session (decision 0186).
 *
 * <p>The format: an {@code int} count of operations, the operations (a kind byte, then its fields),
 * then extension records up to the end of the message, each a tag byte, an {@code int} length and
 * that many bytes. A member before decision 0186 reads the operations and ignores the rest; a
 * reader skips a record whose tag it does not know. New kinds of operations go into records, never
 * into the operations, which a reader cannot skip.
 *
 * <p>Thread-safe.
 */
final class LeaderChannel {

  private static final Logger log = LoggerFactory.getLogger(LeaderChannel.class);

  static final byte RENEW = 1;
  static final byte DETACH = 2;
  static final byte REPORT = 3;

  /** A session opened or resumed on the sender: sent in a record, decoded as an operation. */
  static final byte CLAIM = 4;

  // Extension records' tags.
  static final byte SENDER = 1;
  static final byte CLAIMS = 2;

  /** One operation for the leader. */
  record Op(byte kind, String session, String namespace, String service, String id, Health health) {

    static Op renew(String session) {
      return new Op(RENEW, session, "", "", "", Health.PASSING);
    }

    static Op detach(String session) {
      return new Op(DETACH, session, "", "", "", Health.PASSING);
    }

    static Op claim(String session) {
      return new Op(CLAIM, session, "", "", "", Health.PASSING);
    }

    static Op report(String namespace, String service, String id, Health health) {
      return new Op(REPORT, "", namespace, service, id, health);
    }
  }

  /**
   * A decoded message: its sender's member id ({@code ""} from a member before decision 0186) and
   * its operations, the claims first.
   */
  record Message(String sender, List<Op> ops) {}

  /**
   * What waits for the renewals of one flush to reach the leader (decision 0187): {@code reached}
   * completes once a flush carrying them succeeded; {@code awaited}, guarded by the channel, tells
   * whether anyone asked for it.
   */
  private static final class Waiters {
    final CompletableFuture<Void> reached = new CompletableFuture<>();
    boolean awaited;
  }

  private final CommandLog commandLog;
  private final Supplier<String> memberId;
  // Sessions renewed, and opened or resumed here, since the last flush, and what waits for their
  // renewals to reach the leader; guarded by `this`.
  private Set<String> renewed = new LinkedHashSet<>();
  private Set<String> claimed = new LinkedHashSet<>();
  private Waiters waiters = new Waiters();

  /** A channel whose messages name the member {@code memberId} gives ({@code ""}: unknown yet). */
  LeaderChannel(CommandLog commandLog, Supplier<String> memberId) {
    this.commandLog = commandLog;
    this.memberId = memberId;
  }

  /** Notes a renewal, sent with the next {@link #flush}. */
  synchronized void renewed(String sessionId) {
    renewed.add(sessionId);
  }

  /**
   * Notes a renewal, sent with the next {@link #flush}; completes once a flush carrying it reached
   * the leader (never while none does).
   */
  synchronized CompletableFuture<Void> renewedToLeader(String sessionId) {
    renewed.add(sessionId);
    waiters.awaited = true;
    return waiters.reached;
  }

  /** Notes that a client opened or resumed a session here, sent with the next {@link #flush}. */
  synchronized void claimed(String sessionId) {
    renewed.add(sessionId);
    claimed.add(sessionId);
  }

  /**
   * Forgets the renewals and the claim of a session noted since the last flush: its client left
   * this member (decision 0194), and a claim sent later would name the wrong holder.
   */
  synchronized void forget(String sessionId) {
    renewed.remove(sessionId);
    claimed.remove(sessionId);
  }

  /** Sends the renewals and claims noted since the last flush, if any; called every interval. */
  void flush() {
    Set<String> batch;
    Set<String> claims;
    Waiters carried;
    synchronized (this) {
      if (renewed.isEmpty() && claimed.isEmpty()) {
        return;
      }
      batch = renewed;
      claims = claimed;
      carried = waiters;
      renewed = new LinkedHashSet<>();
      claimed = new LinkedHashSet<>();
      waiters = new Waiters();
    }
    List<Op> ops = new ArrayList<>(batch.size() + claims.size());
    for (String s : batch) {
      ops.add(Op.renew(s));
    }
    for (String s : claims) {
      ops.add(Op.claim(s));
    }
    send(ops)
        .whenComplete(
            (r, e) -> {
              if (e == null) {
                carried.reached.complete(null);
                return;
              }
              // Put them back: the next flush (to whichever member leads by then) carries them,
              // and answers their waiters, with those of the renewals noted meanwhile. Taking the
              // failed flush's waiters back, rather than chaining them to new ones, keeps a flush
              // that fails again and again (a member cut off) from growing a chain.
              synchronized (this) {
                renewed.addAll(batch);
                claimed.addAll(claims);
                Waiters newer = waiters;
                waiters = carried;
                if (newer.awaited) {
                  carried.awaited = true;
                  carried.reached.whenComplete((v, x) -> newer.reached.complete(null));
                }
              }
              log.debug("forwarding {} renewals failed: {}", batch.size(), e.toString());
            });
  }

  /**
   * Sends at once that a session's stream here ended; with it the session's claim when it was not
   * flushed yet, so that the leader knows this member holds the session before it reads the detach.
   */
  CompletableFuture<byte[]> detach(String sessionId) {
    boolean claim;
    synchronized (this) {
      claim = claimed.contains(sessionId);
    }
    return send(
        claim ? List.of(Op.claim(sessionId), Op.detach(sessionId)) : List.of(Op.detach(sessionId)));
  }

  /** Sends one operation at once. */
  CompletableFuture<byte[]> send(Op op) {
    return send(List.of(op));
  }

  private CompletableFuture<byte[]> send(List<Op> ops) {
    return commandLog.sendToLeader(encode(memberId.get(), ops));
  }

  static byte[] encode(String sender, List<Op> ops) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + ops.size() * 40);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      List<String> claims = new ArrayList<>();
      int n = 0;
      for (Op op : ops) {
        if (op.kind() == CLAIM) {
          claims.add(op.session());
        } else {
          n++;
        }
      }
      out.writeInt(n);
      for (Op op : ops) {
        if (op.kind() == CLAIM) {
          continue;
        }
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
      ByteArrayOutputStream record = new ByteArrayOutputStream();
      try (DataOutputStream r = new DataOutputStream(record)) {
        r.writeUTF(sender);
      }
      writeRecord(out, SENDER, record);
      if (!claims.isEmpty()) {
        record = new ByteArrayOutputStream();
        try (DataOutputStream r = new DataOutputStream(record)) {
          r.writeInt(claims.size());
          for (String s : claims) {
            r.writeUTF(s);
          }
        }
        writeRecord(out, CLAIMS, record);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeRecord(DataOutputStream out, byte tag, ByteArrayOutputStream record)
      throws IOException {
    out.writeByte(tag);
    out.writeInt(record.size());
    record.writeTo(out);
  }

  static Message decode(byte[] message) throws IOException {
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
    String sender = "";
    List<Op> claims = new ArrayList<>();
    // A ByteArrayInputStream tells exactly how many bytes are left.
    while (in.available() > 0) {
      byte tag = in.readByte();
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new IOException("leader message: a record of " + length + " bytes");
      }
      byte[] body = in.readNBytes(length);
      DataInputStream r = new DataInputStream(new ByteArrayInputStream(body));
      if (tag == SENDER) {
        sender = r.readUTF();
      } else if (tag == CLAIMS) {
        int m = r.readInt();
        if (m < 0 || m > length) {
          throw new IOException("leader message: " + m + " claims in " + length + " bytes");
        }
        for (int i = 0; i < m; i++) {
          claims.add(Op.claim(r.readUTF()));
        }
      }
      // Any other tag: a record of a later version, skipped.
    }
    claims.addAll(ops);
    return new Message(sender, claims);
  }
}
