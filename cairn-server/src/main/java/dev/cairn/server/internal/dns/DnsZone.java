package dev.cairn.server.internal.dns;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The zone {@code <domain>.}: answers one question from the registry's current snapshots. Names:
 *
 * <ul>
 *   <li>{@code [<tag>.]<service>.service[.<namespace>].<domain>}: A/AAAA of the healthy instances
 *       (health PASSING or WARNING) whose address is an IP literal; SRV with every port of every
 *       healthy instance;
 *   <li>{@code _<port>._tcp.[<tag>.]<service>.service[.<namespace>].<domain>}: the same, for the
 *       instances that have a port of that name (SRV: only that port);
 *   <li>{@code <hex-ip>.addr.<domain>}: the address an SRV target stands for;
 *   <li>{@code <domain>}: SOA and NS, the NS naming {@code ns.<domain>}, whose A/AAAA records are
 *       the server's own addresses (decision 0212).
 * </ul>
 *
 * <p>Like every healthy-only read, answers include unhealthy instances too when fewer than the
 * service's protection threshold are healthy (see {@code docs/health-checks.md}).
 *
 * <p>A service name that no instance matches (whatever its health) is NXDOMAIN; a matching name
 * without healthy instances or without records of the type asked for is an empty NOERROR. The empty
 * non-terminals above those names exist too (RFC 8020): {@code service.<domain>} and {@code
 * addr.<domain>} always, {@code <namespace>.<domain>} and {@code service.<namespace>.<domain>}
 * while the namespace has a service with instances, {@code _tcp.[<tag>.]<service>...} while an
 * instance the rest matches has a port; they answer an empty NOERROR. Negative answers carry the
 * zone's SOA. Names outside the zone are REFUSED (this is no recursive resolver).
 *
 * <p>Thread-safe and lock-free: each call reads immutable snapshots.
 */
final class DnsZone {

  private static final String SERVICE = "service";
  private static final String ADDR = "addr";
  private static final String NS = "ns";
  private static final String TCP = "_tcp";
  private static final int SRV_PRIORITY = 1;
  private static final int SOA_REFRESH = 3600;
  private static final int SOA_RETRY = 600;
  private static final int SOA_EXPIRE = 86400;

  private final Registry registry;
  private final String domain; // lower case, no dots at either end
  private final String suffix; // "." + domain
  private final String apex; // domain + "."
  private final String nameServer; // "ns." + apex
  private final List<byte[]> nameServerAddresses; // 4 or 16 bytes each; not modified
  private final long ttl;
  // The key under which each snapshot keeps its instances prepared for this zone.
  private final Object snapshotKey = new Object();

  // Whether DNS may answer for a service (namespace, name); always, unless ACLs are on.
  private final java.util.function.BiPredicate<String, String> mayRead;

  /**
   * A zone for {@code domain} (a DNS name, e.g. {@code cairn}) whose records live {@code
   * ttlSeconds}, its name server {@code ns.<domain>} at {@code nameServerAddresses} (see {@link
   * DnsNameServer}), answering only for the services {@code mayRead} allows (others are {@code
   * REFUSED}): with ACLs on, what the anonymous policy may read.
   */
  DnsZone(
      Registry registry,
      String domain,
      long ttlSeconds,
      List<InetAddress> nameServerAddresses,
      java.util.function.BiPredicate<String, String> mayRead) {
    this.mayRead = requireNonNull(mayRead, "mayRead");
    this.registry = requireNonNull(registry, "registry");
    this.domain = requireNonNull(domain, "domain");
    this.suffix = "." + domain;
    this.apex = domain + ".";
    this.nameServer = NS + "." + apex;
    List<byte[]> ips = new ArrayList<>();
    for (InetAddress a : nameServerAddresses) {
      ips.add(a.getAddress());
    }
    this.nameServerAddresses = List.copyOf(ips);
    this.ttl = ttlSeconds;
  }

