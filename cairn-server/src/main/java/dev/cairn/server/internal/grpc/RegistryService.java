package dev.cairn.server.internal.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.common.Ticker;
import dev.cairn.proto.v1.AwaitDrainedRequest;
import dev.cairn.proto.v1.AwaitDrainedResponse;
import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.DeregisterResponse;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.ListServicesResponse;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegisterResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ReportHealthRequest;
import dev.cairn.proto.v1.ReportHealthResponse;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.proto.v1.StatusResponse;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.DrainReport;
import dev.cairn.server.core.HealthySelection;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.internal.BuildInfo;
import dev.cairn.server.internal.Protos;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.auth.Requirement;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.TokenQuota;
import dev.cairn.server.internal.limits.TokenQuotas;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The {@code cairn.v1.Registry} gRPC service over a {@link Registry}. Handlers never block: reads
 * come from immutable snapshots, writes answer when the registry's future completes (on the call's
 * event loop, see {@link EventLoops}), watches and session streams are driven by {@link WatchCall}
 * and {@link SessionCall}.
 */
final class RegistryService extends RegistryGrpc.RegistryImplBase {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(RegistryService.class);

  /** How long AwaitDrained waits when the request says 0. */
  static final java.time.Duration DEFAULT_DRAIN_TIMEOUT = java.time.Duration.ofSeconds(30);

  private final Registry registry;
  private final EventLoops loops;
  private final Ticker ticker;
  private final long startedNanos;
  private final SessionOwners sessionOwners = new SessionOwners();
  private final Set<SessionCall> sessionCalls = ConcurrentHashMap.newKeySet();
  private final Set<WatchCall> watchCalls = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  // Per-token counts of watches and session streams; null: no limit.
  private final TokenQuota watchTokens;
  private final TokenQuota sessionTokens;

  RegistryService(Registry registry, EventLoops loops, Ticker ticker) {
    this(registry, loops, ticker, AbuseLimits.DEFAULTS);
  }

  RegistryService(Registry registry, EventLoops loops, Ticker ticker, AbuseLimits limits) {
    this(registry, loops, ticker, TokenQuotas.of(limits));
  }

  /** Counting per token in {@code perToken}, which the server's other listeners share. */
  RegistryService(Registry registry, EventLoops loops, Ticker ticker, TokenQuotas perToken) {
    this.watchTokens = perToken.watches();
    this.sessionTokens = perToken.sessions();
    this.registry = requireNonNull(registry, "registry");
    this.loops = requireNonNull(loops, "loops");
    this.ticker = requireNonNull(ticker, "ticker");
    this.startedNanos = ticker.nanos();
  }

  /**
   * From now on, session streams that end do not detach their sessions: the server is going down,
   * and its clients resume their sessions (within the TTL) when it is back.
   */
  void beginShutdown() {
    shuttingDown = true;
  }

  /** The open watch calls. */
  int watchCount() {
    return watchCalls.size();
  }

  /** The open session streams. */
  int sessionStreamCount() {
    return sessionCalls.size();
  }

  /**
   * Ends every watch and session stream with {@code UNAVAILABLE}; the sessions stay open. Called
   * after {@link #beginShutdown()}.
   */
  void endStreams() {
    for (WatchCall call : watchCalls) {
      call.serverClosing();
    }
    for (SessionCall call : sessionCalls) {
      call.serverClosing();
    }
  }

  /**
   * Checks the token of every open watch again (decision 0234): ends those whose token was deleted
   * or may no longer read what they watch, even when they are sent nothing. Run every token check
   * interval with ACLs on; a watch that fails its check does not stop the others'.
   */
  void recheckWatches() {
    for (WatchCall call : watchCalls) {
      try {
        call.recheck();
      } catch (RuntimeException e) {
        LOG.warn("grpc: checking a watch's token again failed", e);
      }
    }
  }

