package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.Instance;
import java.util.Locale;

/** The instances the workloads register: small and realistic, on the loopback address. */
final class Instances {

  private Instances() {}

  /** An instance {@code id} of {@code service} with an http port, a tag, a zone and metadata. */
  static Instance of(String service, String id, int index) {
    return Instance.newBuilder()
        .setService(service)
        .setId(id)
        .setAddress("127.0.0.1")
        .putPorts("http", 10_000 + index % 50_000)
        .addTags("loadgen")
        .setZone("z" + index % 3)
        .putMetadata("version", "1.0." + index % 10)
        .build();
  }

  /** The same instance as {@link #of}, as the SDK takes it. */
  static dev.cairn.common.Instance sdk(String service, String id, int index) {
    Instance p = of(service, id, index);
    return dev.cairn.common.Instance.builder(p.getService(), p.getAddress())
        .id(p.getId())
        .ports(p.getPortsMap())
        .tags(p.getTagsList())
        .metadata(p.getMetadataMap())
        .zone(p.getZone())
        .build();
  }

  /** A zero-padded instance id: {@code prefix-000042}. */
  static String id(String prefix, int index) {
    return prefix + "-" + String.format(Locale.ROOT, "%06d", index);
  }
}
