package dev.cairn.server.internal.http;

import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SnapshotReason;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One watch streamed as server-sent events, each with {@code id: <revision>}, and a {@code :
 * keepalive} comment at a fixed interval. A service watch sends {@code snapshot} first, then {@code
 * added}, {@code updated} and {@code removed} (a resumed watch: the events it missed, or {@code
 * compacted} and a snapshot when they are no longer kept); a service-list watch sends {@code
 * services}, the whole list, first and on every change. Drains count a frame as received once it is
 * flushed to the socket.
 *
 * <p>The registry calls the listener methods sequentially on the channel's event loop ({@link
 * #executor()}); they encode there and write the bytes, so frames leave in delivery order and after
 * the response head.
 */
final class SseStream implements WatchListener, HttpApiHandler.Stream {

  /** The key of the snapshot frame in {@link ServiceSnapshot#encoded}. */
  private static final Object SNAPSHOT_FRAME = new Object();

  private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final Channel channel;
  // What a service-list watch sends of each list: all of it, or what the caller's token may read.
  private java.util.function.UnaryOperator<ServiceList> lists =
      java.util.function.UnaryOperator.identity();
  // Set once on the event loop before any writability change can be reported.
  private volatile Watch watch;
  // What the caller's token is refused now; null while allowed (decision 0217). Called on the
  // event loop, before each frame and keep-alive.
  private java.util.function.Supplier<dev.cairn.common.CairnException> refusal = () -> null;
  // Set on the event loop once the stream ended for its token.
  private boolean refused;

  SseStream(Channel channel) {
    this.channel = channel;
  }

  /**
   * Sends of each service list only what {@code filter} keeps (decision 0173); before the watch.
   */
  void filterLists(java.util.function.UnaryOperator<ServiceList> filter) {
    this.lists = filter;
  }

  /**
   * Looks at {@code refusal} before each frame and keep-alive: once it refuses, the stream sends an
   * {@code error} event with the refusal and ends, and the watch is closed (decision 0217); before
   * the watch.
   */
  void recheck(java.util.function.Supplier<dev.cairn.common.CairnException> refusal) {
    this.refusal = refusal;
  }

