package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.SessionRequest;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A session-stream registration encoded once, before a workload's clock starts: sending it then
 * only writes the request id in front of the encoded namespace and instance. The bytes are a
 * regular {@code SessionRequest} with its {@code register} set (protobuf reads fields in any
 * order), so the server sees exactly what a generated client would send; the load generator, which
 * shares the machine with the server it measures, just does not re-encode the same instance's ports
 * and metadata maps on every request.
 */
final class EncodedRegistration {

  private final byte[] body; // RegisterInstance without its request id

  private EncodedRegistration(byte[] body) {
    this.body = body;
  }

  /** Encodes the registration of {@code instance} in {@code namespace}. */
  static EncodedRegistration of(String namespace, Instance instance) {
    requireNonNull(namespace, "namespace");
    requireNonNull(instance, "instance");
    return new EncodedRegistration(
        RegisterInstance.newBuilder()
            .setNamespace(namespace)
            .setInstance(instance)
            .build()
            .toByteArray());
  }

  /** The encoded {@code SessionRequest} registering this instance under {@code requestId}. */
  byte[] request(long requestId) {
    int inner =
        CodedOutputStream.computeInt64Size(RegisterInstance.REQUEST_ID_FIELD_NUMBER, requestId)
            + body.length;
    int total =
        CodedOutputStream.computeTagSize(SessionRequest.REGISTER_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(inner)
            + inner;
    byte[] out = new byte[total];
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
}
