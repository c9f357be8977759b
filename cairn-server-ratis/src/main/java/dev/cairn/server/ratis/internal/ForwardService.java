package dev.cairn.server.ratis.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCallStreamObserver;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * The leader's end of the members' forward streams (decision 0111): one bidirectional stream from
 * each follower, on the member's Raft port beside Ratis's own services (so it has Raft's mutual TLS
 * when members have it), carrying batches the follower's clients wrote and their answers.
 *
 * <p>Frames are plain bytes. A request is a call id (8 bytes), on {@link #FORWARD_WITHIN} the
 * sender's remaining time for it in nanoseconds (8 bytes, decision 0183), then the forwarded entry;
 * an answer is the call id, a status byte ({@link #OK}: the applied index, 8 bytes, then the
 * machine's reply; {@link #REFUSED}: a reason in UTF-8, and the batch is to be sent again to
 * whoever leads, unless its time is up). Answers are written from the thread that applied the
 * batch's entry. {@link #FORWARD}, without the remaining time, is still served for members of an
 * earlier version; a member of this one sends on {@link #FORWARD_WITHIN}, and a member that lacks
 * it answers {@code UNIMPLEMENTED} (the sender then goes by a Ratis query).
 *
 * <p>One more frame answers no request: call id {@link #ADDRESS_CALL_ID}, status {@link #ADDRESS},
 * then this member's gRPC API address in UTF-8 (decision 0114). It goes out when a stream opens, if
 * the address is known, and on every open stream when it becomes known (the server binds its gRPC
 * port after the log started, and a member may lead before that). A member that predates it finds
 * no request with that id and drops it.
 */
final class ForwardService {

  static final byte OK = 0;
  static final byte REFUSED = 1;
  static final byte ADDRESS = 2;

  /** The call id of the frame carrying the member's gRPC API address; no request has it. */
  static final long ADDRESS_CALL_ID = -1;

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> FORWARD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(
              MethodDescriptor.generateFullMethodName("cairn.raft.Members", "Forward"))
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  static final MethodDescriptor<byte[], byte[]> FORWARD_WITHIN =
      FORWARD.toBuilder()
          .setFullMethodName(
              MethodDescriptor.generateFullMethodName("cairn.raft.Members", "ForwardWithin"))
          .build();

  /**
   * Applies a forwarded entry on this member if it leads, given the time its sender had left for it
   * when it arrived ({@link dev.cairn.server.core.log.LogStateMachine#NO_BUDGET}: none given): see
   * {@link StateMachineAdapter#forwardHere}.
   */
  @FunctionalInterface
  interface Handler {
    CompletableFuture<byte[]> forward(byte[] entry, long budgetNanos);
  }

  private ForwardService() {}

  /**
   * Adds the forward stream to the Raft server's gRPC server. Its calls run on gRPC's executor, as
   * Ratis's own services do, never on the transport's event loop: applying a batch enters the Raft
   * server, whose locks may be held by a thread that waits on that event loop.
   *
   * @param forwardHere applies a forwarded entry on this member if it leads: see {@link
   *     StateMachineAdapter#forwardHere}
   * @param advertised this member's gRPC API address, told every stream
   */
  static GrpcServices.Customizer customizer(Handler forwardHere, Advertised advertised) {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(FORWARD.getServiceName())
            .addMethod(
                FORWARD,
                ServerCalls.asyncBidiStreamingCall(
                    out -> new Inbound(out, forwardHere, advertised, false)))
            .addMethod(
                FORWARD_WITHIN,
                ServerCalls.asyncBidiStreamingCall(
                    out -> new Inbound(out, forwardHere, advertised, true)))
            .build();
    return (NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) -> {
      if (types.contains(GrpcServices.Type.SERVER)) {
        builder.addService(service);
      }
      return builder;
    };
  }

  /** A request frame of {@link #FORWARD_WITHIN}. */
  static byte[] request(long callId, long budgetNanos, byte[] entry) {
    return ByteBuffer.allocate(16 + entry.length)
        .putLong(callId)
        .putLong(budgetNanos)
        .put(entry)
        .array();
  }

  static byte[] addressFrame(String address) {
    byte[] a = address.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(9 + a.length).putLong(ADDRESS_CALL_ID).put(ADDRESS).put(a).array();
  }

  /**
   * This member's gRPC API address ({@code ""} until the server bound its port) and the forward
   * streams open to it, each told the address when it opens and when it is set. Thread-safe.
   */
  static final class Advertised {
    private volatile String address = "";
    private final Set<Inbound> streams = ConcurrentHashMap.newKeySet();

    String get() {
      return address;
    }

    void set(String address) {
      this.address = address;
      for (Inbound s : streams) {
        s.tell(address);
      }
    }
  }

  /** One follower's stream: answers are written in the order their entries were applied. */
  private static final class Inbound implements StreamObserver<byte[]> {
    private final StreamObserver<byte[]> out;
    private final Handler forwardHere;
    private final Advertised advertised;
    private final boolean budgeted; // the frames carry the sender's remaining time
    private boolean closed; // guarded by out

    Inbound(
        StreamObserver<byte[]> out, Handler forwardHere, Advertised advertised, boolean budgeted) {
      this.out = out;
      this.forwardHere = forwardHere;
      this.advertised = advertised;
      this.budgeted = budgeted;
      // A follower gone: answers still to come are dropped, not written to a cancelled call.
      ((ServerCallStreamObserver<byte[]>) out)
          .setOnCancelHandler(
              () -> {
                synchronized (out) {
                  closed = true;
                }
                advertised.streams.remove(this);
              });
      advertised.streams.add(this);
      tell(advertised.get());
    }

    /** Sends this member's gRPC API address, unless it is not known yet or the stream ended. */
    void tell(String address) {
      if (address.isEmpty()) {
        return;
      }
      synchronized (out) {
        if (!closed) {
          out.onNext(addressFrame(address));
        }
      }
    }

    @Override
    public void onNext(byte[] request) {
      int head = budgeted ? 16 : 8;
      if (request.length < head) {
        return; // not a frame of this protocol; nothing to answer to
      }
      ByteBuffer in = ByteBuffer.wrap(request);
      long callId = in.getLong();
      // The sender's time left when it sent, counted from now: the time on the wire is spent too.
      long budget = budgeted ? in.getLong() : dev.cairn.server.core.log.LogStateMachine.NO_BUDGET;
      byte[] entry = java.util.Arrays.copyOfRange(request, head, request.length);
      CompletableFuture<byte[]> applied;
      try {
        applied = forwardHere.forward(entry, budget);
      } catch (RuntimeException e) {
        applied = CompletableFuture.failedFuture(e);
      }
      applied.whenComplete(
          (answer, error) -> {
            byte[] frame;
            if (error == null) {
              frame =
                  ByteBuffer.allocate(9 + answer.length)
                      .putLong(callId)
                      .put(OK)
                      .put(answer)
                      .array();
            } else {
              Throwable cause = error.getCause() != null ? error.getCause() : error;
              byte[] why = String.valueOf(cause.getMessage()).getBytes(StandardCharsets.UTF_8);
              frame =
                  ByteBuffer.allocate(9 + why.length).putLong(callId).put(REFUSED).put(why).array();
            }
            synchronized (out) {
              if (!closed) {
                out.onNext(frame);
              }
            }
          });
    }

    @Override
    public void onError(Throwable t) {
      synchronized (out) {
        closed = true;
      }
      advertised.streams.remove(this);
    }

    @Override
    public void onCompleted() {
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
      advertised.streams.remove(this);
    }
  }
}
