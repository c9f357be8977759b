package dev.cairn.client.internal;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The session stream's requests as encoded bytes (decision 0157): a registration's namespace and
 * instance are encoded once, when it is made, and each send only writes the request id in front of
 * them. The bytes are what the generated {@code SessionRequest} encodes, field for field in the
 * same order (request id 1, namespace 2, instance 3), so the registry sees no difference.
 */
final class SessionRequests {

  /** The {@code Session} method with requests as encoded bytes; responses parsed as usual. */
  static final MethodDescriptor<byte[], SessionResponse> METHOD =
      RegistryGrpc.getSessionMethod().toBuilder(
              new BytesMarshaller(), ProtoUtils.marshaller(SessionResponse.getDefaultInstance()))
          .build();

  private SessionRequests() {}

  /** A request other than a registration (open, keepalive, deregister, close), encoded. */
  static byte[] of(SessionRequest request) {
    return request.toByteArray();
  }

  /** The registration of {@code instance} in {@code namespace} without its request id. */
  static byte[] registerBody(String namespace, dev.cairn.proto.v1.Instance instance) {
    return RegisterInstance.newBuilder()
        .setNamespace(namespace)
        .setInstance(instance)
        .build()
        .toByteArray();
  }

  /**
   * The {@code SessionRequest} registering {@code body} (a {@link #registerBody}) as {@code
   * requestId}.
   */
  static byte[] register(long requestId, byte[] body) {
    int inner =
        CodedOutputStream.computeInt64Size(RegisterInstance.REQUEST_ID_FIELD_NUMBER, requestId)
            + body.length;
    byte[] out =
        new byte
            [CodedOutputStream.computeTagSize(SessionRequest.REGISTER_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(inner)
                + inner];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeTag(SessionRequest.REGISTER_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      coded.writeUInt32NoTag(inner);
      coded.writeInt64(RegisterInstance.REQUEST_ID_FIELD_NUMBER, requestId);
      coded.writeRawBytes(body);
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an array of the computed size cannot overflow
    }
    return out;
  }

  /** Requests go out as the bytes given; they are never parsed on this side. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new BytesStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      throw new UnsupportedOperationException("session requests are only sent");
    }
  }

  /** Bytes whose length gRPC reads up front and that it copies out in one write. */
  private static final class BytesStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    BytesStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
