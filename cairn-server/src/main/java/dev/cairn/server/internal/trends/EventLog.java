package dev.cairn.server.internal.trends;

import dev.cairn.server.core.ServiceEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** The latest registry events of every namespace, at most {@code capacity}; the oldest go first. */
final class EventLog {

  private final int capacity;
  private final ArrayDeque<Trends.Event> events;

  EventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.events = new ArrayDeque<>(capacity);
  }

  /** Appends one service's changes, applied at {@code timeMillis}. */
  synchronized void append(
      String namespace, String service, List<ServiceEvent> changes, long timeMillis) {
    for (ServiceEvent e : changes) {
      if (events.size() == capacity) {
        events.removeFirst();
      }
      events.addLast(
          new Trends.Event(
              e.revision(),
              timeMillis,
              namespace,
              service,
              e.instance().id(),
              kindOf(e),
              e.instance().health(),
              e.previousHealth()));
    }
  }

  /**
   * The newest {@code limit} events of {@code namespace} with a revision above {@code after},
   * oldest first; {@code truncated} when older ones that match were left out.
   */
  synchronized Trends.Timeline since(String namespace, long after, int limit) {
    List<Trends.Event> out = new ArrayList<>(Math.min(limit, events.size()));
    boolean truncated = false;
    Iterator<Trends.Event> newestFirst = events.descendingIterator();
    while (newestFirst.hasNext()) {
      Trends.Event e = newestFirst.next();
      if (e.revision() <= after) {
        break; // events are in revision order
      }
      if (!e.namespace().equals(namespace)) {
        continue;
      }
      if (out.size() == limit) {
        truncated = true;
        break;
      }
      out.add(e);
    }
    Collections.reverse(out);
    long oldest = events.isEmpty() ? 0 : events.peekFirst().revision();
    return new Trends.Timeline(List.copyOf(out), truncated, oldest);
  }

  private static Trends.EventKind kindOf(ServiceEvent e) {
    return switch (e.type()) {
      case ADDED -> Trends.EventKind.REGISTERED;
      case REMOVED -> Trends.EventKind.REMOVED;
      case UPDATED ->
          e.healthChanged() ? Trends.EventKind.HEALTH_CHANGED : Trends.EventKind.UPDATED;
    };
  }
}
