package dev.cairn.server.internal.grpc;

import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;

/** Wire messages the tests build often. */
final class Fixtures {

  private Fixtures() {}

  static Instance.Builder instance(String service, String id) {
    return Instance.newBuilder()
        .setService(service)
        .setId(id)
        .setAddress("10.0.0.1")
        .putPorts("http", 8080);
  }

  static RegisterRequest register(String service, String id) {
    return RegisterRequest.newBuilder().setInstance(instance(service, id)).build();
  }

  /** Metadata of about {@code chars} characters, to make events big. */
  static Instance.Builder withBulk(Instance.Builder b, int chars) {
    for (int i = 0; chars > 0; i++) {
      int n = Math.min(chars, 500);
      b.putMetadata("k" + i, "x".repeat(n));
      chars -= n;
    }
    return b;
  }
}
