package dev.cairn.compat.internal.consul;

import dev.cairn.compat.internal.Reply;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The latest answer to each service query, by the service's revision: a change watched by many
 * blocking queries with the same parameters is encoded once, not once per watcher. Holds at most
 * {@value #MAX_QUERIES} queries (all forgotten when full). Thread-safe; {@link Reply} is immutable
 * once returned.
 */
final class AnswerCache {

  /** The most distinct queries remembered. */
  static final int MAX_QUERIES = 1024;

  /** What makes two service queries answer the same. */
  record Query(
      String namespace, String service, boolean health, boolean passing, List<String> tags) {}

  private record Answer(long revision, Reply reply) {}

  private final ConcurrentHashMap<Query, Answer> answers = new ConcurrentHashMap<>();

  /** The answer to {@code query} at {@code revision}: the one kept, or {@code build}'s. */
  Reply get(Query query, long revision, Supplier<Reply> build) {
    Answer kept = answers.get(query);
    if (kept != null && kept.revision() == revision) {
      return kept.reply();
    }
    Reply reply = build.get();
    if (answers.size() >= MAX_QUERIES) {
      answers.clear();
    }
    answers.merge(
        query,
        new Answer(revision, reply),
        (old, now) -> old.revision() > now.revision() ? old : now);
    return reply;
  }
}
