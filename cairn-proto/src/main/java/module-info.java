/** The wire contract {@code cairn.v1}: generated protobuf messages and gRPC stubs. */
module dev.cairn.proto {
  requires transitive com.google.protobuf;
  requires transitive com.google.common;
  requires transitive io.grpc;
  requires transitive io.grpc.protobuf;
  requires transitive io.grpc.stub;

  exports dev.cairn.proto.v1;
}
