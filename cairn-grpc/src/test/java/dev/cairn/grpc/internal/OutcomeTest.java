package dev.cairn.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.lb.Outcome;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** How a call's status counts for the balancer (decision 0022). */
class OutcomeTest {

  @Test
  void mapsStatusesToOutcomes() {
    assertThat(CairnLoadBalancer.outcome(Status.OK, true)).isEqualTo(Outcome.SUCCESS);
    assertThat(CairnLoadBalancer.outcome(Status.RESOURCE_EXHAUSTED, true))
        .isEqualTo(Outcome.OVERLOADED);
    assertThat(CairnLoadBalancer.outcome(Status.UNAVAILABLE, true)).isEqualTo(Outcome.FAILURE);
    assertThat(CairnLoadBalancer.outcome(Status.UNAVAILABLE, false)).isEqualTo(Outcome.REFUSED);
    assertThat(CairnLoadBalancer.outcome(Status.DEADLINE_EXCEEDED, true))
        .isEqualTo(Outcome.FAILURE);
    assertThat(CairnLoadBalancer.outcome(Status.INTERNAL, true)).isEqualTo(Outcome.FAILURE);
    // The application's own answers say nothing about the endpoint.
    assertThat(CairnLoadBalancer.outcome(Status.NOT_FOUND, true)).isEqualTo(Outcome.SUCCESS);
    assertThat(CairnLoadBalancer.outcome(Status.INVALID_ARGUMENT, true)).isEqualTo(Outcome.SUCCESS);
    assertThat(CairnLoadBalancer.outcome(Status.CANCELLED, true)).isEqualTo(Outcome.SUCCESS);
  }
}
