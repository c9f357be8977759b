package dev.cairn.server.internal.grpc;

import dev.cairn.proto.v1.WatchResponse;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.InputStream;

/**
 * The response marshaller of the watch methods (decision 0118): a one-event message is encoded once
 * per event loop and its bytes copied to every watcher the loop writes it to, where protobuf would
 * encode it again for each. The registry hands every watcher of a service the same message object
 * for a one-event delivery ({@link WatchCall}), and a loop writes the deliveries of one event one
 * after the other, so each thread keeps the last such message it encoded and compares by identity.
 * Other messages (snapshots, resumes, several events, service lists) are written as protobuf writes
 * them. The bytes are protobuf's own, so the wire does not change.
 */
final class WatchEncoding implements MethodDescriptor.Marshaller<WatchResponse> {

  /** A message larger than this is not kept by a thread after it was written. */
  static final int MAX_KEPT_BYTES = 16 * 1024;

  private static final MethodDescriptor.Marshaller<WatchResponse> PROTO =
      ProtoUtils.marshaller(WatchResponse.getDefaultInstance());

  private static final byte[] NONE = new byte[0];

  // Each thread's last one-event message and its encoding.
  private static final ThreadLocal<Last> LAST = ThreadLocal.withInitial(Last::new);

  private WatchEncoding() {}

  /** {@code method} with its responses written by this marshaller. */
  static <ReqT> MethodDescriptor<ReqT, WatchResponse> of(
      MethodDescriptor<ReqT, WatchResponse> method) {
    return method.toBuilder(method.getRequestMarshaller(), new WatchEncoding()).build();
  }

  @Override
  public InputStream stream(WatchResponse message) {
    if (!message.hasEvents()
        || message.getEvents().getEventsCount() != 1
        || message.getSerializedSize() > MAX_KEPT_BYTES) {
      return PROTO.stream(message);
    }
    Last last = LAST.get();
    if (last.message != message) {
      last.bytes = message.toByteArray();
      last.message = message;
    }
    return new EncodedStream(NONE, last.bytes);
  }

  @Override
  public WatchResponse parse(InputStream stream) {
    return PROTO.parse(stream);
  }

  private static final class Last {
    WatchResponse message;
    byte[] bytes;
  }
}
