package dev.cairn.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void labels() {
    assertThat(Names.isLabel("a")).isTrue();
    assertThat(Names.isLabel("hello-world-2")).isTrue();
    assertThat(Names.isLabel("a".repeat(63))).isTrue();
    assertThat(Names.isLabel(null)).isFalse();
    assertThat(Names.isLabel("")).isFalse();
    assertThat(Names.isLabel("a-")).isFalse();
    assertThat(Names.isLabel("a.b")).isFalse();
    assertThat(Names.isLabel("ü")).isFalse();
  }

  @Test
  void namespaceDefaults() {
    assertThat(Names.namespace(null)).isEqualTo("default");
    assertThat(Names.namespace("")).isEqualTo("default");
    assertThat(Names.namespace("prod")).isEqualTo("prod");
    assertThatThrownBy(() -> Names.namespace("Prod"))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("namespace"));
  }

  @Test
  void dotSegmentsAreNoNewInstanceIds() {
    assertThat(Names.checkNewInstanceId("id", "web-1.example")).isEqualTo("web-1.example");
    assertThat(Names.checkNewInstanceId("id", "...")).isEqualTo("...");
    for (String dots : new String[] {".", ".."}) {
      assertThatThrownBy(() -> Names.checkNewInstanceId("id", dots))
          .as(dots)
          .isInstanceOfSatisfying(
              CairnException.class,
              e -> {
                assertThat(e.field()).isEqualTo("id");
                assertThat(e.getMessage()).contains("other than . and ..");
              });
      // One stored before this rule can still be named, to be read or removed.
      assertThat(Names.checkInstanceId("id", dots)).isEqualTo(dots);
    }
  }

  @Test
  void errorCodesMirrorGrpc() {
    assertThat(ErrorCode.INVALID_ARGUMENT.grpcCode()).isEqualTo(3);
    assertThat(ErrorCode.fromGrpcCode(5)).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(ErrorCode.fromGrpcCode(999)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.UNAVAILABLE.retryable()).isTrue();
    assertThat(ErrorCode.INVALID_ARGUMENT.httpStatus()).isEqualTo(400);
    // A full disk is 507 over HTTP and RESOURCE_EXHAUSTED over gRPC, and worth a later retry.
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.httpStatus()).isEqualTo(507);
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.grpcCode()).isEqualTo(8);
    assertThat(ErrorCode.INSUFFICIENT_STORAGE.retryable()).isTrue();
    assertThat(ErrorCode.fromGrpcCode(8)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
  }
}
