package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.internal.dns.DnsTestClient.Reply;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Malformed and odd queries get a proper code, and the server keeps answering. */
class DnsBadInputTest {

  /**
   * How long to wait for an answer that must not come. An answer on loopback takes well under a
   * millisecond; were one sent, it would arrive long before this.
   */
  private static final int NO_ANSWER_MILLIS = 1_000;

  private static CairnServer server;
  private static DnsTestClient dns;

  @BeforeAll
  static void start() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).dnsPort(0).start();
    dns = new DnsTestClient(server.dnsAddress().orElseThrow());
    server.registry().register("default", Instance.builder("hello", "10.0.0.1").build()).join();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aShortHeaderIsDroppedAndTheServerGoesOn() throws Exception {
    assertThatThrownBy(() -> dns.udpExchange(new byte[] {1, 2, 3, 4, 5}, NO_ANSWER_MILLIS))
        .isInstanceOf(SocketTimeoutException.class);
    assertStillAnswering();
  }

  @Test
  void randomBytesAfterAHeaderAreFormerr() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[12 + random.nextInt(200)];
      random.nextBytes(junk);
      junk[2] &= 0x07; // a query (QR 0), opcode QUERY
      junk[4] = 0;
      junk[5] = 1; // one question
      Reply r = dns.udp(junk);
      assertThat(r.id()).isEqualTo(((junk[0] & 0xff) << 8) | (junk[1] & 0xff));
      assertThat(r.rcode())
          .isIn(
              DnsResponseCode.FORMERR.intValue(),
              DnsResponseCode.REFUSED.intValue(),
              DnsResponseCode.NOTIMP.intValue());
    }
    assertStillAnswering();
  }

  @Test
  void aNameOver255BytesIsFormerr() throws Exception {
    String label = "a".repeat(63);
    String name = label + "." + label + "." + label + "." + label + ".hello.service.cairn.";
    Reply r = dns.udp(rawQuery(name, 1));
    assertThat(r.rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertThat(dns.tcp(rawQuery(name, 1)).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertStillAnswering();
  }

  @Test
  void aNulOrAnotherUnprintableByteInALabelIsFormerr() throws Exception {
    for (String name :
        new String[] {
          "hel\0lo.service.cairn.",
          "hello.serv\0ice.cairn.",
          "hel\u00e9lo.service.cairn.",
          "hel lo.service.cairn.",
          "hello.ca\0irn."
        }) {
      byte[] q = rawQuery(name, 1);
      Reply udp = dns.udp(q);
      assertThat(udp.rcode()).as(name).isEqualTo(DnsResponseCode.FORMERR.intValue());
      assertThat(udp.answerData()).isEmpty();
      assertThat(dns.tcp(q).rcode()).as(name).isEqualTo(DnsResponseCode.FORMERR.intValue());
    }
    assertStillAnswering();
  }

  @Test
  void aDotInsideALabelIsFormerrNotAnotherName() throws Exception {
    // One label "hello.service", then "cairn": as text it would read hello.service.cairn.
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
    b.write(13);
    b.writeBytes("hello.service".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.write(5);
    b.writeBytes("cairn".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.writeBytes(new byte[] {0, 0, 1, 0, 1});
    byte[] q = b.toByteArray();
    Reply udp = dns.udp(q);
    assertThat(udp.rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertThat(udp.answers()).isEmpty();
    assertThat(dns.tcp(q).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertStillAnswering();
  }

  @Test
  void aCompressionLoopIsFormerr() throws Exception {
    byte[] q = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xc0, 12, 0, 1, 0, 1};
    assertThat(dns.udp(q).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
  }

  @Test
  void otherOpcodesAreNotImplementedAndTwoQuestionsAreFormerr() throws Exception {
    byte[] status = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 0);
    status[2] = (byte) (2 << 3); // opcode STATUS
    assertThat(dns.udp(status).rcode()).isEqualTo(DnsResponseCode.NOTIMP.intValue());
    byte[] two = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 0);
    two[5] = 2;
    assertThat(dns.udp(two).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
  }

  @Test
  void theOpcodeIsEchoedSoThatTheClientTakesTheAnswer() throws Exception {
    for (int opcode : new int[] {2, 4, 5}) { // STATUS, NOTIFY, UPDATE
      byte[] q = DnsTestClient.query("cairn.", DnsRecordType.SOA, 0);
      q[2] = (byte) (q[2] & 0x87 | opcode << 3);
      Reply r = dns.udp(q);
      assertThat(r.rcode()).isEqualTo(DnsResponseCode.NOTIMP.intValue());
      assertThat(r.opcode()).isEqualTo(opcode);
      assertThat(r.additional()).isEmpty();
      byte[] edns = DnsTestClient.query("cairn.", DnsRecordType.SOA, 1232);
      edns[2] = (byte) (edns[2] & 0x87 | opcode << 3);
      Reply e = dns.tcp(edns);
      assertThat(e.rcode()).isEqualTo(DnsResponseCode.NOTIMP.intValue());
      assertThat(e.opcode()).isEqualTo(opcode);
      assertThat(e.additional())
          .extracting(DnsTestClient.Rr::type)
          .containsExactly(DnsRecordType.OPT);
    }
    assertThat(dns.udp("hello.service.cairn.", DnsRecordType.A).opcode()).isZero();
  }

  @Test
  void aMisplacedOrRepeatedOptRecordIsFormerr() throws Exception {
    byte[] q = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 1232);
    byte[] opt = java.util.Arrays.copyOfRange(q, q.length - 11, q.length);
    byte[] twice = java.util.Arrays.copyOf(q, q.length + opt.length);
    System.arraycopy(opt, 0, twice, q.length, opt.length);
    twice[11] = 2; // ARCOUNT
    assertThat(dns.udp(twice).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    byte[] inAnswers = q.clone();
    inAnswers[7] = 1; // ANCOUNT
    inAnswers[11] = 0; // ARCOUNT
    assertThat(dns.udp(inAnswers).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertThat(dns.tcp(twice).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
    assertStillAnswering();
  }

  @Test
  void aFormerrToAnEdnsQueryCarriesAnOptRecord() throws Exception {
    byte[] q = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 1232);
    byte[] opt = java.util.Arrays.copyOfRange(q, q.length - 11, q.length);
    byte[] none = java.util.Arrays.copyOf(q, 12 + opt.length); // no question, then the OPT
    System.arraycopy(opt, 0, none, 12, opt.length);
    none[5] = 0; // QDCOUNT
    int question = q.length - 12 - opt.length;
    byte[] two = new byte[q.length + question]; // the question twice, then the OPT
    System.arraycopy(q, 0, two, 0, 12 + question);
    System.arraycopy(q, 12, two, 12 + question, question);
    System.arraycopy(opt, 0, two, 12 + 2 * question, opt.length);
    two[5] = 2;
    for (byte[] bad : new byte[][] {none, two}) {
      Reply r = dns.udp(bad);
      assertThat(r.rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
      assertThat(r.additional())
          .extracting(DnsTestClient.Rr::type)
          .containsExactly(DnsRecordType.OPT);
    }
    assertStillAnswering();
  }

  @Test
  void anUnknownEdnsVersionIsBadvers() throws Exception {
    byte[] q = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 1232);
    q[q.length - 5] = 1; // the OPT record's version byte (TTL: ext-rcode, version, flags)
    Reply r = dns.udp(q);
    assertThat(r.rcode()).isZero();
    assertThat(r.answers()).isEmpty();
    DnsTestClient.Rr opt = r.additional().get(0);
    assertThat(opt.type()).isEqualTo(DnsRecordType.OPT);
    assertThat(opt.ttl() >>> 24).isEqualTo(1); // extended rcode 16 = BADVERS
  }

  @Test
  void aResponseIsNotAnswered() throws Exception {
    byte[] q = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 0);
    q[2] |= (byte) 0x80;
    assertThatThrownBy(() -> dns.udpExchange(q, NO_ANSWER_MILLIS))
        .isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void tcpAnswersPipelinedQueriesInOrderAndSurvivesGarbage() throws Exception {
    InetSocketAddress a = server.dnsAddress().orElseThrow();
    try (Socket s = new Socket()) {
      s.connect(a, 5_000);
      s.setSoTimeout(5_000);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buf);
      byte[] q1 = DnsTestClient.query("hello.service.cairn.", DnsRecordType.A, 0);
      byte[] junk = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xc0, 12, 0, 1, 0, 1}; // a loop
      byte[] q2 = DnsTestClient.query("nobody.service.cairn.", DnsRecordType.A, 0);
      for (byte[] q : new byte[][] {q1, junk, q2}) {
        out.writeShort(q.length);
        out.write(q);
      }
      s.getOutputStream().write(buf.toByteArray());
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertThat(read(in).answerData()).containsExactly("10.0.0.1");
      assertThat(read(in).rcode()).isEqualTo(DnsResponseCode.FORMERR.intValue());
      assertThat(read(in).rcode()).isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
    }
    assertStillAnswering();
  }

  private static Reply read(DataInputStream in) throws IOException {
    byte[] m = new byte[in.readUnsignedShort()];
    in.readFully(m);
    return DnsTestClient.parse(m);
  }

  /** A query written by hand, so that names beyond the limits can be sent. */
  private static byte[] rawQuery(String name, int type) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      b.write(label.length());
      b.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    b.writeBytes(new byte[] {0, 0, (byte) type, 0, 1});
    return b.toByteArray();
  }

  private static void assertStillAnswering() throws IOException {
    assertThat(dns.udp("hello.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.0.0.1");
  }
}
