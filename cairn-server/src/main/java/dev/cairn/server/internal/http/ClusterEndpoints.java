package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.Cluster;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStatus;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A cluster member's part of the API: the members and their changes ({@code /v1/cluster/...}),
 * consistent and minimum-revision reads, and the headers every answer carries: the registry's id
 * (decision 0201), and on a member its contact with its leader (like Consul's {@code
 * X-Consul-KnownLeader} and {@code X-Consul-LastContact}).
 */
final class ClusterEndpoints {

  static final AsciiString KNOWN_LEADER = AsciiString.cached("X-Cairn-Known-Leader");
  static final AsciiString LAST_CONTACT = AsciiString.cached("X-Cairn-Last-Contact");
  static final String MIN_INDEX = "X-Cairn-Min-Index";

  /**
   * The id of the registry's history (gRPC's {@code registry_id}): on every answer, and on a read
   * the registry a minimum revision comes from.
   */
  static final AsciiString REGISTRY_ID = AsciiString.cached("X-Cairn-Registry-Id");

  /** How long a read asking for a revision this member has not applied waits for it. */
  static final Duration MIN_INDEX_WAIT = Duration.ofSeconds(5);

  /**
   * How long the leader-contact headers of every answer reuse one reading of the member's status:
   * reading it builds Ratis's role report, which cost more than the rest of a list answer on the
   * read path; the headers' last contact is in milliseconds and only ever a hint.
   */
  private static final long STATUS_REUSED_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Cluster cluster;
  private final Supplier<String> historyId;
  // The last status read for the headers, and when (System.nanoTime()).
  private volatile StatusReading reading = new StatusReading(null, 0);

  ClusterEndpoints(Cluster cluster, Supplier<String> historyId) {
    this.cluster = cluster;
    this.historyId = historyId;
  }

  /** Adds the registry's id, and on a cluster member the leader-contact headers, to an answer. */
  void decorate(HttpHeaders h) {
    String id = historyId.get();
    if (!id.isEmpty()) {
      h.set(REGISTRY_ID, id);
    }
    if (!cluster.replicated()) {
      return;
    }
    LogStatus s = headerStatus();
    h.set(KNOWN_LEADER, s.hasLeader() ? "true" : "false");
    h.set(LAST_CONTACT, Long.toString(Math.max(s.lastContactMillis(), 0)));
  }

  private LogStatus headerStatus() {
    StatusReading r = reading;
    long now = System.nanoTime();
    if (r.status == null || now - r.at > STATUS_REUSED_NANOS) {
      r = new StatusReading(cluster.status(), now);
      reading = r;
    }
    return r.status;
  }

  private record StatusReading(LogStatus status, long at) {}

  /**
   * The wait a read asks for before it is served: a linearizable barrier ({@code ?consistent}) or a
   * revision this member must have applied ({@code X-Cairn-Min-Index}); null when neither. A
   * revision of another registry ({@code X-Cairn-Registry-Id} set and not this one's) is not waited
   * for: it means nothing here (decision 0201).
   */
  CompletableFuture<Long> readGate(Exchange ex) {
    String consistent = ex.param("consistent");
    String minIndex = ex.headers().get(MIN_INDEX);
    String theirs = ex.headers().get(REGISTRY_ID);
    String ours = historyId.get();
    boolean another =
        theirs != null && !theirs.isEmpty() && !ours.isEmpty() && !theirs.trim().equals(ours);
    if (minIndex == null && cluster.replicated() && !another) {
      // A watch or long-poll resumed here from a revision another member delivered: wait until
      // this member has it rather than answer from the past.
      String index = ex.param("index");
      if (index != null) {
        try {
          long i = Long.parseLong(index.trim());
          if (i > 0) {
            minIndex = Long.toString(i);
          }
        } catch (NumberFormatException e) {
          // the endpoint refuses it, naming the parameter
        }
      }
    }
    if (consistent == null && minIndex == null) {
      return null;
    }
    if (consistent != null
        && !consistent.isEmpty()
        && !consistent.equals("true")
        && !consistent.equals("false")) {
      throw CairnException.invalid("consistent", consistent, "absent, empty, true or false");
    }
    CompletableFuture<Long> barrier =
        consistent != null && !consistent.equals("false") ? cluster.readBarrier() : null;
    if (minIndex == null) {
      return barrier;
    }
    long min;
    try {
      min = Long.parseLong(minIndex.trim());
    } catch (NumberFormatException e) {
      min = -1;
    }
    if (min < 0) {
      throw CairnException.invalid(MIN_INDEX, minIndex, "a revision, 0 or more");
    }
    if (another) {
      return barrier;
    }
    long revision = min;
    CompletableFuture<Long> reached = cluster.awaitRevision(revision, MIN_INDEX_WAIT);
    return barrier == null ? reached : barrier.thenCombine(reached, Math::max);
  }

