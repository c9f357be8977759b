package dev.cairn.server.internal.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;
import java.nio.charset.StandardCharsets;

/**
 * One resource record of class IN, its data already in wire form. Immutable.
 *
 * @param name the owner name, absolute (ending with a dot)
 * @param type the record type
 * @param ttlSeconds the time to live
 * @param data the record data (RDATA) in wire form; not modified
 */
record DnsRr(String name, DnsRecordType type, long ttlSeconds, byte[] data) {

  /** Appends this record to {@code out} with Netty's record encoder. */
  void writeTo(ByteBuf out) throws Exception {
    DnsRecordEncoder.DEFAULT.encodeRecord(
        new DefaultDnsRawRecord(name, type, ttlSeconds, Unpooled.wrappedBuffer(data)), out);
  }

  /** An SRV record's data (RFC 2782): priority, weight, port, then the target, uncompressed. */
  static byte[] srv(int priority, int weight, int port, String target) {
    byte[] name = name(target);
    byte[] d = new byte[6 + name.length];
    putShort(d, 0, priority);
    putShort(d, 2, weight);
    putShort(d, 4, port);
    System.arraycopy(name, 0, d, 6, name.length);
    return d;
  }

  /** An SOA record's data (RFC 1035 §3.3.13); the times are in seconds. */
  static byte[] soa(
      String mname, String rname, long serial, int refresh, int retry, int expire, long minimum) {
    byte[] m = name(mname);
    byte[] r = name(rname);
    byte[] d = new byte[m.length + r.length + 20];
    System.arraycopy(m, 0, d, 0, m.length);
    System.arraycopy(r, 0, d, m.length, r.length);
    int at = m.length + r.length;
    putInt(d, at, serial);
    putInt(d, at + 4, refresh);
    putInt(d, at + 8, retry);
    putInt(d, at + 12, expire);
    putInt(d, at + 16, minimum);
    return d;
  }

  /** {@code name} (absolute, ASCII, within the limits) as length-prefixed labels. */
  static byte[] name(String name) {
    byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
    if (ascii.length == 1) { // the root: "."
      return new byte[] {0};
    }
    // "a.b." -> 1 a 1 b 0: each dot becomes the length of the label after it.
    byte[] d = new byte[ascii.length + 1];
    int labelStart = 0;
    for (int i = 0; i <= ascii.length - 1; i++) {
      if (ascii[i] == '.') {
        d[labelStart] = (byte) (i - labelStart);
        labelStart = i + 1;
      } else {
        d[i + 1] = ascii[i];
      }
    }
    d[ascii.length] = 0;
    return d;
  }

  private static void putShort(byte[] d, int at, int v) {
    d[at] = (byte) (v >> 8);
    d[at + 1] = (byte) v;
  }

  private static void putInt(byte[] d, int at, long v) {
    d[at] = (byte) (v >> 24);
    d[at + 1] = (byte) (v >> 16);
    d[at + 2] = (byte) (v >> 8);
    d[at + 3] = (byte) v;
  }
}
