package dev.cairn.server.core.internal;

import dev.cairn.server.core.AuditEntry;
import dev.cairn.server.core.Author;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The last writes applied to the catalog, with who made them (decision 0171): a ring of a fixed
 * number of entries, oldest overwritten first. Kept in parallel arrays so that recording a write
 * allocates nothing (its strings and author are the command's own). Written by the apply thread,
 * read by any; both under the ring's lock, which the apply thread holds for a few stores.
 */
final class AuditLog {

  /** How many writes the audit keeps by default. */
  static final int DEFAULT_CAPACITY = 10_000;

  static final byte REGISTER = 0;
  static final byte DEREGISTER = 1;
  static final byte SET_HEALTH = 2;
  static final byte SET_CONFIG = 3;
  static final byte OPEN_SESSION = 4;
  static final byte CLOSE_SESSION = 5;
  static final byte EXPIRE_SESSION = 6;
  static final byte CREATE_TOKEN = 7;
  static final byte DELETE_TOKEN = 8;
  static final byte CREATE_POLICY = 9;
  static final byte DELETE_POLICY = 10;

  private static final String[] OPERATIONS = {
    "register",
    "deregister",
    "set-health",
    "set-config",
    "open-session",
    "close-session",
    "expire-session",
    "create-token",
    "delete-token",
    "create-policy",
    "delete-policy"
  };

  private final int capacity;
  private final long[] revisions;
  private final long[] times;
  private final byte[] operations;
  private final String[] namespaces;
  private final String[] services;
  private final String[] targets;
  private final Author[] authors;
  // Guarded by `this`: where the next entry goes, and how many are held.
  private int next;
  private int size;

  AuditLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("audit capacity " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.revisions = new long[capacity];
    this.times = new long[capacity];
    this.operations = new byte[capacity];
    this.namespaces = new String[capacity];
    this.services = new String[capacity];
    this.targets = new String[capacity];
    this.authors = new Author[capacity];
  }

  /** Records a write; {@code author} is null for one logged before authors existed. */
  synchronized void add(
      long revision,
      long timeMillis,
      byte operation,
      String namespace,
      String service,
      String target,
      Author author) {
    int i = next;
    revisions[i] = revision;
    times[i] = timeMillis;
    operations[i] = operation;
    namespaces[i] = namespace;
    services[i] = service;
    targets[i] = target;
    authors[i] = author;
    next = i + 1 == capacity ? 0 : i + 1;
    if (size < capacity) {
      size++;
    }
  }

  /**
   * The latest {@code limit} writes, newest first, of {@code namespace} and {@code service} when
   * they are not null.
   */
  synchronized List<AuditEntry> latest(String namespace, String service, int limit) {
    List<AuditEntry> out = new ArrayList<>(Math.min(limit, size));
    for (int k = 1; k <= size && out.size() < limit; k++) {
      int i = Math.floorMod(next - k, capacity);
      if ((namespace != null && !namespace.equals(namespaces[i]))
          || (service != null && !service.equals(services[i]))) {
        continue;
      }
      out.add(entry(i));
    }
    return out;
  }

  /** How many writes are held. */
  synchronized int size() {
    return size;
  }

  synchronized void clear() {
    java.util.Arrays.fill(namespaces, null);
    java.util.Arrays.fill(services, null);
    java.util.Arrays.fill(targets, null);
    java.util.Arrays.fill(authors, null);
    next = 0;
    size = 0;
  }

  private AuditEntry entry(int i) {
    return new AuditEntry(
        revisions[i],
        times[i],
        OPERATIONS[operations[i]],
        namespaces[i],
        services[i],
        targets[i],
        authors[i]);
  }

  /** Writes the held entries, oldest first (part of a catalog snapshot, format 5). */
  synchronized void write(DataOutput out) throws IOException {
    out.writeInt(size);
    for (int k = size; k >= 1; k--) {
      int i = Math.floorMod(next - k, capacity);
      out.writeLong(revisions[i]);
      out.writeLong(times[i]);
      out.writeByte(operations[i]);
      CommandCodec.writeUtf(out, namespaces[i]);
      CommandCodec.writeUtf(out, services[i]);
      CommandCodec.writeUtf(out, targets[i]);
      Author a = authors[i];
      out.writeBoolean(a != null);
      if (a != null) {
        CommandCodec.writeAuthor(out, a);
      }
    }
  }

  /**
   * Replaces the entries with what {@link #write} wrote; a snapshot holding more than this ring
   * keeps the newest.
   *
   * @throws IOException when the bytes are not such entries
   */
  synchronized void read(DataInput in, StringPool pool) throws IOException {
    clear();
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("audit entry count " + n + " in a snapshot");
    }
    for (int k = 0; k < n; k++) {
      long revision = in.readLong();
      long time = in.readLong();
      int op = in.readUnsignedByte();
      if (op >= OPERATIONS.length) {
        throw new IOException(
            "audit operation " + op + " (expected: 0.." + (OPERATIONS.length - 1) + ")");
      }
      String namespace = pool.share(in.readUTF());
      String service = pool.share(in.readUTF());
      String target = in.readUTF();
      Author author = in.readBoolean() ? CommandCodec.readAuthor(in, pool) : null;
      add(revision, time, (byte) op, namespace, service, target, author);
    }
  }
}
