/**
 * The registry's core: the catalog state machine, sessions, watches, health checks, ACLs and the
 * {@code CommandLog} seam. No network code. The {@code internal} package is not exported (decision
 * 0095).
 */
module dev.cairn.server.core {
  requires transitive dev.cairn.common;
  requires org.slf4j;
  requires HdrHistogram;

  exports dev.cairn.server.core;
  exports dev.cairn.server.core.acl;
  exports dev.cairn.server.core.log;
}
