package dev.cairn.server.core.log;

/**
 * One member of a replicated log's group, as its leader (or the member asked) sees it.
 *
 * @param id the member's id
 * @param address its Raft address, {@code host:port}
 * @param role {@code LEADER}, {@code FOLLOWER} or {@code LISTENER}
 * @param lastContactMillis milliseconds since the leader last heard from it; -1 when unknown
 * @param matchIndex the highest log index known to be on it; -1 when unknown
 * @param lag how many committed entries it lacks; -1 when unknown
 */
public record LogMember(
    String id, String address, String role, long lastContactMillis, long matchIndex, long lag) {}