  /**
   * Whether the caller's token no longer allows the stream; the first time, sends the refusal as an
   * {@code error} event and ends the stream. On the event loop.
   */
  private boolean refused() {
    if (refused) {
      return true;
    }
    dev.cairn.common.CairnException e = refusal.get();
    if (e == null) {
      return false;
    }
    refused = true;
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes("event: error\ndata: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(JsonBodies.error(e.code(), e.field(), e.getMessage()));
    out.write('\n');
    out.write('\n');
    write(out.toByteArray());
    Watch w = watch;
    if (w != null) {
      w.close();
    }
    end();
    return true;
  }

  /**
   * Binds the stream to its watch: keep-alives start, and when the channel closes the watch and the
   * keep-alives stop and {@code onClose} runs.
   */
  void attach(Watch watch, Duration keepAlive, Runnable onClose) {
    this.watch = watch;
    ScheduledFuture<?> keepAlives =
        channel
            .eventLoop()
            .scheduleAtFixedRate(
                () -> {
                  if (!refused()) {
                    write(KEEPALIVE);
                  }
                },
                keepAlive.toMillis(),
                keepAlive.toMillis(),
                TimeUnit.MILLISECONDS);
    channel
        .closeFuture()
        .addListener(
            f -> {
              keepAlives.cancel(false);
              watch.close();
              onClose.run();
            });
  }

  @Override
  public Executor executor() {
    return channel.eventLoop();
  }

  @Override
  public boolean isReady() {
    return channel.isWritable();
  }

  @Override
  public void writabilityChanged() {
    Watch w = watch;
    if (w != null && channel.isWritable()) {
      w.ready();
    }
  }

  @Override
  public String description() {
    SocketAddress remote = channel.remoteAddress();
    String peer =
        remote instanceof InetSocketAddress a
            ? a.getAddress().getHostAddress() + ":" + a.getPort()
            : String.valueOf(remote);
    return "sse " + peer + " (counted when flushed)";
  }

  @Override
  public void onSnapshot(ServiceSnapshot snapshot, SnapshotReason reason, long compactRevision) {
    if (refused()) {
      return;
    }
    byte[] frame = snapshot.encoded(SNAPSHOT_FRAME, SseStream::snapshotFrame);
    if (reason == SnapshotReason.COMPACTED) {
      byte[] compacted =
          ("event: compacted\ndata: {\"compactRevision\":" + compactRevision + "}\n\n")
              .getBytes(StandardCharsets.US_ASCII);
      ByteArrayOutputStream out = new ByteArrayOutputStream(compacted.length + frame.length);
      out.writeBytes(compacted);
      out.writeBytes(frame);
      frame = out.toByteArray();
    }
    write(frame, snapshot.revision());
  }

  @Override
  public void onResumed(long revision, List<ServiceEvent> events) {
    if (refused()) {
      return;
    }
    if (events.isEmpty()) {
      // Nothing changed since the id the client resumed from: it has everything up to it.
      Watch w = watch;
      if (w != null) {
        w.acknowledge(revision);
      }
      return;
    }
    onEvents(events);
  }

  @Override
  public void onEvents(List<ServiceEvent> events) {
    if (refused()) {
      return;
    }
    long revision = events.get(events.size() - 1).revision();
    if (events.size() == 1) {
      write(events.get(0).encoded(SSE_EVENT_KEY, SseStream::encode), revision);
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 * events.size());
    for (ServiceEvent e : events) {
      out.writeBytes(e.encoded(SSE_EVENT_KEY, SseStream::encode));
    }
    write(out.toByteArray(), revision);
  }

  // One encoding per event, shared by every stream that gets it.
  private static final Object SSE_EVENT_KEY = new Object();

  private static byte[] encode(ServiceEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    String head =
        "id: " + e.revision() + "\nevent: " + e.type().name().toLowerCase(Locale.ROOT) + "\ndata: ";
    out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    JsonBodies.writeTo(
        out,
        g -> {
          g.writeStartObject();
          g.writeNumberField("revision", e.revision());
          g.writeFieldName("instance");
          JsonBodies.writeInstance(g, e.instance());
          g.writeEndObject();
        });
    out.write('\n');
    out.write('\n');
    return out.toByteArray();
  }

  @Override
  public void onServiceList(ServiceList whole) {
    if (refused()) {
      return;
    }
    ServiceList list = lists.apply(whole);
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(
        ("id: " + list.revision() + "\nevent: services\ndata: ")
            .getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(JsonBodies.services(list));
    out.write('\n');
    out.write('\n');
    write(out.toByteArray(), 0);
  }

  @Override
  public void onClosed() {
    end();
  }

  /** Ends the stream with the last chunk of its body, then closes the connection. */
  @Override
  public void end() {
    try {
      channel
          .eventLoop()
          .execute(
              () ->
                  channel
                      .writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                      .addListener(ChannelFutureListener.CLOSE));
    } catch (RejectedExecutionException e) {
      channel.close();
    }
  }

  private void write(byte[] frame) {
    write(frame, 0);
  }

  /**
   * Writes {@code frame}; once it is flushed to the socket, the watch records {@code revision}
   * (when above 0) as received: the most an SSE server can tell, short of the client's next
   * request.
   */
  private void write(byte[] frame, long revision) {
    try {
      channel
          .eventLoop()
          .execute(
              () -> {
                ChannelFuture f =
                    channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(frame)));
                if (revision > 0) {
                  f.addListener(
                      done -> {
                        Watch w = watch;
                        if (done.isSuccess() && w != null) {
                          w.acknowledge(revision);
                        }
                      });
                }
              });
    } catch (RejectedExecutionException e) {
      // The server is closing; the channel is closed with it.
    }
  }

  private static byte[] snapshotFrame(ServiceSnapshot s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    out.writeBytes(
        ("id: " + s.revision() + "\nevent: snapshot\ndata: ").getBytes(StandardCharsets.US_ASCII));
    JsonBodies.writeTo(
        out,
        g -> {
          g.writeStartObject();
          g.writeNumberField("revision", s.revision());
          JsonBodies.writeInstances(g, s.instances());
          g.writeEndObject();
        });
    out.write('\n');
    out.write('\n');
    return out.toByteArray();
  }
}
