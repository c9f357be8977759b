/**
 * The SDK's core: {@code CairnClient}, {@code ServiceView}, the load-balancing SPI and policies,
 * and the resilience toolkit. The {@code internal} packages are not exported (decision 0095).
 */
module dev.cairn.client {
  requires transitive dev.cairn.common;
  requires dev.cairn.proto;
  requires transitive io.grpc;
  requires io.grpc.stub;
  requires io.grpc.netty;
  requires io.netty.common;
  requires io.netty.transport;
  requires io.netty.handler;
  requires transitive io.github.resilience4j.circuitbreaker;
  requires transitive io.github.resilience4j.bulkhead;
  requires io.github.resilience4j.core;
  requires transitive micrometer.observation;
  requires org.slf4j;

  exports dev.cairn.client;
  exports dev.cairn.client.lb;
  exports dev.cairn.client.resilience;
}
