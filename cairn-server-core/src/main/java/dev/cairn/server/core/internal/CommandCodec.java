package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.acl.Secrets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The binary form of command batches (one log entry), of their results (the entry's reply) and of
 * instances (shared with catalog snapshots). Format version 4 (version 1 without health checks and
 * service settings, version 2 without session secrets and ownership — their registrations and
 * removals apply as they did then, acting for any session — version 3 without ACL tokens and
 * policies, and version 4 without authors are still read); a new field means a new version. Since
 * version 5 a command may come {@linkplain Command.Authored with its author}, under its own tag in
 * front of it (decision 0171).
 *
 * <p>Decoding refuses bytes it does not understand only with the exception each method names (an
 * out-of-range count, enum ordinal or instance field included), never with another: a log entry
 * that does not decode is skipped, not a failure of the log (fuzzed: CommandCodecFuzzTest).
 */
final class CommandCodec {

  static final int VERSION = 5;

  /** The oldest version still read. */
  static final int MIN_VERSION = 1;

  private static final byte REGISTER = 1;
  private static final byte DEREGISTER = 2;
  private static final byte OPEN_SESSION = 3;
  private static final byte CLOSE_SESSION = 4;
  private static final byte SET_HEALTH = 5;
  private static final byte SET_SERVICE_CONFIG = 6;
  private static final byte CREATE_ACL_TOKEN = 7;
  private static final byte DELETE_ACL_TOKEN = 8;
  private static final byte CREATE_ACL_POLICY = 9;
  private static final byte DELETE_ACL_POLICY = 10;
  private static final byte FORWARDED = 11;
  private static final byte AUTHORED = 12;

  /** The most commands one forwarded batch holds when decoded (far above any entry's). */
  private static final int MAX_FORWARDED = 1 << 16;

  private static final Health[] HEALTH = Health.values();
  private static final InstanceKind[] KINDS = InstanceKind.values();
  private static final ErrorCode[] CODES = ErrorCode.values();
  private static final HealthCheck.Type[] CHECK_TYPES = HealthCheck.Type.values();

  /** A batch's version, id and command count. */
  private static final int BATCH_HEADER_BYTES = 13;

  /** The largest buffer a batch asks for up front; a larger batch grows its buffer. */
  private static final int MAX_ESTIMATE_BYTES = 1 << 20;

  /** What a command is assumed to take before any batch was encoded. */
  static final int FIRST_GUESS_BYTES_PER_COMMAND = 160;

  private CommandCodec() {}

  /** Encodes a batch under {@code batchId}, which {@link #batchId} reads back cheaply. */
  static byte[] encodeBatch(long batchId, List<Command> commands) {
    return encodeBatch(batchId, commands, FIRST_GUESS_BYTES_PER_COMMAND);
  }

  /**
   * Encodes a batch under {@code batchId}, its buffer sized for commands of about {@code
   * bytesPerCommand} each, so that encoding does not grow (allocate and copy) the buffer several
   * times over.
   */
  static byte[] encodeBatch(long batchId, List<Command> commands, int bytesPerCommand) {
    int n = commands.size();
    long estimate = BATCH_HEADER_BYTES + (long) n * bytesPerCommand * 9 / 8;
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream((int) Math.min(estimate, MAX_ESTIMATE_BYTES));
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeLong(batchId);
      out.writeInt(n);
      for (Command c : commands) {
        writeCommand(out, c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The bytes a command took in an encoded batch of {@code commands} (at least one). */
  static int bytesPerCommand(byte[] batch, int commands) {
    return (batch.length - BATCH_HEADER_BYTES + commands - 1) / commands;
  }

  /**
   * The id a batch was encoded under.
   *
   * @throws IOException when the entry is not a batch this version understands
   */
  static long batchId(byte[] entry) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry));
    int version = checkVersion("command batch", in.readUnsignedByte());
    return in.readLong();
  }

  /** Decodes a batch, sharing the repeated strings of instances through {@code pool}. */
  static List<Command> decodeBatch(byte[] entry, StringPool pool) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry));
    int version = checkVersion("command batch", in.readUnsignedByte());
    in.readLong(); // batch id
    int n = in.readInt();
    if (n < 0 || n > entry.length) {
      throw new IOException("command count " + n + " in an entry of " + entry.length + " bytes");
    }
    List<Command> commands = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      commands.add(readCommand(in, pool, version));
    }
    return commands;
  }

  /**
   * Returns {@code version} when this code reads it.
   *
   * @throws IOException naming {@code what} otherwise
   */
  static int checkVersion(String what, int version) throws IOException {
    if (version < MIN_VERSION || version > VERSION) {
      throw new IOException(
          what + " version " + version + " (expected: " + MIN_VERSION + ".." + VERSION + ")");
    }
    return version;
  }

  static byte[] encodeResults(List<Result> results) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 + results.size() * 24);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(results.size());
      for (Result r : results) {
        if (r.isOk()) {
          out.writeByte(0);
          out.writeLong(r.revision());
          out.writeLong(r.createRevision());
        } else {
          out.writeByte(r.error().ordinal() + 1);
          writeUtf(out, r.field() == null ? "" : r.field());
          writeUtf(out, r.message());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes the results of {@link #encodeResults}.
   *
   * @throws UncheckedIOException when {@code reply} is not such results
   */
  static List<Result> decodeResults(byte[] reply) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(reply));
      int n = in.readInt();
      if (n < 0 || n > reply.length) {
        throw new IOException("result count " + n + " in a reply of " + reply.length + " bytes");
      }
      List<Result> results = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int code = in.readUnsignedByte();
        if (code == 0) {
          results.add(Result.registered(in.readLong(), in.readLong()));
        } else {
          String field = in.readUTF();
          String message = in.readUTF();
          ErrorCode error = ordinal(CODES, code - 1, "error code");
          results.add(new Result(0, 0, error, field.isEmpty() ? null : field, message));
        }
      }
      return results;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeCommand(DataOutput out, Command c) throws IOException {
    if (c instanceof Command.Register r) {
      out.writeByte(REGISTER);
      writeUtf(out, r.namespace());
      writeInstance(out, r.instance());
      out.writeBoolean(r.anySession());
    } else if (c instanceof Command.Deregister d) {
      out.writeByte(DEREGISTER);
      writeUtf(out, d.namespace());
      writeUtf(out, d.service());
      writeUtf(out, d.instanceId());
      writeUtf(out, d.asSession());
      out.writeBoolean(d.anySession());
    } else if (c instanceof Command.OpenSession o) {
      out.writeByte(OPEN_SESSION);
      writeUtf(out, o.sessionId());
      out.writeLong(o.ttlMillis());
      writeUtf(out, o.clientName());
      writeHash(out, o.secretHash());
    } else if (c instanceof Command.CloseSession cs) {
      out.writeByte(CLOSE_SESSION);
      writeUtf(out, cs.sessionId());
      out.writeBoolean(cs.expired());
    } else if (c instanceof Command.SetHealth h) {
      out.writeByte(SET_HEALTH);
      writeUtf(out, h.namespace());
      writeUtf(out, h.service());
      writeUtf(out, h.instanceId());
      out.writeByte(h.health().ordinal());
    } else if (c instanceof Command.SetServiceConfig sc) {
      out.writeByte(SET_SERVICE_CONFIG);
      writeUtf(out, sc.namespace());
      writeUtf(out, sc.service());
      out.writeDouble(sc.protectionThreshold());
    } else if (c instanceof Command.CreateAclToken t) {
      out.writeByte(CREATE_ACL_TOKEN);
      AclState.writeToken(out, t.accessorId(), t.secretHash(), t.description(), t.policies());
      out.writeBoolean(t.bootstrap());
    } else if (c instanceof Command.DeleteAclToken t) {
      out.writeByte(DELETE_ACL_TOKEN);
      writeUtf(out, t.accessorId());
    } else if (c instanceof Command.CreateAclPolicy p) {
      out.writeByte(CREATE_ACL_POLICY);
      AclState.writePolicy(out, p.policy());
    } else if (c instanceof Command.DeleteAclPolicy p) {
      out.writeByte(DELETE_ACL_POLICY);
      writeUtf(out, p.name());
    } else if (c instanceof Command.Authored a) {
      out.writeByte(AUTHORED);
      writeAuthor(out, a.author());
      out.writeLong(a.atMillis());
      writeCommand(out, a.command());
    } else if (c instanceof Command.Forwarded f) {
      out.writeByte(FORWARDED);
      out.writeLong(f.batchId());
      out.writeInt(f.commands().size());
      for (Command inner : f.commands()) {
        writeCommand(out, inner);
      }
    } else {
      throw new IllegalArgumentException("command: " + c + " (expected: a known command)");
    }
  }

  private static Command readCommand(DataInput in, StringPool pool, int version)
      throws IOException {
    return readCommand(in, pool, version, true, true);
  }

  private static Command readCommand(
      DataInput in, StringPool pool, int version, boolean forwardedAllowed, boolean authoredAllowed)
      throws IOException {
    int type = in.readUnsignedByte();
    switch (type) {
      case REGISTER:
        {
          String namespace = pool.share(in.readUTF());
          Instance instance = readInstance(in, pool, version);
          return new Command.Register(namespace, instance, version < 3 || in.readBoolean());
        }
      case DEREGISTER:
        {
          String namespace = in.readUTF();
          String service = in.readUTF();
          String id = in.readUTF();
          if (version < 3) {
            return new Command.Deregister(namespace, service, id);
          }
          return new Command.Deregister(namespace, service, id, in.readUTF(), in.readBoolean());
        }
      case OPEN_SESSION:
        {
          String id = in.readUTF();
          long ttl = in.readLong();
          String name = in.readUTF();
          return new Command.OpenSession(id, ttl, name, version < 3 ? null : readHash(in));
        }
      case CLOSE_SESSION:
        return new Command.CloseSession(in.readUTF(), in.readBoolean());
      case SET_HEALTH:
        return new Command.SetHealth(
            in.readUTF(),
            in.readUTF(),
            in.readUTF(),
            ordinal(HEALTH, in.readUnsignedByte(), "health"));
      case SET_SERVICE_CONFIG:
        if (version < 2) {
          break;
        }
        String namespace = in.readUTF();
        String service = in.readUTF();
        double threshold = in.readDouble();
        if (!(threshold < 0 || threshold <= 1)) { // NaN too
          throw new IOException(
              "protection threshold "
                  + threshold
                  + " (expected: 0..1, or negative for the default)");
        }
        return new Command.SetServiceConfig(namespace, service, threshold);
      case CREATE_ACL_TOKEN:
        if (version < 4) {
          break;
        }
        {
          Command.CreateAclToken t = AclState.readToken(in, false);
          boolean bootstrap = in.readBoolean();
          return new Command.CreateAclToken(
              t.accessorId(), t.secretHash(), t.description(), t.policies(), bootstrap);
        }
      case DELETE_ACL_TOKEN:
        if (version < 4) {
          break;
        }
        return new Command.DeleteAclToken(in.readUTF());
      case CREATE_ACL_POLICY:
        if (version < 4) {
          break;
        }
        return new Command.CreateAclPolicy(AclState.readPolicy(in));
      case DELETE_ACL_POLICY:
        if (version < 4) {
          break;
        }
        return new Command.DeleteAclPolicy(in.readUTF());
      case FORWARDED:
        if (version < 4) {
          break;
        }
        if (!forwardedAllowed) {
          throw new IOException("a forwarded batch inside another");
        }
        long batchId = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_FORWARDED) {
          throw new IOException(
              "forwarded command count " + n + " (expected: 0.." + MAX_FORWARDED + ")");
        }
        List<Command> inner = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
          inner.add(readCommand(in, pool, version, false, true));
        }
        return new Command.Forwarded(batchId, inner);
      case AUTHORED:
        if (version < 5) {
          break;
        }
        if (!authoredAllowed) {
          throw new IOException("an authored command inside another");
        }
        {
          dev.cairn.server.core.Author author = readAuthor(in, pool);
          long at = in.readLong();
          return new Command.Authored(author, at, readCommand(in, pool, version, false, false));
        }
      default:
        break;
    }
    throw new IOException("command type " + type + " (expected: 1..12)");
  }

  /** Writes an author: its accessor id, session id and remote address. */
  static void writeAuthor(DataOutput out, dev.cairn.server.core.Author a) throws IOException {
    writeUtf(out, a.accessorId());
    writeUtf(out, a.sessionId());
    writeUtf(out, a.remoteAddress());
  }

  /**
   * Reads what {@link #writeAuthor} wrote; the server's own author is {@link
   * dev.cairn.server.core.Author#SERVER} again.
   */
  static dev.cairn.server.core.Author readAuthor(DataInput in, StringPool pool) throws IOException {
    String accessor = pool.share(in.readUTF());
    String session = in.readUTF();
    String remote = in.readUTF();
    if (accessor.isEmpty() && session.isEmpty() && remote.isEmpty()) {
      return dev.cairn.server.core.Author.SERVER;
    }
    return new dev.cairn.server.core.Author(accessor, session, remote);
  }

  /** Writes a secret's hash: its length (0 for none), then its bytes. */
  static void writeHash(DataOutput out, byte[] hash) throws IOException {
    if (hash == null) {
      out.writeByte(0);
      return;
    }
    out.writeByte(hash.length);
    out.write(hash);
  }

  /**
   * Reads what {@link #writeHash} wrote: null for none.
   *
   * @throws IOException for a length other than 0 and {@link Secrets#HASH_BYTES}
   */
  static byte[] readHash(DataInput in) throws IOException {
    int n = in.readUnsignedByte();
    if (n == 0) {
      return null;
    }
    if (n != Secrets.HASH_BYTES) {
      throw new IOException(
          "secret hash of " + n + " bytes (expected: 0 or " + Secrets.HASH_BYTES + ")");
    }
    byte[] hash = new byte[n];
    in.readFully(hash);
    return hash;
  }

  /**
   * Writes {@code s} exactly as {@link DataOutput#writeUTF} does. Strings of ASCII characters
   * without NUL (all names, ids and nearly every tag and metadata value) are modified UTF-8 as they
   * are, so they are written as one block instead of a character at a time.
   */
  static void writeUtf(DataOutput out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length != s.length() || bytes.length > 0xFFFF || hasNul(bytes)) {
      out.writeUTF(s);
      return;
    }
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  private static boolean hasNul(byte[] bytes) {
    for (byte b : bytes) {
      if (b == 0) {
        return true;
      }
    }
    return false;
  }

  /** Writes every field of an instance, revisions included. */
  static void writeInstance(DataOutput out, Instance i) throws IOException {
    writeUtf(out, i.id());
    writeUtf(out, i.service());
    writeUtf(out, i.address());
    out.writeByte(i.ports().size());
    for (Map.Entry<String, Integer> p : i.ports().entrySet()) {
      writeUtf(out, p.getKey());
      out.writeShort(p.getValue());
    }
    out.writeByte(i.tags().size());
    for (String t : i.tags()) {
      writeUtf(out, t);
    }
    out.writeShort(i.metadata().size());
    for (Map.Entry<String, String> m : i.metadata().entrySet()) {
      writeUtf(out, m.getKey());
      writeUtf(out, m.getValue());
    }
    out.writeShort(i.weight());
    writeUtf(out, i.zone());
    out.writeByte(i.health().ordinal());
    out.writeByte(i.kind().ordinal());
    writeUtf(out, i.sessionId());
    out.writeLong(i.createRevision());
    out.writeLong(i.modRevision());
    HealthCheck check = i.check().orElse(null);
    out.writeBoolean(check != null);
    if (check != null) {
      out.writeByte(check.type().ordinal());
      writeUtf(out, check.port());
      writeUtf(out, check.path());
      out.writeInt((int) check.intervalMillis());
      out.writeInt((int) check.timeoutMillis());
      out.writeByte(check.rise());
      out.writeByte(check.fall());
    }
  }

  /**
   * Reads an instance written by {@link #writeInstance}, checking it again as a stored instance
   * ({@link Instance.Builder#buildStored}: the log and snapshots hold instances registered before
   * the address and metadata rules of decision 0097, and a server must still start); names, tags,
   * zones and metadata are shared through {@code pool} (ids and addresses are unique, so they are
   * not).
   *
   * @throws IOException when the bytes are not such an instance, or one that fails its checks
   */
  static Instance readInstance(DataInput in, StringPool pool, int version) throws IOException {
    try {
      return readCheckedInstance(in, pool, version);
    } catch (CairnException e) {
      throw new IOException("instance: " + e.getMessage(), e);
    }
  }

  private static Instance readCheckedInstance(DataInput in, StringPool pool, int version)
      throws IOException {
    Instance.Builder b = Instance.builder("x", "x");
    b.id(in.readUTF()).service(pool.share(in.readUTF())).address(in.readUTF());
    int ports = in.readUnsignedByte();
    if (ports > 0) {
      Map<String, Integer> m = new TreeMap<>();
      for (int j = 0; j < ports; j++) {
        m.put(pool.share(in.readUTF()), in.readUnsignedShort());
      }
      b.ports(m);
    }
    int tags = in.readUnsignedByte();
    if (tags > 0) {
      List<String> t = new ArrayList<>(tags);
      for (int j = 0; j < tags; j++) {
        t.add(pool.share(in.readUTF()));
      }
      b.tags(t);
    }
    int meta = in.readUnsignedShort();
    if (meta > 0) {
      Map<String, String> m = new TreeMap<>();
      for (int j = 0; j < meta; j++) {
        m.put(pool.share(in.readUTF()), pool.share(in.readUTF()));
      }
      b.metadata(m);
    }
    b.weight(in.readUnsignedShort());
    b.zone(pool.share(in.readUTF()));
    b.health(ordinal(HEALTH, in.readUnsignedByte(), "health"));
    b.kind(ordinal(KINDS, in.readUnsignedByte(), "kind"));
    b.sessionId(pool.share(in.readUTF()));
    b.revisions(in.readLong(), in.readLong());
    if (version >= 2 && in.readBoolean()) {
      HealthCheck.Type type = ordinal(CHECK_TYPES, in.readUnsignedByte(), "check type");
      b.check(
          HealthCheck.builder(type)
              .port(pool.share(in.readUTF()))
              .path(pool.share(in.readUTF()))
              .interval(Duration.ofMillis(in.readInt()))
              .timeout(Duration.ofMillis(in.readInt()))
              .rise(in.readUnsignedByte())
              .fall(in.readUnsignedByte())
              .build());
    }
    return b.buildStored(); // registered before: under the rules of its time (decision 0097)
  }

  /**
   * {@code values[i]}.
   *
   * @throws IOException naming {@code what} when {@code i} is out of range
   */
  static <T> T ordinal(T[] values, int i, String what) throws IOException {
    if (i < 0 || i >= values.length) {
      throw new IOException(what + " " + i + " (expected: 0.." + (values.length - 1) + ")");
    }
    return values[i];
  }
}
