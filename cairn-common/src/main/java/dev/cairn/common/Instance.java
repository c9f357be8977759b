package dev.cairn.common;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * One registered instance of a service: where it listens and how to choose it. Immutable; built
 * with {@link #builder(String, String)}, whose {@link Builder#build()} checks every field against
 * {@link Limits} and {@link Names}.
 *
 * <p>Revisions are set by the registry: {@link #createRevision()} when the instance first appeared,
 * {@link #modRevision()} when it last changed; both are 0 on instances not yet stored.
 */
public final class Instance {

  private final String id;
  private final String service;
  private final String address;
  private final Map<String, Integer> ports;
  private final List<String> tags;
  private final Map<String, String> metadata;
  private final int weight;
  private final String zone;
  private final Health health;
  private final InstanceKind kind;
  private final String sessionId;
  private final HealthCheck check;
  private final long createRevision;
  private final long modRevision;

  private Instance(Builder b) {
    this.id = b.id;
    this.service = b.service;
    this.address = b.address;
    this.ports = b.ports;
    this.tags = b.tags;
    this.metadata = b.metadata;
    this.weight = b.weight;
    this.zone = b.zone;
    this.health = b.health;
    this.kind = b.kind;
    this.sessionId = b.sessionId;
    this.check = b.check;
    this.createRevision = b.createRevision;
    this.modRevision = b.modRevision;
  }

  /** A builder for an instance of {@code service} listening on {@code address}. */
  public static Builder builder(String service, String address) {
    return new Builder().service(service).address(address);
  }

  /** The instance id, unique within its service. */
  public String id() {
    return id;
  }

  public String service() {
    return service;
  }

  public String address() {
    return address;
  }

  /** Named ports, sorted by name; unmodifiable. */
  public Map<String, Integer> ports() {
    return ports;
  }

  /** The port with the given name, or -1. */
  public int port(String name) {
    Integer p = ports.get(name);
    return p == null ? -1 : p;
  }

  /** Tags in registration order, without duplicates; unmodifiable. */
  public List<String> tags() {
    return tags;
  }

  /** Metadata sorted by key; unmodifiable. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Relative weight, {@value Limits#MIN_WEIGHT}..{@value Limits#MAX_WEIGHT}. */
  public int weight() {
    return weight;
  }

  /** The zone, or the empty string when none was given. */
  public String zone() {
    return zone;
  }

  public Health health() {
    return health;
  }

  public InstanceKind kind() {
    return kind;
  }

  /** The owning session of an ephemeral instance, else the empty string. */
  public String sessionId() {
    return sessionId;
  }

  /** The health check the registry runs for this instance, if any. */
  public Optional<HealthCheck> check() {
    return Optional.ofNullable(check);
  }

  /** Whether the registry runs a health check for this instance. */
  public boolean hasCheck() {
    return check != null;
  }

  public long createRevision() {
    return createRevision;
  }

  public long modRevision() {
    return modRevision;
  }

  /**
   * This instance with other revisions; every other field is shared, nothing is checked again. Used
   * by the registry when it stores an instance.
   */
  public Instance withRevisions(long createRevision, long modRevision) {
    return new Instance(this, createRevision, modRevision);
  }

  // withRevisions without a Builder: the registry calls it twice per registration.
  private Instance(Instance from, long createRevision, long modRevision) {
    this.id = from.id;
    this.service = from.service;
    this.address = from.address;
    this.ports = from.ports;
    this.tags = from.tags;
    this.metadata = from.metadata;
    this.weight = from.weight;
    this.zone = from.zone;
    this.health = from.health;
    this.kind = from.kind;
    this.sessionId = from.sessionId;
    this.check = from.check;
    this.createRevision = createRevision;
    this.modRevision = modRevision;
  }

  /**
   * This instance as a registry stored it on session {@code sessionId}: ephemeral, owned by that
   * session, at the given revisions. Only the session id is checked (it must not be empty); every
   * other field is shared and was checked when this instance was built. Used by the SDK when a
   * registration is acknowledged.
   *
   * @throws CairnException naming {@code session} when {@code sessionId} is empty
   */
  public Instance inSession(String sessionId, long createRevision, long modRevision) {
    if (sessionId.isEmpty()) {
      throw CairnException.invalid("session", "", "a session id for an ephemeral instance");
    }
    Builder b = toBuilder();
    b.kind = InstanceKind.EPHEMERAL;
    b.sessionId = sessionId;
    b.createRevision = createRevision;
    b.modRevision = modRevision;
    return new Instance(b);
  }

  /**
   * This instance with its service, port names, tags, metadata, zone and session id replaced by the
   * equal strings {@code share} returns (e.g. from an intern pool), so that thousands of instances
   * hold one copy of each; nothing is checked again. Ids and addresses are unique, so they stay.
   */
  public Instance withSharedStrings(UnaryOperator<String> share) {
    String sharedService = share.apply(service);
    Map<String, Integer> sharedPorts = shareMap(ports, share, UnaryOperator.identity());
    List<String> sharedTags = shareAll(tags, share);
    Map<String, String> sharedMetadata = shareMap(metadata, share, share);
    String sharedZone = share.apply(zone);
    String sharedSession = share.apply(sessionId);
    if (sharedService == service
        && sharedPorts == ports
        && sharedTags == tags
        && sharedMetadata == metadata
        && sharedZone == zone
        && sharedSession == sessionId) {
      return this;
    }
    return new Instance(
        this, sharedService, sharedPorts, sharedTags, sharedMetadata, sharedZone, sharedSession);
  }

  // withSharedStrings without a Builder: the registry calls it once per registration.
  private Instance(
      Instance from,
      String service,
      Map<String, Integer> ports,
      List<String> tags,
      Map<String, String> metadata,
      String zone,
      String sessionId) {
    this.id = from.id;
    this.service = service;
    this.address = from.address;
    this.ports = ports;
    this.tags = tags;
    this.metadata = metadata;
    this.weight = from.weight;
    this.zone = zone;
    this.health = from.health;
    this.kind = from.kind;
    this.sessionId = sessionId;
    this.check = from.check;
    this.createRevision = from.createRevision;
    this.modRevision = from.modRevision;
  }

  // The maps and lists below are an instance's own: compact, unmodifiable, sorted. Each returns its
  // argument itself when sharing changes nothing, and builds a single entry without a TreeMap.

  private static <V> Map<String, V> shareMap(
      Map<String, V> map, UnaryOperator<String> shareKey, UnaryOperator<V> shareValue) {
    if (map.isEmpty()) {
      return map;
    }
    if (map.size() == 1) {
      Map.Entry<String, V> e = map.entrySet().iterator().next();
      String k = shareKey.apply(e.getKey());
      V v = shareValue.apply(e.getValue());
      return k == e.getKey() && v == e.getValue() ? map : Map.of(k, v);
    }
    TreeMap<String, V> m = new TreeMap<>();
    boolean changed = false;
    for (Map.Entry<String, V> e : map.entrySet()) {
      String k = shareKey.apply(e.getKey());
      V v = shareValue.apply(e.getValue());
      changed |= k != e.getKey() || v != e.getValue();
      m.put(k, v);
    }
    return changed ? Collections.unmodifiableMap(m) : map;
  }

  private static List<String> shareAll(List<String> list, UnaryOperator<String> share) {
    if (list.isEmpty()) {
      return list;
    }
    if (list.size() == 1) {
      String t = list.get(0);
      String shared = share.apply(t);
      return shared == t ? list : List.of(shared);
    }
    String[] a = new String[list.size()];
    boolean changed = false;
    for (int i = 0; i < a.length; i++) {
      a[i] = share.apply(list.get(i));
      changed |= a[i] != list.get(i);
    }
    return changed ? List.of(a) : list;
  }

  /** A builder holding this instance's fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.service = service;
    b.address = address;
    b.ports = ports;
    b.tags = tags;
    b.metadata = metadata;
    b.weight = weight;
    b.zone = zone;
    b.health = health;
    b.kind = kind;
    b.sessionId = sessionId;
    b.check = check;
    b.createRevision = createRevision;
    b.modRevision = modRevision;
    return b;
  }

  /** Whether {@code other} describes the same registration: every field but the revisions equal. */
  public boolean sameRegistration(Instance other) {
    return id.equals(other.id)
        && service.equals(other.service)
        && address.equals(other.address)
        && ports.equals(other.ports)
        && tags.equals(other.tags)
        && metadata.equals(other.metadata)
        && weight == other.weight
        && zone.equals(other.zone)
        && health == other.health
        && kind == other.kind
        && sessionId.equals(other.sessionId)
        && Objects.equals(check, other.check);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Instance)) {
      return false;
    }
    Instance that = (Instance) o;
    return sameRegistration(that)
        && createRevision == that.createRevision
        && modRevision == that.modRevision;
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, id, address, modRevision);
  }

  @Override
  public String toString() {
    return "Instance{"
        + service
        + "/"
        + id
        + " "
        + address
        + ports
        + (tags.isEmpty() ? "" : " tags=" + tags)
        + (metadata.isEmpty() ? "" : " meta=" + metadata)
        + " w="
        + weight
        + (zone.isEmpty() ? "" : " zone=" + zone)
        + " "
        + health
        + " "
        + kind
        + (sessionId.isEmpty() ? "" : " session=" + sessionId)
        + (check == null ? "" : " check=" + check)
        + " rev="
        + modRevision
        + "}";
  }

  /** Builds an {@link Instance}; not thread-safe. */
  public static final class Builder {
    private String id = "";
    private String service;
    private String address;
    private Map<String, Integer> ports = Map.of();
    private List<String> tags = List.of();
    private Map<String, String> metadata = Map.of();
    private int weight = Limits.DEFAULT_WEIGHT;
    private String zone = "";
    private Health health = Health.PASSING;
    private InstanceKind kind = InstanceKind.PERSISTENT;
    private String sessionId = "";
    private HealthCheck check;
    private long createRevision;
    private long modRevision;

    private Builder() {}

    /** The id; empty means the registry generates one. */
    public Builder id(String id) {
      this.id = requireNonNull(id, "id");
      return this;
    }

    public Builder service(String service) {
      this.service = requireNonNull(service, "service");
      return this;
    }

    public Builder address(String address) {
      this.address = requireNonNull(address, "address");
      return this;
    }

    /** Adds (or replaces) the named port. */
    public Builder port(String name, int port) {
      TreeMap<String, Integer> m = new TreeMap<>(ports);
      m.put(requireNonNull(name, "name"), port);
      this.ports = m;
      return this;
    }

    /** Replaces all ports. */
    public Builder ports(Map<String, Integer> ports) {
      this.ports = copy(requireNonNull(ports, "ports"));
      return this;
    }

    /** Replaces all tags. */
    public Builder tags(List<String> tags) {
      this.tags = new ArrayList<>(requireNonNull(tags, "tags"));
      return this;
    }

    /** Replaces all metadata. */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata = copy(requireNonNull(metadata, "metadata"));
      return this;
    }

    // A copy the caller cannot change: an immutable map for none or one entry (most instances have
    // one port and little metadata), else a TreeMap, which build() checks and wraps. Null keys and
    // values go to the TreeMap, so that they fail as they always did.
    private static <V> Map<String, V> copy(Map<String, V> map) {
      if (map.isEmpty()) {
        return Map.of();
      }
      if (map.size() == 1) {
        Map.Entry<String, V> e = map.entrySet().iterator().next();
        if (e.getKey() != null && e.getValue() != null) {
          return Map.of(e.getKey(), e.getValue());
        }
      }
      return new TreeMap<>(map);
    }

    /** The weight; {@value Limits#DEFAULT_WEIGHT} when not set. */
    public Builder weight(int weight) {
      this.weight = weight;
      return this;
    }

    /** The zone; empty for none. */
    public Builder zone(String zone) {
      this.zone = requireNonNull(zone, "zone");
      return this;
    }

    public Builder health(Health health) {
      this.health = requireNonNull(health, "health");
      return this;
    }

    public Builder kind(InstanceKind kind) {
      this.kind = requireNonNull(kind, "kind");
      return this;
    }

    /** The owning session; empty for none. */
    public Builder sessionId(String sessionId) {
      this.sessionId = requireNonNull(sessionId, "sessionId");
      return this;
    }

    /** The health check the registry runs; null for none. */
    public Builder check(HealthCheck check) {
      this.check = check;
      return this;
    }

    /** Sets both revisions; used by the registry when it stores the instance. */
    public Builder revisions(long createRevision, long modRevision) {
      this.createRevision = createRevision;
      this.modRevision = modRevision;
      return this;
    }

    /**
     * Checks every field and returns the instance: the address with {@link Names#checkAddress},
     * metadata keys and values with the characters {@link Limits#MAX_METADATA_KEY_LENGTH} and
     * {@link Limits#MAX_METADATA_VALUE_LENGTH} describe.
     *
     * @throws CairnException with {@link ErrorCode#INVALID_ARGUMENT} naming the first bad field
     */
    public Instance build() {
      return build(true);
    }

    /**
     * Like {@link #build()}, for an instance a registry already holds, which may have been
     * registered before the rules of decision 0097: its address is checked with {@link
     * Names#checkStoredAddress}, and the characters of its metadata are not checked (their lengths
     * are). For instances read back from a registry's log or snapshots, received in its answers, or
     * rebuilt from one of those; never for a new registration, which a registry checks with {@link
     * #build()}.
     *
     * @throws CairnException with {@link ErrorCode#INVALID_ARGUMENT} naming the first bad field
     */
    public Instance buildStored() {
      return build(false);
    }

    private Instance build(boolean strict) {
      Names.checkLabel("service", service);
      if (!id.isEmpty()) {
        Names.checkInstanceId("id", id);
      }
      if (strict) {
        Names.checkAddress("address", address);
      } else {
        Names.checkStoredAddress("address", address);
      }
      checkPorts();
      checkTags();
      checkMetadata(strict);
      if (weight < Limits.MIN_WEIGHT || weight > Limits.MAX_WEIGHT) {
        throw CairnException.invalid(
            "weight", weight, Limits.MIN_WEIGHT + ".." + Limits.MAX_WEIGHT);
      }
      if (!zone.isEmpty()) {
        Names.checkLabel("zone", zone);
      }
      if (kind == InstanceKind.EPHEMERAL && sessionId.isEmpty()) {
        throw CairnException.invalid("session", "", "a session id for an ephemeral instance");
      }
      if (kind == InstanceKind.PERSISTENT && !sessionId.isEmpty()) {
        throw CairnException.invalid("session", sessionId, "no session for a persistent instance");
      }
      checkCheck();
      return new Instance(this);
    }

    private void checkCheck() {
      if (check == null || check.type() == HealthCheck.Type.TTL) {
        return;
      }
      if (check.port().isEmpty()) {
        if (ports.size() != 1) {
          throw CairnException.invalid(
              "check.port", "", "a port name when the instance has " + ports.size() + " ports");
        }
      } else if (!ports.containsKey(check.port())) {
        throw CairnException.invalid("check.port", check.port(), "one of " + ports.keySet());
      }
    }

    private void checkPorts() {
      if (ports.size() > Limits.MAX_PORTS) {
        throw CairnException.invalid("ports", ports.size() + " ports", "<= " + Limits.MAX_PORTS);
      }
      ports.forEach(Builder::checkPort); // no iterator: this runs once per registration
      ports = compact(ports);
    }

    private static void checkPort(String name, Integer port) {
      Names.checkLabel("ports.name", name);
      if (port == null || port < 1 || port > 65535) {
        throw CairnException.invalid("ports." + name, port, "1..65535");
      }
    }

    // Small, unmodifiable, and iterating in key order: instances are held by the hundred thousand.
    private static <V> Map<String, V> compact(Map<String, V> sorted) {
      if (!(sorted instanceof TreeMap)) {
        return sorted; // already compact: Map.of, or an earlier build's unmodifiable map
      }
      TreeMap<String, V> tree = (TreeMap<String, V>) sorted;
      if (tree.isEmpty()) {
        return Map.of();
      }
      if (tree.size() == 1) {
        String k = tree.firstKey();
        return Map.of(k, tree.get(k));
      }
      return Collections.unmodifiableMap(tree);
    }

    private void checkTags() {
      if (tags.size() > Limits.MAX_TAGS) {
        throw CairnException.invalid("tags", tags.size() + " tags", "<= " + Limits.MAX_TAGS);
      }
      if (tags.size() <= 1) {
        if (tags.size() == 1) {
          Names.checkLabel("tags", tags.get(0));
        }
        if (tags instanceof ArrayList) {
          tags = List.copyOf(tags);
        }
        return;
      }
      List<String> distinct = new ArrayList<>(tags.size());
      for (String t : tags) {
        Names.checkLabel("tags", t);
        if (!distinct.contains(t)) {
          distinct.add(t);
        }
      }
      tags = List.copyOf(distinct);
    }

    private void checkMetadata(boolean strict) {
      if (metadata.size() > Limits.MAX_METADATA_ENTRIES) {
        throw CairnException.invalid(
            "metadata", metadata.size() + " entries", "<= " + Limits.MAX_METADATA_ENTRIES);
      }
      // No iterator, as for ports; both are static method references, so no lambda is allocated.
      metadata.forEach(strict ? Builder::checkMetadataEntry : Builder::checkStoredMetadataEntry);
      // One entry within its key and value limits is within the total limit too.
      int total = 0;
      if (metadata.size() > 1) {
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          total += e.getKey().length() + e.getValue().length();
        }
      }
      if (total > Limits.MAX_METADATA_TOTAL_LENGTH) {
        throw CairnException.invalid(
            "metadata", total + " chars", "<= " + Limits.MAX_METADATA_TOTAL_LENGTH + " in total");
      }
      metadata = compact(metadata);
    }

    // A new entry: lengths, and no control characters or white space in the key, no control
    // character other than tab in the value (decision 0097).
    private static void checkMetadataEntry(String k, String v) {
      checkStoredMetadataEntry(k, v);
      for (int i = 0; i < k.length(); i++) {
        char c = k.charAt(i);
        if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
          throw CairnException.invalid(
              "metadata.key",
              k,
              "1.." + Limits.MAX_METADATA_KEY_LENGTH + " chars, no control characters or spaces");
        }
      }
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (Character.isISOControl(c) && c != '\t') {
          throw CairnException.invalid(
              "metadata." + k,
              v,
              "0.." + Limits.MAX_METADATA_VALUE_LENGTH + " chars, no control characters but tab");
        }
      }
      Limits.checkWholeCharacters(
          "metadata.key",
          k,
          "1.." + Limits.MAX_METADATA_KEY_LENGTH + " chars, no control characters or spaces");
      Limits.checkWholeCharacters(
          "metadata." + k,
          v,
          "0.." + Limits.MAX_METADATA_VALUE_LENGTH + " chars, no control characters but tab");
    }

    // An entry of a stored instance: lengths only (control characters were taken before 0097).
    private static void checkStoredMetadataEntry(String k, String v) {
      if (k == null || k.isEmpty() || k.length() > Limits.MAX_METADATA_KEY_LENGTH) {
        throw CairnException.invalid(
            "metadata.key", k, "1.." + Limits.MAX_METADATA_KEY_LENGTH + " chars");
      }
      if (v == null || v.length() > Limits.MAX_METADATA_VALUE_LENGTH) {
        throw CairnException.invalid(
            "metadata." + k, v, "0.." + Limits.MAX_METADATA_VALUE_LENGTH + " chars");
      }
    }
  }
}
