package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The recent events of every service, so that a watch resumed from a revision replays exactly what
 * came after it (etcd's event history, bounded). Events are kept in commit order across services,
 * and the oldest go first once there are more than {@code maxEvents} of them or their estimated
 * size passes {@code maxBytes}. Each service remembers the revision of its last evicted event: a
 * resume from a revision older than that is {@linkplain Replay#compacted() compacted}. After a
 * restore the history starts empty at the restored revision.
 *
 * <p>The apply thread appends; watches starting on any thread read. {@code this} guards everything;
 * both sides hold it for a few deque operations.
 */
final class WatchHistory {

  /** Estimated heap of one kept event beside its instance: the event and two deque slots. */
  static final int EVENT_OVERHEAD_BYTES = 48;

  private final int maxEvents;
  private final long maxBytes;
  // Guarded by this.
  private final Map<WatchHub.Key, ServiceHistory> services = new HashMap<>();
  // Every kept event's service, in commit order (one slot per event).
  private final ArrayDeque<ServiceHistory> order = new ArrayDeque<>();
  // Every kept event's estimated size, in the same order: estimated once, when appended.
  private final LongQueue sizes = new LongQueue();
  private long bytes;
  // Nothing at or below it is kept for a service that has no history of its own (restore point).
  private long floor;

  WatchHistory(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** What a resume from a revision gets. */
  record Replay(List<ServiceEvent> events, long compactRevision, boolean tooMany) {
    /** True when events the resume needs were evicted: the watcher needs a snapshot. */
    boolean compacted() {
      return compactRevision > 0;
    }
  }

  /** Appends one service's events of a batch, in order; apply thread. */
  synchronized void append(WatchHub.Key key, List<ServiceEvent> events) {
    ServiceHistory h = services.computeIfAbsent(key, k -> new ServiceHistory());
    for (ServiceEvent e : events) {
      long size = estimate(e);
      h.events.addLast(e);
      order.addLast(h);
      sizes.addLast(size);
      bytes += size;
    }
    while (!order.isEmpty() && (order.size() > maxEvents || bytes > maxBytes)) {
      ServiceHistory oldest = order.pollFirst();
      ServiceEvent gone = oldest.events.pollFirst();
      oldest.evicted = gone.revision();
      bytes -= sizes.pollFirst();
      if (oldest.events.isEmpty()) {
        oldest.events = new ArrayDeque<>(4); // an ArrayDeque never shrinks by itself
      }
    }
  }

  /**
   * The events of {@code key} after {@code revision}, when the history still holds all of them and
   * there are at most {@code max}; else {@link Replay#compacted()} or {@link Replay#tooMany()}.
   */
  synchronized Replay since(WatchHub.Key key, long revision, int max) {
    ServiceHistory h = services.get(key);
    long evicted = Math.max(floor, h == null ? 0 : h.evicted);
    if (revision < evicted) {
      return new Replay(List.of(), evicted, false);
    }
    if (h == null) {
      return new Replay(List.of(), 0, false);
    }
    // Newest first: a resume usually needs only the last few events.
    ArrayList<ServiceEvent> after = new ArrayList<>();
    Iterator<ServiceEvent> it = h.events.descendingIterator();
    while (it.hasNext()) {
      ServiceEvent e = it.next();
      if (e.revision() <= revision) {
        break;
      }
      if (after.size() == max) {
        return new Replay(List.of(), 0, true);
      }
      after.add(e);
    }
    java.util.Collections.reverse(after);
    return new Replay(after, 0, false);
  }

  /** Forgets everything: the history starts at {@code revision} (after a restore). */
  synchronized void reset(long revision) {
    services.clear();
    order.clear();
    sizes.clear();
    bytes = 0;
    floor = revision;
  }

  /** Events kept now. */
  synchronized int size() {
    return order.size();
  }

  /** Estimated heap of the events kept now, in bytes. */
  synchronized long bytes() {
    return bytes;
  }

  /**
   * Estimated heap an event holds: the event, and its instance's strings (2 bytes a char) and
   * collections. An overestimate for events whose instance the catalog still holds.
   */
  static long estimate(ServiceEvent e) {
    Instance i = e.instance();
    long chars = i.id().length() + i.address().length() + i.zone().length();
    for (String t : i.tags()) {
      chars += t.length();
    }
    for (Map.Entry<String, String> m : i.metadata().entrySet()) {
      chars += m.getKey().length() + m.getValue().length();
    }
    for (String p : i.ports().keySet()) {
      chars += p.length();
    }
    int entries = i.tags().size() + i.metadata().size() + i.ports().size();
    return EVENT_OVERHEAD_BYTES + 120 + 2 * chars + 40L * entries;
  }

  /** A first-in first-out queue of longs in a ring that grows as needed; not thread-safe. */
  static final class LongQueue {
    private long[] ring = new long[16];
    private int head;
    private int size;

    void addLast(long value) {
      if (size == ring.length) {
        long[] grown = new long[ring.length * 2];
        int tail = ring.length - head;
        System.arraycopy(ring, head, grown, 0, tail);
        System.arraycopy(ring, 0, grown, tail, head);
        ring = grown;
        head = 0;
      }
      ring[(head + size) % ring.length] = value;
      size++;
    }

    /**
     * Removes and returns the oldest value.
     *
     * @throws NoSuchElementException when empty
     */
    long pollFirst() {
      if (size == 0) {
        throw new NoSuchElementException("empty");
      }
      long value = ring[head];
      head = (head + 1) % ring.length;
      size--;
      return value;
    }

    int size() {
      return size;
    }

    void clear() {
      head = 0;
      size = 0;
    }
  }

  /** One service's kept events, oldest first, and the revision of the last one evicted. */
  private static final class ServiceHistory {
    ArrayDeque<ServiceEvent> events = new ArrayDeque<>(4);
    long evicted;
  }
}
