package dev.cairn.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SnapshotReason;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtosTest {

  private static dev.cairn.proto.v1.Instance.Builder wire() {
    return dev.cairn.proto.v1.Instance.newBuilder()
        .setId("web-1")
        .setService("web")
        .setAddress("10.0.0.1");
  }

  @Test
  void unsetFieldsTakeTheirDefaults() {
    Instance i = Protos.toModel(wire().build(), "");

    assertThat(i.weight()).isEqualTo(100);
    assertThat(i.health()).isEqualTo(Health.PASSING);
    assertThat(i.kind()).isEqualTo(InstanceKind.PERSISTENT);
    assertThat(i.sessionId()).isEmpty();
    assertThat(i.zone()).isEmpty();
  }

  @Test
  void aSessionMakesTheInstanceEphemeral() {
    assertThat(Protos.toModel(wire().build(), "s1").kind()).isEqualTo(InstanceKind.EPHEMERAL);
    assertThat(Protos.toModel(wire().setSessionId("s1").build(), "").sessionId()).isEqualTo("s1");
    assertThat(Protos.toModel(wire().setSessionId("s1").build(), "s1").sessionId()).isEqualTo("s1");
  }

  @Test
  void twoDifferentSessionsAreInvalid() {
    assertThatThrownBy(() -> Protos.toModel(wire().setSessionId("s1").build(), "s2"))
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).startsWith("instance.session_id: \"s1\"");
            });
  }

  @Test
  void unknownEnumValuesAreInvalid() {
    assertThatThrownBy(() -> Protos.toModel(wire().setHealthValue(9).build(), ""))
        .hasMessage("instance.health: 9 (expected: PASSING, WARNING or CRITICAL)");
    assertThatThrownBy(() -> Protos.toModel(wire().setKindValue(9).build(), ""))
        .hasMessage("instance.kind: 9 (expected: EPHEMERAL or PERSISTENT)");
  }

  @Test
  void roundTripsEveryField() {
    Instance model =
        Instance.builder("web", "10.0.0.1")
            .id("web-1")
            .ports(Map.of("http", 80, "grpc", 90))
            .tags(List.of("b", "a"))
            .metadata(Map.of("k", "v"))
            .weight(7)
            .zone("z1")
            .health(Health.WARNING)
            .kind(InstanceKind.EPHEMERAL)
            .sessionId("s1")
            .revisions(3, 5)
            .build();

    dev.cairn.proto.v1.Instance wire = Protos.toProto(model);
    Instance back = Protos.toModel(wire, "");

    assertThat(wire.getCreateRevision()).isEqualTo(3);
    assertThat(wire.getModRevision()).isEqualTo(5);
    assertThat(wire.getHealth()).isEqualTo(dev.cairn.proto.v1.Health.WARNING);
    assertThat(wire.getKind()).isEqualTo(dev.cairn.proto.v1.InstanceKind.EPHEMERAL);
    assertThat(back.sameRegistration(model)).isTrue();
    assertThat(back.tags()).containsExactly("b", "a");
  }

  @Test
  void eventsKeepTheirOrderAndTheLastRevision() {
    Instance a = Instance.builder("web", "10.0.0.1").id("a").revisions(4, 4).build();
    Instance b = Instance.builder("web", "10.0.0.2").id("b").revisions(2, 5).build();

    var message =
        Protos.watchEvents(
            List.of(
                ServiceEvent.of(ServiceEvent.Type.ADDED, 4, a),
                ServiceEvent.of(ServiceEvent.Type.REMOVED, 5, b)));

    assertThat(message.getRevision()).isEqualTo(5);
    assertThat(message.getEvents().getEventsList())
        .extracting(WatchEvent::getType)
        .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.REMOVED);
  }

  @Test
  void snapshotMessagesAreEncodedOncePerSnapshotAndReason() {
    ServiceSnapshot s =
        ServiceSnapshot.of(
            "default",
            "web",
            4,
            List.of(Instance.builder("web", "10.0.0.1").id("a").revisions(4, 4).build()));

    var initial = Protos.watchSnapshot(s, SnapshotReason.INITIAL, 0);

    assertThat(Protos.watchSnapshot(s, SnapshotReason.INITIAL, 0)).isSameAs(initial);
    assertThat(Protos.watchSnapshot(s, SnapshotReason.RESYNC, 0).getSnapshot().getReason())
        .isEqualTo(dev.cairn.proto.v1.ServiceSnapshot.Reason.RESYNC);
    var compacted = Protos.watchSnapshot(s, SnapshotReason.COMPACTED, 3).getSnapshot();
    assertThat(compacted.getReason())
        .isEqualTo(dev.cairn.proto.v1.ServiceSnapshot.Reason.COMPACTED);
    assertThat(compacted.getCompactRevision()).isEqualTo(3);
    assertThat(initial.getRevision()).isEqualTo(4);
    assertThat(initial.getSnapshot().getInstances(0).getId()).isEqualTo("a");
  }
}