  /** {@code GET /v1/cluster/members}. */
  void members(Exchange ex) {
    ex.checkParams(Set.of(), false);
    ex.reply(cluster.members(), ClusterEndpoints::encode);
  }

  /** {@code POST /v1/cluster/members} with {@code {"id":..,"address":..}}. */
  void add(Exchange ex) {
    ex.checkParams(Set.of(), false);
    requireCluster();
    JsonRequests.MemberRequest m = JsonRequests.member(ex.jsonBody());
    try {
      dev.cairn.server.ratis.ClusterPeers.parsePeer(m.id() + "=" + m.address());
    } catch (IllegalArgumentException e) {
      throw CairnException.of(ErrorCode.INVALID_ARGUMENT, "address", e.getMessage());
    }
    ex.reply(cluster.addMember(m.id(), m.address()), ClusterEndpoints::encode);
  }

  /** {@code DELETE /v1/cluster/members/{id}}. */
  void remove(Exchange ex) {
    ex.checkParams(Set.of(), false);
    requireCluster();
    ex.reply(cluster.removeMember(ex.segment(3)), ClusterEndpoints::encode);
  }

  /** {@code POST /v1/cluster/leader} with {@code {"id":..}}. */
  void transfer(Exchange ex) {
    ex.checkParams(Set.of(), false);
    requireCluster();
    String id = JsonRequests.leader(ex.jsonBody());
    ex.reply(
        cluster.transferLeadership(id).thenCompose(v -> cluster.members()),
        ClusterEndpoints::encode);
  }

  private void requireCluster() {
    if (!cluster.replicated()) {
      throw CairnException.of(
          ErrorCode.FAILED_PRECONDITION,
          "cluster",
          "this server is a single node: start members with --node-id and --peers to form a"
              + " cluster");
    }
  }

  /**
   * Writes the cluster fields of {@code GET /v1/status}: top level and a {@code cluster} object.
   */
  static void writeStatus(com.fasterxml.jackson.core.JsonGenerator g, Cluster cluster)
      throws IOException {
    LogStatus s = cluster.status();
    if (!cluster.replicated()) {
      g.writeStringField("role", "leader");
      return;
    }
    String role = s.role().name().toLowerCase(java.util.Locale.ROOT);
    g.writeStringField("nodeId", s.nodeId());
    g.writeStringField("role", role);
    g.writeStringField("leader", s.leaderId());
    g.writeObjectFieldStart("cluster");
    g.writeStringField("nodeId", s.nodeId());
    g.writeStringField("role", role);
    g.writeStringField("leader", s.leaderId());
    g.writeBooleanField("knownLeader", s.hasLeader());
    g.writeStringField("leaderGrpcAddress", s.leaderGrpcAddress());
    g.writeNumberField("lastContactMillis", s.lastContactMillis());
    g.writeNumberField("term", s.term());
    g.writeNumberField("commitIndex", s.commitIndex());
    g.writeNumberField("appliedIndex", s.appliedIndex());
    g.writeNumberField("applyLag", Math.max(0, s.commitIndex() - s.appliedIndex()));
    g.writeBooleanField("leading", cluster.leading());
    g.writeEndObject();
  }

  private static byte[] encode(List<LogMember> members) {
    return JsonBodies.encode(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("members");
          for (LogMember m : members) {
            g.writeStartObject();
            g.writeStringField("id", m.id());
            g.writeStringField("address", m.address());
            g.writeStringField("role", m.role().toLowerCase(java.util.Locale.ROOT));
            g.writeNumberField("lastContactMillis", m.lastContactMillis());
            g.writeNumberField("matchIndex", m.matchIndex());
            g.writeNumberField("lag", m.lag());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }
}
