package dev.cairn.server.ratis.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.GrpcUtil;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContextBuilder;

/**
 * A follower's end of its forward stream to the leader (decision 0111): one channel and one
 * bidirectional call to the member that leads now, opened on first use and again after it broke or
 * leadership moved. A send fails, to be sent again by the caller, when the stream breaks, when the
 * leader refuses it (it no longer leads), or when no answer came within {@code attemptMillis} (a
 * paused or dead leader). Answers are taken on gRPC's executor, not the transport's event loop:
 * what follows an answer (the member's next entry, say) may enter the Raft server.
 *
 * <p>The member at the other end tells its gRPC API address on the stream (decision 0114): {@link
 * #grpcAddressOf} gives it, and {@link #connect} opens the stream before any write needs it so that
 * a follower learns a new leader's address as soon as it knows the leader. Thread-safe.
 */
final class ForwardStream implements AutoCloseable {

  private final GrpcTlsConfig tls;
  private final long attemptMillis;
  private final AtomicLong callIds = new AtomicLong();
  // Guarded by this.
  private RaftPeer target;
  private ManagedChannel channel;
  private Call call;
  private boolean closed;
  // What `target` told its gRPC API address is; "" until it did. Kept when a call ends.
  private String targetGrpcAddress = "";

  /**
   * @param tls the members' mutual TLS, or null for plaintext
   * @param attemptMillis how long one send waits for its answer before it fails
   */
  ForwardStream(GrpcTlsConfig tls, long attemptMillis) {
    this.tls = tls;
    this.attemptMillis = attemptMillis;
  }

  /**
   * Sends {@code entry} to {@code leader}'s machine with the time left until {@code deadline}
   * ({@link System#nanoTime()}; sent as a remaining time, since members' clocks differ: decision
   * 0183); completes with its answer (the applied index, 8 bytes, then the machine's reply), or
   * fails with an {@link IOException} saying why this try did not get one.
   */
  CompletableFuture<byte[]> send(RaftPeer leader, byte[] entry, long deadline) {
    long id = callIds.incrementAndGet();
    CompletableFuture<byte[]> answer = new CompletableFuture<>();
    Call c;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IOException("the forward stream is closed"));
      }
      try {
        c = current(leader);
      } catch (IOException | RuntimeException e) {
        return CompletableFuture.failedFuture(
            e instanceof IOException ? e : new IOException("no stream to " + leader, e));
      }
      c.pending.put(id, answer);
      c.call.sendMessage(ForwardService.request(id, deadline - System.nanoTime(), entry));
    }
    return answer
        .orTimeout(attemptMillis, TimeUnit.MILLISECONDS)
        .whenComplete((a, e) -> c.pending.remove(id));
  }

  /**
   * Opens the stream to {@code leader} now, if it is not open, without sending anything: the leader
   * then tells its gRPC API address. Failures are left to the next {@link #send}.
   */
  synchronized void connect(RaftPeer leader) {
    if (closed) {
      return;
    }
    try {
      current(leader);
    } catch (IOException | RuntimeException e) {
      // the next send opens it again, or fails saying why
    }
  }

  /**
   * The gRPC API address member {@code leader} told this stream, {@code ""} when it is not the
   * stream's member or has not told it.
   */
  synchronized String grpcAddressOf(RaftPeerId leader) {
    return target != null && target.getId().equals(leader) ? targetGrpcAddress : "";
  }

  // Guarded by this: the call to `leader`, opened if there is none.
  private Call current(RaftPeer leader) throws SSLException {
    if (target == null
        || !target.getId().equals(leader.getId())
        || !target.getAddress().equals(leader.getAddress())) {
      shutdownChannel();
      target = leader;
      targetGrpcAddress = "";
    }
    if (channel == null) {
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(leader.getAddress()).disableRetry();
      if (tls == null) {
        b.usePlaintext();
      } else {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        GrpcUtil.setTrustManager(ssl, tls.getTrustManager());
        GrpcUtil.setKeyManager(ssl, tls.getKeyManager());
        b.useTransportSecurity().sslContext(ssl.build());
      }
      channel = b.build();
    }
    if (call == null) {
      call = new Call(channel.newCall(ForwardService.FORWARD_WITHIN, CallOptions.DEFAULT));
      call.start();
    }
    return call;
  }

  // Guarded by this.
  private void shutdownChannel() {
    if (call != null) {
      call.call.cancel("leadership moved", null);
      call = null;
    }
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
  }

  private synchronized void told(Call from, String grpcAddress) {
    if (call == from) {
      targetGrpcAddress = grpcAddress;
    }
  }

  private synchronized void ended(Call ended) {
    if (call == ended) {
      call = null;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    shutdownChannel();
  }

  /** One bidirectional call and the sends waiting for its answers. */
  private final class Call extends ClientCall.Listener<byte[]> {
    final ClientCall<byte[], byte[]> call;
    final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();

    Call(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    void start() {
      call.start(this, new Metadata());
      call.request(1);
    }

    @Override
    public void onMessage(byte[] frame) {
      call.request(1);
      if (frame.length < 9) {
        return;
      }
      ByteBuffer b = ByteBuffer.wrap(frame);
      long id = b.getLong();
      byte status = b.get();
      if (id == ForwardService.ADDRESS_CALL_ID && status == ForwardService.ADDRESS) {
        told(this, new String(frame, 9, frame.length - 9, StandardCharsets.UTF_8));
        return;
      }
      CompletableFuture<byte[]> waiting = pending.remove(id);
      if (waiting == null) {
        return; // timed out already
      }
      byte[] body = new byte[b.remaining()];
      b.get(body);
      if (status == ForwardService.OK) {
        waiting.complete(body);
      } else {
        waiting.completeExceptionally(
            new IOException("the leader refused: " + new String(body, StandardCharsets.UTF_8)));
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      ended(this);
      IOException broken = new IOException("forward stream ended: " + status, status.getCause());
      for (CompletableFuture<byte[]> f : pending.values()) {
        f.completeExceptionally(broken);
      }
      pending.clear();
    }
  }
}
