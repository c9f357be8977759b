package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.MemoryCommandLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the DNS request parser (docs/fuzzing.md): any bytes as one DNS
 * message, read by {@link DnsRequest#read}, answered by a {@link DnsZone} over a registry with a
 * few services (one too large for a classic UDP answer) and written by {@link DnsResponseWriter} as
 * over UDP and over TCP, as the listener does. Nothing may throw; every answer fits its limit,
 * echoes the query's id, reads back as a DNS message, and is SERVFAIL only when the zone said so
 * (the writer's fallback for a bug is a finding). Corpus: {@code DnsRequestFuzzTestInputs/} under
 * the test resources.
 */
class DnsRequestFuzzTest {

  private static Registry registry;
  private static DnsZone zone;

  @BeforeAll
  static void start() throws IOException {
    registry = Registry.start(new MemoryCommandLog(), RegistryOptions.defaults());
    register(instance("h1", "10.0.0.1", Health.PASSING).tags(List.of("blue")).build());
    register(instance("h2", "10.0.0.2", Health.WARNING).zone("eu-1").build());
    register(instance("h3", "10.0.0.3", Health.CRITICAL).build());
    register(Instance.builder("hello", "fd00::1").id("h4").port("grpc", 9090).build());
    register(Instance.builder("hello", "node-5.example").id("h5").port("http", 8080).build());
    for (int i = 0; i < 60; i++) {
      register(
          Instance.builder("big", "10.2." + (i / 200) + "." + (i % 200 + 1))
              .id("b" + i)
              .port("http", 8000 + i)
              .build());
    }
    zone =
        new DnsZone(
            registry,
            "cairn",
            5,
            List.of(InetAddress.getLoopbackAddress()),
            (namespace, service) -> true);
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @FuzzTest
  void read(byte[] message) {
    DnsRequest request = DnsRequest.read(Unpooled.wrappedBuffer(message));
    if (request == null) {
      return;
    }
    DnsAnswer answer =
        request.error() != null
            ? DnsAnswer.of(request.error(), false)
            : zone.answer(request.question());
    check(request, answer, DnsResponseWriter.udpLimit(request));
    check(request, answer, DnsResponseWriter.MAX_TCP_BYTES);
  }

  private static void check(DnsRequest request, DnsAnswer answer, int limit) {
    ByteBuf reply = DnsResponseWriter.write(ByteBufAllocator.DEFAULT, request, answer, limit);
    try {
      assertThat(reply.readableBytes()).isBetween(DnsRequest.HEADER_BYTES, limit);
      assertThat(reply.getUnsignedShort(0)).isEqualTo(request.id());
      int flags = reply.getUnsignedShort(2);
      assertThat(flags & 0x8000).as("QR").isNotZero();
      if ((flags & 0xf) == DnsResponseCode.SERVFAIL.intValue()) {
        assertThat(answer.code())
            .as("the writer's SERVFAIL fallback")
            .isEqualTo(DnsResponseCode.SERVFAIL);
      }
      readBack(reply.duplicate());
    } finally {
      reply.release();
    }
  }

  /** Reads the question and every record of {@code reply}, as a client would. */
  private static void readBack(ByteBuf reply) {
    reply.skipBytes(4);
    int qd = reply.readUnsignedShort();
    int records = reply.readUnsignedShort() + reply.readUnsignedShort() + reply.readUnsignedShort();
    try {
      for (int i = 0; i < qd; i++) {
        DnsRecordDecoder.DEFAULT.decodeQuestion(reply);
      }
      for (int i = 0; i < records; i++) {
        DnsRecord r = DnsRecordDecoder.DEFAULT.decodeRecord(reply);
        assertThat(r).as("record %d of %d", i, records).isNotNull();
        ReferenceCountUtil.release(r);
      }
    } catch (Exception e) {
      throw new AssertionError("the answer does not read back", e);
    }
    assertThat(reply.isReadable()).as("bytes after the last record").isFalse();
  }

  private static Instance.Builder instance(String id, String address, Health health) {
    return Instance.builder("hello", address).id(id).port("http", 8080).health(health);
  }

  private static void register(Instance i) {
    registry.register("default", i).join();
  }
}