  /** Answers {@code question}; never throws for any name or type. */
  DnsAnswer answer(DnsQuestion question) {
    int type = question.type().intValue();
    if (type == DnsRecordType.AXFR.intValue() || type == DnsRecordType.IXFR.intValue()) {
      return DnsAnswer.of(DnsResponseCode.NOTIMP, false);
    }
    int dnsClass = question.dnsClass();
    if (dnsClass != 1 && dnsClass != 255) { // IN, ANY
      return DnsAnswer.of(DnsResponseCode.REFUSED, false);
    }
    String name = question.name().toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.equals(domain)) {
      return apex(question);
    }
    if (!name.endsWith(suffix)) {
      return DnsAnswer.of(DnsResponseCode.REFUSED, false);
    }
    String[] labels = name.substring(0, name.length() - suffix.length()).split("\\.", -1);
    if (labels.length == 1) {
      switch (labels[0]) {
        case NS:
          return nameServer(question);
        case SERVICE:
        case ADDR:
          return negative(DnsResponseCode.NOERROR); // the empty non-terminals of the zone's shape
        default:
          return namespace(labels[0]);
      }
    }
    if (labels.length == 2 && labels[1].equals(ADDR)) {
      return address(question, labels[0]);
    }
    if (labels.length == 2 && labels[0].equals(SERVICE) && !labels[1].equals(SERVICE)) {
      // service.<namespace>; "service.service" is the service "service" (see ServiceName.parse)
      return namespace(labels[1]);
    }
    return service(question, labels);
  }

  /** The zone's SOA record. */
  DnsRr soa() {
    long serial = registry.revision() & 0xffffffffL;
    return new DnsRr(
        apex,
        DnsRecordType.SOA,
        ttl,
        DnsRr.soa(
            nameServer, "hostmaster." + apex, serial, SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, ttl));
  }

  /** SOA and NS at the apex; NS comes with the name server's addresses (glue). */
  private DnsAnswer apex(DnsQuestion q) {
    DnsRecordType type = q.type();
    boolean any = type == DnsRecordType.ANY;
    List<DnsRr> answers = new ArrayList<>(2);
    List<DnsRr> additional = new ArrayList<>();
    if (type == DnsRecordType.SOA || any) {
      DnsRr soa = soa();
      answers.add(new DnsRr(q.name(), soa.type(), soa.ttlSeconds(), soa.data()));
    }
    if (type == DnsRecordType.NS || any) {
      answers.add(new DnsRr(q.name(), DnsRecordType.NS, ttl, DnsRr.name(nameServer)));
      for (byte[] ip : nameServerAddresses) {
        additional.add(new DnsRr(nameServer, addressType(ip), ttl, ip));
      }
    }
    if (answers.isEmpty()) {
      return negative(DnsResponseCode.NOERROR);
    }
    return new DnsAnswer(DnsResponseCode.NOERROR, true, answers, List.of(), additional);
  }

  /** {@code ns.<domain>}: the server's own addresses. */
  private DnsAnswer nameServer(DnsQuestion q) {
    DnsRecordType type = q.type();
    List<DnsRr> answers = new ArrayList<>(nameServerAddresses.size());
    for (byte[] ip : nameServerAddresses) {
      DnsRecordType own = addressType(ip);
      if (type == own || type == DnsRecordType.ANY) {
        answers.add(new DnsRr(q.name(), own, ttl, ip));
      }
    }
    if (answers.isEmpty()) {
      return negative(DnsResponseCode.NOERROR);
    }
    return new DnsAnswer(DnsResponseCode.NOERROR, true, answers, List.of(), List.of());
  }

  /**
   * {@code <namespace>.<domain>} and {@code service.<namespace>.<domain>}: empty non-terminals
   * while the namespace has a service with instances that DNS may answer for, else nothing.
   */
  private DnsAnswer namespace(String namespace) {
    if (Names.isLabel(namespace)) {
      for (ServiceSummary s : registry.services(namespace).services()) {
        if (mayRead.test(namespace, s.name())) {
          return negative(DnsResponseCode.NOERROR);
        }
      }
    }
    return negative(DnsResponseCode.NXDOMAIN);
  }

  private static DnsRecordType addressType(byte[] ip) {
    return ip.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
  }

  private DnsAnswer address(DnsQuestion q, String hex) {
    byte[] ip = fromHex(hex);
    if (ip == null) {
      return negative(DnsResponseCode.NXDOMAIN);
    }
    DnsRecordType type = q.type();
    DnsRecordType own = ip.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
    if (type != own && type != DnsRecordType.ANY) {
      return negative(DnsResponseCode.NOERROR);
    }
    return new DnsAnswer(
        DnsResponseCode.NOERROR,
        true,
        List.of(new DnsRr(q.name(), own, ttl, ip)),
        List.of(),
        List.of());
  }

  private DnsAnswer service(DnsQuestion q, String[] labels) {
    ServiceName sn = ServiceName.parse(labels);
    if (sn == null) {
      return negative(DnsResponseCode.NXDOMAIN);
    }
    if (!mayRead.test(sn.namespace, sn.service)) {
      return DnsAnswer.of(DnsResponseCode.REFUSED, false);
    }
    ServiceSnapshot snapshot = registry.service(sn.namespace, sn.service);
    List<Target> targets = snapshot.encoded(snapshotKey, this::targets);
    List<Target> matching = new ArrayList<>(targets.size());
    List<Target> healthy = new ArrayList<>(targets.size());
    for (Target t : targets) {
      if (sn.matches(t.instance)) {
        matching.add(t);
        if (t.healthy) {
          healthy.add(t);
        }
      }
    }
    if (matching.isEmpty()) {
      return negative(DnsResponseCode.NXDOMAIN);
    }
    if (sn.anyPort) {
      return negative(DnsResponseCode.NOERROR); // _tcp.<service>...: an empty non-terminal
    }
    if (healthy.size() < matching.size() && underProtection(sn, matching)) {
      healthy = matching; // too few healthy: the protection threshold answers with all of them
    }
    rotate(healthy);
    DnsRecordType type = q.type();
    List<DnsRr> answers = new ArrayList<>();
    List<DnsRr> additional = new ArrayList<>();
    if (type == DnsRecordType.SRV) {
      srv(q.name(), sn.port, healthy, answers, additional);
    } else if (type == DnsRecordType.A || type == DnsRecordType.AAAA || type == DnsRecordType.ANY) {
      for (Target t : healthy) {
        DnsRecordType own = t.addressType();
        if (own != null && (type == own || type == DnsRecordType.ANY)) {
          answers.add(new DnsRr(q.name(), own, ttl, t.ip));
        }
      }
    }
    if (answers.isEmpty()) {
      return negative(DnsResponseCode.NOERROR);
    }
    return new DnsAnswer(DnsResponseCode.NOERROR, true, answers, List.of(), additional);
  }

  /**
   * Whether the service's protection threshold puts this read in protection (the rule of every
   * healthy-only read: {@link Registry#healthy}).
   */
  private boolean underProtection(ServiceName sn, List<Target> matching) {
    List<Instance> candidates = new ArrayList<>(matching.size());
    for (Target t : matching) {
      candidates.add(t.instance);
    }
    return registry.healthy(sn.namespace, sn.service, candidates).protection();
  }

  /**
   * The SRV records of {@code healthy}, and in {@code additional} the address records of exactly
   * their targets: an instance without a port (or without the port asked for) is no target, so its
   * address is not glued either. The writer leaves out every additional record when the answers are
   * truncated, so what goes on the wire never names an address whose SRV record did not fit.
   */
  private void srv(
      String name, String port, List<Target> healthy, List<DnsRr> answers, List<DnsRr> additional) {
    Set<String> glued = new HashSet<>();
    for (Target t : healthy) {
      if (t.target == null) {
        continue;
      }
      int weight = t.instance.weight();
      boolean answered = false;
      for (Map.Entry<String, Integer> p : t.instance.ports().entrySet()) {
        if (port != null && !port.equals(p.getKey())) {
          continue;
        }
        answers.add(
            new DnsRr(
                name,
                DnsRecordType.SRV,
                ttl,
                DnsRr.srv(SRV_PRIORITY, weight, p.getValue(), t.target)));
        answered = true;
      }
      DnsRecordType own = t.addressType();
      if (answered && own != null && glued.add(t.target)) {
        additional.add(new DnsRr(t.target, own, ttl, t.ip));
      }
    }
  }

  private DnsAnswer negative(DnsResponseCode code) {
    return new DnsAnswer(code, true, List.of(), List.of(soa()), List.of());
  }

  /** The instances of a snapshot prepared for answers; computed once per snapshot. */
  private List<Target> targets(ServiceSnapshot snapshot) {
    List<Target> out = new ArrayList<>(snapshot.instances().size());
    for (Instance i : snapshot.instances()) {
      out.add(new Target(i, apex));
    }
    return List.copyOf(out);
  }

  /** Starts the list at a random element so that clients taking the first spread the load. */
  private static void rotate(List<Target> list) {
    if (list.size() > 1) {
      java.util.Collections.rotate(list, ThreadLocalRandom.current().nextInt(list.size()));
    }
  }

  /** The address of an {@code addr} label: 8 hex digits for IPv4, 32 for IPv6; else null. */
  static byte[] fromHex(String hex) {
    if (hex.length() != 8 && hex.length() != 32) {
      return null;
    }
    byte[] ip = new byte[hex.length() / 2];
    for (int i = 0; i < ip.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      ip[i] = (byte) (hi << 4 | lo);
    }
    return ip;
  }

  static String toHex(byte[] ip) {
    StringBuilder s = new StringBuilder(ip.length * 2);
    for (byte b : ip) {
      s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return s.toString();
  }

  /** An instance with its address parsed and its SRV target named. Immutable. */
  private static final class Target {
    final Instance instance;
    final boolean healthy;
    final byte[] ip; // 4 or 16 bytes, or null for a host name
    final String target; // absolute; null when the address is no usable DNS name

    // An address is read by the rules of Names.checkAddress (decision 0097), which new instances
    // follow. One registered before them that those rules refuse ("010.0.0.1", "999.1.1.1",
    // "fe80::1%eth0") means different things to different readers, so it gets no record at all;
    // "[::1]" means one thing only, and is answered without its brackets.
    Target(Instance instance, String apex) {
      this.instance = instance;
      this.healthy = instance.health().isHealthy();
      String address = instance.address();
      if (address.startsWith("[") && address.endsWith("]")) {
        address = address.substring(1, address.length() - 1);
      }
      this.ip =
          Names.isIpv4Literal(address) || Names.isIpv6Literal(address)
              ? NetUtil.createByteArrayFromIpAddressString(address)
              : null;
      if (ip != null) {
        this.target = toHex(ip) + "." + ADDR + "." + apex;
      } else if (Names.isHostName(address)) {
        String name = address.toLowerCase(Locale.ROOT);
        this.target = name.endsWith(".") ? name : name + ".";
      } else {
        this.target = null;
      }
    }

    DnsRecordType addressType() {
      if (ip == null) {
        return null;
      }
      return ip.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
    }
  }

  /**
   * The parts of a service name: {@code [_<port>._tcp.][<tag>.]<service>.service[.<ns>]}, or the
   * empty non-terminal {@code _tcp.[<tag>.]<service>.service[.<ns>]} above its port names.
   */
  private static final class ServiceName {
    final String namespace;
    final String service;
    final String tag; // or null
    final String port; // or null
    final boolean anyPort; // "_tcp." without a port: matches instances with a port

    private ServiceName(
        String namespace, String service, String tag, String port, boolean anyPort) {
      this.namespace = namespace;
      this.service = service;
      this.tag = tag;
      this.port = port;
      this.anyPort = anyPort;
    }

    /**
     * The parts of {@code labels} (the name without the domain), or null when it is none. A name
     * whose last label is {@code service} is read in the default namespace, before any other
     * reading: {@code web.service.service} is tag {@code web} of service {@code service} in {@code
     * default}, never service {@code web} of a namespace named {@code service}, which DNS cannot
     * reach (docs/dns.md). {@code web.service.service.default} names the former unambiguously.
     */
    static ServiceName parse(String[] labels) {
      int n = labels.length;
      String namespace;
      int end; // labels[0..end) come before "service"
      if (labels[n - 1].equals(SERVICE)) {
        namespace = Limits.DEFAULT_NAMESPACE;
        end = n - 1;
      } else if (n >= 2 && labels[n - 2].equals(SERVICE)) {
        namespace = labels[n - 1];
        end = n - 2;
      } else {
        return null;
      }
      int start = 0;
      String port = null;
      boolean anyPort = false;
      if (end >= 3 && labels[0].startsWith("_") && labels[1].equals(TCP)) {
        port = labels[0].substring(1);
        start = 2;
      } else if (end >= 2 && labels[0].equals(TCP)) {
        anyPort = true;
        start = 1;
      }
      String tag = null;
      if (end - start == 2) {
        tag = labels[start];
        start++;
      }
      if (end - start != 1) {
        return null;
      }
      String service = labels[start];
      if (!Names.isLabel(namespace)
          || !Names.isLabel(service)
          || (tag != null && !Names.isLabel(tag))
          || (port != null && !Names.isLabel(port))) {
        return null;
      }
      return new ServiceName(namespace, service, tag, port, anyPort);
    }

    boolean matches(Instance i) {
      return (tag == null || i.tags().contains(tag))
          && (port == null || i.ports().containsKey(port))
          && (!anyPort || !i.ports().isEmpty());
    }
  }
}