  /**
   * Who makes the current call, for the audit (decision 0171): {@code caller}'s token and the
   * connection's client address.
   */
  static dev.cairn.server.core.Author author(Authorizer caller) {
    return dev.cairn.server.core.Author.of(caller.accessorId(), Connections.current().peer());
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> out) {
    CompletableFuture<dev.cairn.common.Instance> registering;
    try {
      if (!request.hasInstance()) {
        throw CairnException.invalid("instance", null, "an instance");
      }
      String namespace = Names.namespace(request.getNamespace());
      dev.cairn.common.Instance instance =
          Protos.toModel(request.getInstance(), request.getSessionId());
      checkAcl(RegistryGrpc.getRegisterMethod(), namespace, instance.service());
      registering =
          registry.register(
              namespace,
              instance,
              sessionAccess(
                  SessionAccess.secret(request.getSessionSecret()), namespace, instance.service()),
              author(AclInterceptor.caller()));
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    answer(
        registering,
        out,
        stored ->
            RegisterResponse.newBuilder()
                .setRevision(stored.modRevision())
                .setInstance(Protos.toProto(stored))
                .build());
  }

  @Override
  public void deregister(DeregisterRequest request, StreamObserver<DeregisterResponse> out) {
    CompletableFuture<Long> deregistering;
    try {
      String namespace = Names.namespace(request.getNamespace());
      String service = Names.checkLabel("service", request.getService());
      checkAcl(RegistryGrpc.getDeregisterMethod(), namespace, service);
      deregistering =
          registry.deregister(
              namespace,
              service,
              Names.checkInstanceId("instance_id", request.getInstanceId()),
              sessionAccess(SessionAccess.secret(request.getSessionSecret()), namespace, service),
              author(AclInterceptor.caller()));
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    answer(
        deregistering,
        out,
        revision -> DeregisterResponse.newBuilder().setRevision(revision).build());
  }

  /**
   * The service's definition, with {@code GetService} answering in wire form ({@link
   * ServiceAnswer}, decision 0156) and the watch methods' one-event messages encoded once per event
   * loop ({@link WatchEncoding}, decision 0118); every other method as generated.
   */
  io.grpc.ServerServiceDefinition definition() {
    io.grpc.ServerServiceDefinition generated = bindService();
    String getService = ServiceAnswer.METHOD.getFullMethodName();
    List<io.grpc.ServerMethodDefinition<?, ?>> bound = new ArrayList<>();
    for (io.grpc.ServerMethodDefinition<?, ?> m : generated.getMethods()) {
      String name = m.getMethodDescriptor().getFullMethodName();
      if (name.equals(getService)) {
        bound.add(
            io.grpc.ServerMethodDefinition.create(
                ServiceAnswer.METHOD,
                io.grpc.stub.ServerCalls.asyncUnaryCall(this::getServiceAnswer)));
      } else if (name.equals(RegistryGrpc.getWatchMethod().getFullMethodName())
          || name.equals(RegistryGrpc.getWatchWithAcksMethod().getFullMethodName())) {
        bound.add(watchEncoded(m));
      } else {
        bound.add(m);
      }
    }
    io.grpc.ServiceDescriptor descriptor = generated.getServiceDescriptor();
    io.grpc.ServiceDescriptor.Builder methods =
        io.grpc.ServiceDescriptor.newBuilder(descriptor.getName())
            .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    for (io.grpc.ServerMethodDefinition<?, ?> m : bound) {
      methods.addMethod(m.getMethodDescriptor());
    }
    io.grpc.ServerServiceDefinition.Builder b =
        io.grpc.ServerServiceDefinition.builder(methods.build());
    for (io.grpc.ServerMethodDefinition<?, ?> m : bound) {
      b.addMethod(m);
    }
    return b.build();
  }

  @SuppressWarnings("unchecked") // only the watch methods, whose responses are WatchResponses
  private static <ReqT> io.grpc.ServerMethodDefinition<ReqT, WatchResponse> watchEncoded(
      io.grpc.ServerMethodDefinition<?, ?> method) {
    io.grpc.ServerMethodDefinition<ReqT, WatchResponse> m =
        (io.grpc.ServerMethodDefinition<ReqT, WatchResponse>) method;
    return io.grpc.ServerMethodDefinition.create(
        WatchEncoding.of(m.getMethodDescriptor()), m.getServerCallHandler());
  }

  /** As generated, for callers of the typed API (tests); the server binds {@link #definition}. */
  @Override
  public void getService(GetServiceRequest request, StreamObserver<GetServiceResponse> out) {
    getServiceAnswer(
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(ServiceAnswer answer) {
            out.onNext(answer.message());
          }

          @Override
          public void onError(Throwable t) {
            out.onError(t);
          }

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        });
  }

  private void getServiceAnswer(GetServiceRequest request, StreamObserver<ServiceAnswer> out) {
    CompletableFuture<Long> gate;
    try {
      checkAcl(
          RegistryGrpc.getGetServiceMethod(),
          Names.namespace(request.getNamespace()),
          Names.checkLabel("service", request.getService()));
      gate = gate(request.getConsistent(), request.getMinRevision(), request.getRegistryId());
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    afterGate(gate, out, () -> answerService(request, out));
  }

  /** Runs {@code answer} once {@code gate} (if any) completes; fails the call if it fails. */
  private static void afterGate(
      CompletableFuture<Long> gate, StreamObserver<?> out, Runnable answer) {
    if (gate == null) {
      answer.run();
      return;
    }
    gate.whenComplete(
        (r, e) -> {
          if (e != null) {
            out.onError(GrpcStatuses.toException(unwrap(e)));
          } else {
            answer.run();
          }
        });
  }

  /** The longest a read waits for the revision it asks for. */
  private static final long MIN_REVISION_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * The wait a read asks for: a linearizable barrier, or a revision this member must reach; null
   * when neither. A revision of another registry ({@code registryId} set and not this one's) is not
   * waited for (decision 0201). The wait ends, saying this member is behind, after 5 s or half the
   * time the call has left, whichever comes first: the caller hears "behind" before its own
   * deadline, and can tell it from a member that does not answer.
   */
  private CompletableFuture<Long> gate(boolean consistent, long minRevision, String registryId) {
    if (minRevision < 0) {
      throw dev.cairn.common.CairnException.invalid("min_revision", minRevision, ">= 0");
    }
    CompletableFuture<Long> barrier = consistent ? registry.cluster().readBarrier() : null;
    if (minRevision == 0 || minRevision <= registry.revision() || !sameRegistry(registryId)) {
      return barrier;
    }
    long wait = MIN_REVISION_WAIT_NANOS;
    io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
    if (deadline != null) {
      wait = Math.max(0, Math.min(wait, deadline.timeRemaining(TimeUnit.NANOSECONDS) / 2));
    }
    CompletableFuture<Long> reached =
        registry.cluster().awaitRevision(minRevision, java.time.Duration.ofNanos(wait));
    return barrier == null ? reached : barrier.thenCombine(reached, Math::max);
  }

  // Whether a revision of `registryId` (empty: not said) is one of this registry's.
  private boolean sameRegistry(String registryId) {
    String ours = registry.historyId();
    return registryId.isEmpty() || ours.isEmpty() || registryId.equals(ours);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause()
        : e;
  }

  private void answerService(GetServiceRequest request, StreamObserver<ServiceAnswer> out) {
    ServiceAnswer response;
    try {
      String namespace = Names.namespace(request.getNamespace());
      String service = Names.checkLabel("service", request.getService());
      // Read the global revision first: the snapshot is at least as new, so a watch resumed from
      // the answered revision misses nothing.
      long revision = registry.revision();
      ServiceSnapshot snapshot = registry.service(namespace, service);
      if (request.getHealthyOnly()) {
        GetServiceResponse.Builder b =
            GetServiceResponse.newBuilder()
                .setRevision(Math.max(revision, snapshot.revision()))
                .setServiceRevision(snapshot.revision())
                .setRegistryId(registry.historyId());
        HealthySelection selection = registry.healthy(namespace, service, snapshot.instances());
        for (dev.cairn.common.Instance i : selection.instances()) {
          b.addInstances(Protos.toProto(i));
        }
        b.setProtection(selection.protection());
        response = ServiceAnswer.of(b.build());
      } else {
        // Every instance: encoded once per snapshot, as the HTTP list is (decision 0156).
        response =
            ServiceAnswer.of(
                Math.max(revision, snapshot.revision()), snapshot, registry.historyId());
      }
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @Override
  public void listServices(ListServicesRequest request, StreamObserver<ListServicesResponse> out) {
    CompletableFuture<Long> gate;
    try {
      checkAcl(RegistryGrpc.getListServicesMethod(), Names.namespace(request.getNamespace()), "");
      gate = gate(request.getConsistent(), request.getMinRevision(), request.getRegistryId());
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    // The caller as the call began: the answer may run on another thread, outside its context.
    Authorizer caller = AclInterceptor.caller();
    afterGate(gate, out, () -> answerServices(request, out, caller));
  }

  private void answerServices(
      ListServicesRequest request, StreamObserver<ListServicesResponse> out, Authorizer caller) {
    ListServicesResponse response;
    try {
      response =
          Protos.toProto(
                  AclGuard.readable(
                      caller, registry.services(Names.namespace(request.getNamespace()))))
              .toBuilder()
              .setRegistryId(registry.historyId())
              .build();
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    out.onNext(
        StatusResponse.newBuilder()
            .setVersion(BuildInfo.VERSION)
            .setRevision(registry.revision())
            .setUptimeMillis(TimeUnit.NANOSECONDS.toMillis(ticker.nanos() - startedNanos))
            .setSelfPreservation(registry.selfPreservation().active())
            .mergeFrom(clusterStatus())
            .build());
    out.onCompleted();
  }

  private StatusResponse clusterStatus() {
    if (!registry.cluster().replicated()) {
      return StatusResponse.getDefaultInstance();
    }
    dev.cairn.server.core.log.LogStatus s = registry.cluster().status();
    return StatusResponse.newBuilder()
        .setCluster(
            dev.cairn.proto.v1.ClusterStatus.newBuilder()
                .setNodeId(s.nodeId())
                .setRole(s.role().name().toLowerCase(java.util.Locale.ROOT))
                .setLeader(s.leaderId())
                .setTerm(s.term())
                .setCommitIndex(s.commitIndex())
                .setAppliedIndex(s.appliedIndex())
                .setLastContactMillis(s.lastContactMillis())
                .setLeaderGrpcAddress(s.leaderGrpcAddress()))
        .build();
  }

  @Override
  public void reportHealth(ReportHealthRequest request, StreamObserver<ReportHealthResponse> out) {
    CompletableFuture<dev.cairn.common.Health> reporting;
    try {
      checkAcl(
          RegistryGrpc.getReportHealthMethod(),
          Names.namespace(request.getNamespace()),
          Names.checkLabel("service", request.getService()));
      reporting =
          registry.reportHealth(
              Names.namespace(request.getNamespace()),
              Names.checkLabel("service", request.getService()),
              Names.checkInstanceId("instance_id", request.getInstanceId()),
              Protos.reportedHealth(request.getHealthValue()),
              author(AclInterceptor.caller()));
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    answer(
        reporting,
        out,
        h -> ReportHealthResponse.newBuilder().setHealth(Protos.healthToProto(h)).build());
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
    WatchCall.start(
        registry,
        request,
        (ServerCallStreamObserver<WatchResponse>) out,
        Connections.current(),
        watchCalls,
        loops.current(),
        watchCheck(),
        watchTokens,
        tokenAccessor(watchTokens));
  }

  /**
   * The accessor id of the current call's ACL token, when {@code quota} counts per token, ACLs are
   * on and the token is known; null otherwise.
   */
  private static String tokenAccessor(TokenQuota quota) {
    if (quota == null || AclInterceptor.guard() == null) {
      return null;
    }
    Authorizer caller = AclInterceptor.caller();
    return caller.kind() == Authorizer.Kind.KNOWN && !caller.accessorId().isEmpty()
        ? caller.accessorId()
        : null;
  }

  @Override
  public StreamObserver<WatchClientMessage> watchWithAcks(StreamObserver<WatchResponse> out) {
    return WatchCall.startWithAcks(
        registry,
        (ServerCallStreamObserver<WatchResponse>) out,
        Connections.current(),
        watchCalls,
        loops.current(),
        watchCheck(),
        watchTokens,
        tokenAccessor(watchTokens));
  }

  @Override
  public void awaitDrained(AwaitDrainedRequest request, StreamObserver<AwaitDrainedResponse> out) {
    CompletableFuture<DrainReport> draining;
    try {
      checkAcl(
          RegistryGrpc.getAwaitDrainedMethod(),
          Names.namespace(request.getNamespace()),
          Names.checkLabel("service", request.getService()));
      long timeoutMillis = request.getTimeoutMillis();
      if (timeoutMillis < 0 || timeoutMillis > Limits.MAX_WAIT_MILLIS) {
        throw CairnException.invalid(
            "timeout_millis", timeoutMillis, "0.." + Limits.MAX_WAIT_MILLIS);
      }
      draining =
          registry.awaitDrained(
              Names.namespace(request.getNamespace()),
              Names.checkLabel("service", request.getService()),
              request.getRevision(),
              timeoutMillis == 0
                  ? DEFAULT_DRAIN_TIMEOUT
                  : java.time.Duration.ofMillis(timeoutMillis));
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.toException(e));
      return;
    }
    answer(draining, out, Protos::toProto);
  }

  @Override
  public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> out) {
    Connections.Connection connection = Connections.current();
    String token = tokenAccessor(sessionTokens);
    if (token != null && !sessionTokens.tryAcquire(token)) {
      out.onError(
          GrpcStatuses.error(
              ErrorCode.RESOURCE_EXHAUSTED,
              "sessions: "
                  + sessionTokens.max()
                  + " session streams open with token "
                  + token
                  + " (expected: <= "
                  + sessionTokens.max()
                  + " per token)"));
      return ignoring();
    }
    if (!connection.tryAcquireSession()) {
      if (token != null) {
        sessionTokens.release(token);
      }
      out.onError(
          GrpcStatuses.error(
              ErrorCode.RESOURCE_EXHAUSTED,
              "sessions: "
                  + connection.maxSessions()
                  + " session streams open on this connection (expected: <= "
                  + connection.maxSessions()
                  + " per connection; open more connections or close some)"));
      return ignoring();
    }
    AclGuard guard = AclInterceptor.guard();
    return new SessionCall(
        registry,
        guard,
        AclInterceptor.caller(),
        guard == null ? () -> Authorizer.ALL : guard.live(AclInterceptor.secret()),
        sessionOwners,
        sessionCalls,
        () -> shuttingDown,
        (ServerCallStreamObserver<SessionResponse>) out,
        loops.current(),
        () -> {
          connection.releaseSession();
          if (token != null) {
            sessionTokens.release(token);
          }
        });
  }

  /** The handler of a refused stream's messages: drops them. */
  private static StreamObserver<SessionRequest> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(SessionRequest value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** Checks the current call's scoped ACL rule (nothing when ACLs are off). */
  private static void checkAcl(
      io.grpc.MethodDescriptor<?, ?> method, String namespace, String service) {
    AclGuard guard = AclInterceptor.guard();
    if (guard == null) {
      return;
    }
    Requirement rule = GrpcRules.of(method.getFullMethodName());
    if (rule.scope() == Requirement.Scope.SERVICE && service.isEmpty()) {
      rule = Requirement.namespace(rule.resource(), rule.access());
    }
    guard.check(AclInterceptor.caller(), rule, namespace, service);
  }

  /** What proves sessions for a write to {@code service} (see {@link AclGuard#sessionAccess}). */
  private static SessionAccess sessionAccess(
      SessionAccess presented, String namespace, String service) {
    AclGuard guard = AclInterceptor.guard();
    return guard == null
        ? presented
        : guard.sessionAccess(AclInterceptor.caller(), presented, namespace, service);
  }

  /** The check of a watch: read on its service, or on the whole namespace for the service list. */
  private static WatchCall.AclCheck watchCheck() {
    AclGuard guard = AclInterceptor.guard();
    if (guard == null) {
      return (namespace, service) -> {};
    }
    // The token's rights when asked, not when the call began: the watch is checked again before
    // each response (decision 0217).
    java.util.function.Supplier<Authorizer> rights = guard.live(AclInterceptor.secret());
    return new WatchCall.AclCheck() {
      // The rights that last allowed the watch. The core's cache answers the same object while no
      // token or policy changed, so a check of unchanged rights is an identity comparison (a call
      // checks one namespace and service, always the same).
      private volatile Authorizer allowed;

      @Override
      public void check(String namespace, String service) {
        Authorizer now = rights.get();
        if (now == allowed) {
          return;
        }
        guard.check(
            now,
            service.isEmpty()
                ? Requirement.namespace(Resource.SERVICE, Access.READ)
                : Requirement.service(Resource.SERVICE, Access.READ),
            namespace,
            service);
        allowed = now;
      }

      @Override
      public dev.cairn.server.core.ServiceList visible(dev.cairn.server.core.ServiceList list) {
        return AclGuard.readable(rights.get(), list);
      }
    };
  }

  private <T, R> void answer(
      CompletableFuture<T> future, StreamObserver<R> out, Function<T, R> toResponse) {
    future.whenCompleteAsync(
        (value, failure) -> {
          if (failure != null) {
            out.onError(GrpcStatuses.toException(failure));
            return;
          }
          out.onNext(toResponse.apply(value));
          out.onCompleted();
        },
        loops.current());
  }
}
