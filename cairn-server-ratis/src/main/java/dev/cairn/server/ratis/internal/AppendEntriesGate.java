package dev.cairn.server.ratis.internal;

import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;

/**
 * Lets one AppendEntries request at a time into a member's Raft server, whichever of the leader's
 * append streams it came on (decision 0200).
 *
 * <p>Ratis 3.2.2 chains a follower's log appends through {@code AtomicReference.updateAndGet} with
 * a function that adds a stage to the chain. When two requests enter at once (two append streams
 * from the leader: one it replaced after a timeout or a redial, decision 0191, whose requests the
 * follower is still taking, and its new one), the thread whose update loses the race applies the
 * function again, and the stage it added first is not dropped: it appends that request's entries as
 * well, at the same time as the chain's previous append. The log lets one thread in ("Already
 * running a method"); when the one turned away is the chain's, the chain's future has failed, every
 * later append is composed onto it and fails with the same exception, and the member never catches
 * up until its process is restarted.
 *
 * <p>Within one gRPC call, messages are delivered one at a time; this gate holds a message of one
 * call while another call's message is in Ratis's {@code appendEntriesAsync}, which only starts the
 * append and returns its future (the log write itself runs on, ungated). Calls of the other methods
 * pass untouched.
 *
 * <p>Thread-safe; one instance per Raft server.
 */
final class AppendEntriesGate implements ServerInterceptor {

  private static final String APPEND_ENTRIES =
      RaftServerProtocolServiceGrpc.getAppendEntriesMethod().getFullMethodName();

  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicInteger held = new AtomicInteger();

  /**
   * A services customizer that puts a new gate before the Raft server's own services, then applies
   * {@code next}.
   */
  static GrpcServices.Customizer before(GrpcServices.Customizer next) {
    return before(next, new AppendEntriesGate());
  }

  /** As {@link #before(GrpcServices.Customizer)}, with the gate given; for tests. */
  static GrpcServices.Customizer before(GrpcServices.Customizer next, AppendEntriesGate gate) {
    return (NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) -> {
      if (types.contains(GrpcServices.Type.SERVER)) {
        builder.intercept(gate);
      }
      return next.customize(builder, types);
    };
  }

  /** Messages waiting for another call's message to leave; for tests. */
  int held() {
    return held.get();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> listener = next.startCall(call, headers);
    if (!APPEND_ENTRIES.equals(call.getMethodDescriptor().getFullMethodName())) {
      return listener;
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        enter();
        try {
          super.onMessage(message);
        } finally {
          lock.unlock();
        }
      }
    };
  }

  private void enter() {
    if (lock.tryLock()) {
      return;
    }
    held.incrementAndGet();
    try {
      lock.lock();
    } finally {
      held.decrementAndGet();
    }
  }
}
