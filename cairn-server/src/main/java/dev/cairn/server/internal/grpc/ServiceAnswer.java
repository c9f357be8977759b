package dev.cairn.server.internal.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.internal.Protos;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A {@code GetService} answer on its way to the wire: either a {@link GetServiceResponse}, or its
 * encoding made of the few per-call bytes (the revisions) followed by the instances, encoded once
 * per service snapshot and cached on it (decision 0156), and the registry's id (decision 0201). The
 * bytes are those the generated message would write (fields in number order, zero fields left out),
 * so the wire does not change; {@link #METHOD} is {@code GetService} with a marshaller that writes
 * them as they are.
 */
final class ServiceAnswer {

  /** The snapshot key of the instances' encoding: every {@code instances = 3} entry, in order. */
  private static final Object INSTANCES_FIELD = new Object();

  private static final MethodDescriptor.Marshaller<GetServiceResponse> MESSAGES =
      ProtoUtils.marshaller(GetServiceResponse.getDefaultInstance());

  /** {@code cairn.v1.Registry/GetService}, answering with {@link ServiceAnswer}s. */
  static final MethodDescriptor<dev.cairn.proto.v1.GetServiceRequest, ServiceAnswer> METHOD =
      RegistryGrpc.getGetServiceMethod().toBuilder(
              RegistryGrpc.getGetServiceMethod().getRequestMarshaller(), new Marshaller())
          .build();

  private static final byte[] NONE = new byte[0];

  private final GetServiceResponse message; // null when encoded
  private final byte[] head;
  private final byte[] instances;
  private final byte[] tail;

  private ServiceAnswer(GetServiceResponse message, byte[] head, byte[] instances, byte[] tail) {
    this.message = message;
    this.head = head;
    this.instances = instances;
    this.tail = tail;
  }

  /** An answer built as a message (filtered reads). */
  static ServiceAnswer of(GetServiceResponse message) {
    return new ServiceAnswer(message, null, null, null);
  }

  /**
   * Every instance of {@code snapshot} at global revision {@code revision} of the registry {@code
   * registryId} (empty: none said): the revisions and the id encoded now, the instances as encoded
   * once for the snapshot.
   */
  static ServiceAnswer of(long revision, ServiceSnapshot snapshot, String registryId) {
    long serviceRevision = snapshot.revision();
    byte[] head =
        new byte
            [(revision == 0 ? 0 : CodedOutputStream.computeInt64Size(1, revision))
                + (serviceRevision == 0
                    ? 0
                    : CodedOutputStream.computeInt64Size(2, serviceRevision))];
    CodedOutputStream out = CodedOutputStream.newInstance(head);
    try {
      if (revision != 0) {
        out.writeInt64(1, revision);
      }
      if (serviceRevision != 0) {
        out.writeInt64(2, serviceRevision);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ServiceAnswer(
        null, head, snapshot.encoded(INSTANCES_FIELD, ServiceAnswer::encode), tail(registryId));
  }

  // Field 5, registry_id: after the instances, in field number order.
  private static byte[] tail(String registryId) {
    if (registryId.isEmpty()) {
      return NONE;
    }
    byte[] tail = new byte[CodedOutputStream.computeStringSize(5, registryId)];
    CodedOutputStream out = CodedOutputStream.newInstance(tail);
    try {
      out.writeString(5, registryId);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tail;
  }

  /** The answer as a message; for tests and the rare caller that needs one. */
  GetServiceResponse message() {
    if (message != null) {
      return message;
    }
    try {
      return GetServiceResponse.parseFrom(bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The answer's wire form. */
  byte[] bytes() {
    if (message != null) {
      return message.toByteArray();
    }
    byte[] all = new byte[head.length + instances.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(instances, 0, all, head.length, instances.length);
    System.arraycopy(tail, 0, all, head.length + instances.length, tail.length);
    return all;
  }

  private static byte[] encode(ServiceSnapshot snapshot) {
    List<dev.cairn.proto.v1.Instance> all = Protos.instances(snapshot);
    int size = 0;
    for (dev.cairn.proto.v1.Instance i : all) {
      size += CodedOutputStream.computeMessageSize(3, i);
    }
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      for (dev.cairn.proto.v1.Instance i : all) {
        out.writeMessage(3, i);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }

  private static final class Marshaller implements MethodDescriptor.Marshaller<ServiceAnswer> {
    @Override
    public InputStream stream(ServiceAnswer answer) {
      return answer.message != null
          ? MESSAGES.stream(answer.message)
          : new EncodedStream(answer.head, answer.instances, answer.tail);
    }

    @Override
    public ServiceAnswer parse(InputStream stream) {
      return of(MESSAGES.parse(stream));
    }
  }
}
