package dev.cairn.server.ratis.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
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
 * <p>Frames are plain bytes. A request is a call id (8 bytes) then the forwarded entry; an answer
 * is the call id, a status byte ({@link #OK}: the applied index, 8 bytes, then the machine's reply;
 * {@link #REFUSED}: a reason in UTF-8, and the batch is to be sent again to whoever leads). Answers
 * are written from the thread that applied the batch's entry.
 */
final class ForwardService {

  static final byte OK = 0;
  static final byte REFUSED = 1;

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

  private ForwardService() {}

  /**
   * Adds the forward stream to the Raft server's gRPC server. Its calls run on gRPC's executor, as
   * Ratis's own services do, never on the transport's event loop: applying a batch enters the Raft
   * server, whose locks may be held by a thread that waits on that event loop.
   *
   * @param forwardHere applies a forwarded entry on this member if it leads: see {@link
   *     StateMachineAdapter#forwardHere}
   */
  static GrpcServices.Customizer customizer(
      Function<byte[], CompletableFuture<byte[]>> forwardHere) {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(FORWARD.getServiceName())
            .addMethod(
                FORWARD, ServerCalls.asyncBidiStreamingCall(out -> new Inbound(out, forwardHere)))
            .build();
    return (NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) -> {
      if (types.contains(GrpcServices.Type.SERVER)) {
        builder.addService(service);
      }
      return builder;
    };
  }

  static byte[] request(long callId, byte[] entry) {
    return ByteBuffer.allocate(8 + entry.length).putLong(callId).put(entry).array();
  }

  /** One follower's stream: answers are written in the order their entries were applied. */
  private static final class Inbound implements StreamObserver<byte[]> {
    private final StreamObserver<byte[]> out;
    private final Function<byte[], CompletableFuture<byte[]>> forwardHere;
    private boolean closed; // guarded by out

    Inbound(StreamObserver<byte[]> out, Function<byte[], CompletableFuture<byte[]>> forwardHere) {
      this.out = out;
      this.forwardHere = forwardHere;
      // A follower gone: answers still to come are dropped, not written to a cancelled call.
      ((ServerCallStreamObserver<byte[]>) out)
          .setOnCancelHandler(
              () -> {
                synchronized (out) {
                  closed = true;
                }
              });
    }

    @Override
    public void onNext(byte[] request) {
      if (request.length < 8) {
        return; // not a frame of this protocol; nothing to answer to
      }
      long callId = ByteBuffer.wrap(request).getLong();
      byte[] entry = java.util.Arrays.copyOfRange(request, 8, request.length);
      CompletableFuture<byte[]> applied;
      try {
        applied = forwardHere.apply(entry);
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
    }

    @Override
    public void onCompleted() {
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    }
  }
}
