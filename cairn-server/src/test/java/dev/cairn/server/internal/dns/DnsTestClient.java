package dev.cairn.server.internal.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A minimal DNS client over real UDP and TCP sockets, for tests. Not thread-safe. */
final class DnsTestClient {

  private static final int TIMEOUT_MILLIS = 5_000;

  private final InetSocketAddress server;

  DnsTestClient(InetSocketAddress server) {
    this.server = server;
  }

  /**
   * One record of a reply, its data as text: an address, {@code "prio weight port target"}, a name
   * server's name, {@code "mname rname"}.
   */
  record Rr(String name, DnsRecordType type, long ttl, String data) {}

  /** A parsed reply. */
  record Reply(
      int id,
      int flags,
      int rcode,
      int questions,
      List<Rr> answers,
      List<Rr> authority,
      List<Rr> additional,
      int size) {
    boolean truncated() {
      return (flags & 0x0200) != 0;
    }

    boolean authoritative() {
      return (flags & 0x0400) != 0;
    }

    int opcode() {
      return (flags >> 11) & 0xf;
    }

    List<String> answerData() {
      return answers.stream().map(Rr::data).sorted().toList();
    }
  }

  Reply udp(String name, DnsRecordType type) throws IOException {
    return udp(query(name, type, 0));
  }

  Reply udp(String name, DnsRecordType type, int ednsPayload) throws IOException {
    return udp(query(name, type, ednsPayload));
  }

  Reply tcp(String name, DnsRecordType type) throws IOException {
    return tcp(query(name, type, 0));
  }

  /** Sends {@code message} in one datagram and parses the answer. */
  Reply udp(byte[] message) throws IOException {
    byte[] got = udpExchange(message);
    return parse(got);
  }

  /** Sends {@code message} and returns the raw answer; throws on timeout. */
  byte[] udpExchange(byte[] message) throws IOException {
    return udpExchange(message, TIMEOUT_MILLIS);
  }

  /** Sends {@code message} and returns the raw answer; throws after {@code timeoutMillis}. */
  byte[] udpExchange(byte[] message, int timeoutMillis) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout(timeoutMillis);
      s.send(new DatagramPacket(message, message.length, server));
      byte[] buf = new byte[65535];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      byte[] got = new byte[p.getLength()];
      System.arraycopy(buf, 0, got, 0, got.length);
      return got;
    }
  }

  /** Sends {@code message} over a new TCP connection and parses the answer. */
  Reply tcp(byte[] message) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(server, TIMEOUT_MILLIS);
      s.setSoTimeout(TIMEOUT_MILLIS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(message.length);
      out.write(message);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] got = new byte[in.readUnsignedShort()];
      in.readFully(got);
      return parse(got);
    }
  }

  /** A query for {@code name}/{@code type}, with an OPT record when {@code ednsPayload > 0}. */
  static byte[] query(String name, DnsRecordType type, int ednsPayload) {
    ByteBuf b = Unpooled.buffer();
    try {
      b.writeShort(ThreadLocalRandom.current().nextInt(65536));
      b.writeShort(0x0100); // RD
      b.writeShort(1);
      b.writeShort(0);
      b.writeShort(0);
      b.writeShort(ednsPayload > 0 ? 1 : 0);
      DnsRecordEncoder.DEFAULT.encodeQuestion(new DefaultDnsQuestion(name, type), b);
      if (ednsPayload > 0) {
        DnsRecordEncoder.DEFAULT.encodeRecord(
            new DefaultDnsRawRecord(".", DnsRecordType.OPT, ednsPayload, 0, Unpooled.EMPTY_BUFFER),
            b);
      }
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      b.release();
    }
  }

  static Reply parse(byte[] message) {
    ByteBuf b = Unpooled.wrappedBuffer(message);
    try {
      int id = b.readUnsignedShort();
      int flags = b.readUnsignedShort();
      int qd = b.readUnsignedShort();
      int an = b.readUnsignedShort();
      int ns = b.readUnsignedShort();
      int ar = b.readUnsignedShort();
      for (int i = 0; i < qd; i++) {
        DnsRecordDecoder.DEFAULT.decodeQuestion(b);
      }
      return new Reply(
          id,
          flags,
          flags & 0xf,
          qd,
          records(b, an),
          records(b, ns),
          records(b, ar),
          message.length);
    } catch (Exception e) {
      throw new IllegalStateException("unparsable reply", e);
    } finally {
      b.release();
    }
  }

  private static List<Rr> records(ByteBuf b, int n) throws Exception {
    List<Rr> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      DnsRecord r = DnsRecordDecoder.DEFAULT.decodeRecord(b);
      try {
        out.add(new Rr(r.name(), r.type(), r.timeToLive(), data(r)));
      } finally {
        ReferenceCountUtil.release(r);
      }
    }
    return out;
  }

  private static String data(DnsRecord r) {
    if (!(r instanceof DnsRawRecord raw)) {
      return r.toString();
    }
    ByteBuf c = raw.content().duplicate();
    if (r.type() == DnsRecordType.A || r.type() == DnsRecordType.AAAA) {
      byte[] ip = new byte[c.readableBytes()];
      c.readBytes(ip);
      return NetUtil.bytesToIpAddress(ip);
    }
    if (r.type() == DnsRecordType.SRV) {
      int prio = c.readUnsignedShort();
      int weight = c.readUnsignedShort();
      int port = c.readUnsignedShort();
      return prio + " " + weight + " " + port + " " + DefaultDnsRecordDecoder.decodeName(c);
    }
    if (r.type() == DnsRecordType.NS) {
      return DefaultDnsRecordDecoder.decodeName(c);
    }
    if (r.type() == DnsRecordType.SOA) {
      return DefaultDnsRecordDecoder.decodeName(c) + " " + DefaultDnsRecordDecoder.decodeName(c);
    }
    return "";
  }
}
